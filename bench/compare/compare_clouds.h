// The clouds the point comparisons (pcl_compare, small_gicp_compare) time:
// a preallocated sp_points, the real KITTI sweep as x, y, z, intensity
// records, and bench_lidar.c's synthetic KITTI-sized sweep point for point.
#ifndef SP_COMPARE_CLOUDS_H
#define SP_COMPARE_CLOUDS_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "sp_points.h"
#include "sp_status.h"

struct SpCloud {
    sp_points p{};
    void *mem = nullptr;
    explicit SpCloud(size_t cap)
    {
        size_t bytes = sp_points_block_size(cap ? cap : 1, 0);
        bytes = (bytes + 63) & ~size_t(63);
        mem = aligned_alloc(64, bytes);
        if (!mem || sp_points_init(&p, mem, bytes, cap, 0) != SP_OK) {
            fprintf(stderr, "compare: cannot allocate %zu points\n", cap);
            exit(1);
        }
    }
    ~SpCloud()
    {
        free(mem);
    }
    SpCloud(const SpCloud &) = delete;
    SpCloud &operator=(const SpCloud &) = delete;
};

struct Input {
    std::string name;
    std::vector<float> xyzi; /* x, y, z, intensity per point */
};

inline bool load_kitti(const char *path, Input &in)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = size > 0 ? size_t(size) / 16 : 0;
    in.xyzi.resize(4 * n);
    bool ok = n > 0 && fread(in.xyzi.data(), 16, n, f) == n;
    fclose(f);
    return ok;
}

/* bench_lidar.c's synthetic sweep, point for point (bench_util.h). */
inline void synth(Input &in)
{
    in.xyzi.resize(4 * BENCH_SYNTH_POINTS);
    float *v = in.xyzi.data();
    bench_synth_sweep(v, v + 1, v + 2, v + 3, 4);
}

#endif
