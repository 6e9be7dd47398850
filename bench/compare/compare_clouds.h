// The clouds the point comparisons (pcl_compare, small_gicp_compare) time:
// a preallocated sp_points, the real KITTI sweep as x, y, z, intensity
// records, and bench_lidar.c's synthetic KITTI-sized sweep point for point.
#ifndef SP_COMPARE_CLOUDS_H
#define SP_COMPARE_CLOUDS_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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

/* bench_lidar.c's synthetic sweep, point for point. */
inline void synth(Input &in)
{
    const size_t beams = 64, steps = 1875;
    uint64_t s = 12345;
    for (size_t b = 0; b < beams; b++) {
        double elev =
            (-24.8 + 26.8 * double(b) / double(beams - 1)) * M_PI / 180.0;
        for (size_t a = 0; a < steps; a++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double az = 2.0 * M_PI * double(a) / double(steps);
            double r = elev < -0.02 ? 1.73 / -sin(elev) : 80.0;
            double obst = 4.0 + double(s >> 40) / 16777216.0 * 60.0;
            if (((s >> 20) & 7) == 0 && obst < r)
                r = obst;
            if (r > 120.0)
                r = 120.0;
            double x = r * cos(elev) * cos(az), y = r * cos(elev) * sin(az);
            double z = r * sin(elev);
            in.xyzi.push_back(float(round(x * 1000.0) / 1000.0));
            in.xyzi.push_back(float(round(y * 1000.0) / 1000.0));
            in.xyzi.push_back(float(round(z * 1000.0) / 1000.0));
            in.xyzi.push_back(float((s >> 12) & 255) / 255.0f);
        }
    }
}

#endif
