/* range on OpenCL in three passes, all with 32-bit atomics of OpenCL 1.2:
 * range_near keeps each pixel's smallest range (positive floats order like
 * their bits), range_pick keeps the lowest index among the points at that
 * range, range_fill writes the five planes. The projection mirrors
 * sp__range_pixel / sp__atan2f in kernels/lidar_int.h operation for
 * operation (FP_CONTRACT OFF), so the winners are the scalar reference's. */
#pragma OPENCL FP_CONTRACT OFF

#define AT_A2 (-0.3302995f)
#define AT_A4 0.1801410f
#define AT_A6 (-0.0851330f)
#define AT_A8 0.0208351f
#define PI_F 3.14159265358979f
#define HALF_PI_F 1.57079632679490f
#define INV_2PI_F 0.159154943091895f

static float atan2p(float y, float x)
{
    float ax = fabs(x), ay = fabs(y);
    float mx = ax > ay ? ax : ay;
    float mn = ax > ay ? ay : ax;
    float a = mx > 0.0f ? mn / mx : 0.0f;
    float s = a * a;
    float p = ((AT_A8 * s + AT_A6) * s + AT_A4) * s + AT_A2;
    float r = a + (a * s) * p;
    if (ay > ax)
        r = HALF_PI_F - r;
    if (x < 0.0f)
        r = PI_F - r;
    if (y < 0.0f)
        r = -r;
    return r;
}

static int pixel(float x, float y, float z, uint rows, uint cols,
                 float fov_up, float row_scale, float *range)
{
    float rxy2 = x * x + y * y;
    float r2 = rxy2 + z * z;
    if (!(r2 > 0.0f && r2 <= 3.40282347e38f))
        return -1;
    float yaw = atan2p(y, x);
    float pitch = atan2p(z, sqrt(rxy2));
    float fr = (fov_up - pitch) * row_scale;
    if (!(fr >= 0.0f && fr < (float)rows))
        return -1;
    float fc = (0.5f - yaw * INV_2PI_F) * (float)cols;
    int col = fc > 0.0f ? (int)fc : 0;
    if (col >= (int)cols)
        col = (int)cols - 1;
    *range = sqrt(r2);
    return (int)fr * (int)cols + col;
}

kernel void range_init(global int *best, global int *idx, uint pixels)
{
    size_t p = get_global_id(0);
    if (p >= pixels)
        return;
    best[p] = 0x7f800000; /* +inf */
    idx[p] = 0x7fffffff;
}

kernel void range_near(global const float *px, global const float *py,
                       global const float *pz, uint n, uint rows, uint cols,
                       float fov_up, float row_scale, global int *best)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float r;
    int p = pixel(px[i], py[i], pz[i], rows, cols, fov_up, row_scale, &r);
    if (p >= 0)
        atomic_min(best + p, as_int(r));
}

kernel void range_pick(global const float *px, global const float *py,
                       global const float *pz, uint n, uint rows, uint cols,
                       float fov_up, float row_scale,
                       global const int *best, global int *idx)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float r;
    int p = pixel(px[i], py[i], pz[i], rows, cols, fov_up, row_scale, &r);
    if (p >= 0 && as_int(r) == best[p])
        atomic_min(idx + p, (int)i);
}

kernel void range_fill(global const float *px, global const float *py,
                       global const float *pz, global const float *pi,
                       global const int *best, global const int *idx,
                       uint pixels, global float *out)
{
    size_t p = get_global_id(0);
    if (p >= pixels)
        return;
    int i = idx[p];
    if (i == 0x7fffffff) {
        for (int c = 0; c < 5; c++)
            out[c * pixels + p] = -1.0f;
        return;
    }
    out[p] = as_float(best[p]);
    out[pixels + p] = px[i];
    out[2 * pixels + p] = py[i];
    out[3 * pixels + p] = pz[i];
    out[4 * pixels + p] = pi[i];
}
