/* bev on OpenCL: one work-item per point scatters with atomics (max height
 * on the float's bits, count, intensity sum by compare-and-swap), then one
 * per cell finishes mean and density. Mirrors sp__bev_cell in
 * kernels/lidar_int.h operation for operation, so cells and heights match
 * the scalar reference exactly; the intensity sum's order differs. */
#pragma OPENCL FP_CONTRACT OFF

kernel void bev_scatter(global const float *px, global const float *py,
                        global const float *pz, global const float *pi,
                        uint n, float xmin, float ymin, float zmin,
                        float zmax, float inv_res, float inv_zr, float fh,
                        float fw, int w, global float *out, uint cells,
                        global uint *cnt)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float x = px[i], y = py[i], z = pz[i];
    float fx = (x - xmin) * inv_res;
    float fy = (y - ymin) * inv_res;
    if (!(fx >= 0.0f && fx < fh && fy >= 0.0f && fy < fw && z >= zmin &&
          z <= zmax))
        return;
    float v = (z - zmin) * inv_zr;
    float h = v > 1.0f ? 1.0f : v;
    /* Forward up, left on the left: the grid index from the other end
     * (sp__bev_raster_of). */
    int c = (int)(cells - 1u) - ((int)fx * w + (int)fy);
    /* h >= +0, and non-negative floats order like their bit patterns. */
    atomic_max((global int *)out + c, as_int(h));
    atomic_inc(cnt + c);
    global int *sum = (global int *)(out + cells) + c;
    float add = pi[i];
    int old = *sum, seen;
    do {
        seen = old;
        old = atomic_cmpxchg(sum, seen, as_int(as_float(seen) + add));
    } while (old != seen);
}

kernel void bev_finish(global float *out, uint cells, global const uint *cnt,
                       global const float *density)
{
    size_t c = get_global_id(0);
    if (c >= cells)
        return;
    uint k = cnt[c];
    if (k) {
        out[cells + c] = out[cells + c] / (float)k;
        out[2 * cells + c] = k >= 64 ? 1.0f : density[k];
    }
}
