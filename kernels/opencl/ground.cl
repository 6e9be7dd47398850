/* ground (RANSAC plane) on OpenCL: ground_count scores every hypothesis
 * in one launch — work-item (chunk, h) counts the inliers of plane h among
 * CHUNK points and adds them to counts[h] — and ground_mask classifies
 * every point against one plane. The inlier test mirrors
 * sp__ground_inlier in kernels/lidar_int.h (FP_CONTRACT OFF), so counts
 * and masks are the scalar reference's. */
#pragma OPENCL FP_CONTRACT OFF

#define CHUNK 256

kernel void ground_count(global const float *px, global const float *py,
                         global const float *pz, uint n,
                         global const float4 *planes, uint nplanes, float thr,
                         global uint *counts)
{
    size_t chunk = get_global_id(0), h = get_global_id(1);
    if (h >= nplanes)
        return;
    size_t lo = chunk * CHUNK;
    if (lo >= n)
        return;
    size_t hi = min(lo + CHUNK, (size_t)n);
    float4 pl = planes[h];
    uint c = 0;
    for (size_t i = lo; i < hi; i++) {
        float d = pl.x * px[i] + pl.y * py[i] + pl.z * pz[i] + pl.w;
        c += fabs(d) < thr;
    }
    if (c)
        atomic_add(counts + h, c);
}

kernel void ground_mask(global const float *px, global const float *py,
                        global const float *pz, uint n, float4 pl, float thr,
                        global uchar *mask)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float d = pl.x * px[i] + pl.y * py[i] + pl.z * pz[i] + pl.w;
    mask[i] = fabs(d) < thr;
}
