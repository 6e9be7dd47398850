/* project on OpenCL: project_init sets every pixel to +inf, project_near
 * keeps each pixel's smallest depth with atomic_min on the float's bits
 * (depths are > min_depth > 0, and positive floats order like their bits),
 * project_finish turns +inf into 0. The transform mirrors
 * sp__project_pixel in kernels/lidar_int.h operation for operation
 * (FP_CONTRACT OFF), so the image is the scalar reference's. */
#pragma OPENCL FP_CONTRACT OFF

kernel void project_init(global int *out, uint pixels)
{
    size_t p = get_global_id(0);
    if (p < pixels)
        out[p] = 0x7f800000;
}

kernel void project_near(global const float *px, global const float *py,
                         global const float *pz, uint n,
                         constant float *m, /* 12: P R0 Tr; 4: depth row */
                         float min_depth, float fw, float fh, int w,
                         global int *out)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float x = px[i], y = py[i], z = pz[i];
    float dz = m[12] * x + m[13] * y + m[14] * z + m[15];
    float wv = m[8] * x + m[9] * y + m[10] * z + m[11];
    if (!(dz > min_depth && wv > 0.0f))
        return;
    float u = (m[0] * x + m[1] * y + m[2] * z + m[3]) / wv;
    float v = (m[4] * x + m[5] * y + m[6] * z + m[7]) / wv;
    if (!(u >= 0.0f && u < fw && v >= 0.0f && v < fh))
        return;
    atomic_min(out + ((int)v * w + (int)u), as_int(dz));
}

kernel void project_finish(global int *out, uint pixels)
{
    size_t p = get_global_id(0);
    if (p < pixels && out[p] == 0x7f800000)
        out[p] = 0;
}
