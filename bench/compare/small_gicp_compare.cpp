/* sensorpipe's voxel grid vs small_gicp's (koide3/small_gicp, header-only,
 * MIT) on the same cloud, in the same process:
 *   voxel leaf 0.2 m, one thread   vs small_gicp::voxelgrid_sampling
 *   the same, small_gicp on 2 threads (voxelgrid_sampling_omp, OpenMP)
 * on the real KITTI sweep $SP_TEST_DATA/kitti_object/training/velodyne/
 * 000001.bin and on bench_lidar.c's synthetic KITTI-sized sweep. Each side
 * is timed as its users call it: small_gicp on its own PointCloud (made
 * once, outside the timing), returning a new cloud each call; sensorpipe's
 * kernel into a preallocated sp_points. Median over many runs after
 * warm-up. Both average the points of each 0.2 m cell, but small_gicp
 * finds the cell in double precision where sensorpipe (like PCL's
 * VoxelGrid, whose count it equals) uses float, so a point within a
 * rounding error of a cell wall can land in the next cell: the one-thread
 * counts must agree within 0.1 % (KITTI 000001: 37,869 vs 37,873). The
 * OpenMP version sums blocks of 1024 sorted points apart, so a voxel cut
 * by a block edge comes out twice there: its count is printed only.
 *
 * Not built unless small_gicp's headers are found: Debian has no package,
 * so point -DSP_SMALL_GICP_INCLUDE=DIR at a checkout's include/ (it also
 * needs Eigen 3, Debian's libeigen3-dev, and OpenMP).
 *
 *   small_gicp_compare [--runs N] [--quick] [--cputime] [--json]
 * --cputime times by this thread's CPU time; the OpenMP rows then use wall
 * time regardless (their work is on other threads too). */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <small_gicp/points/point_cloud.hpp>
#include <small_gicp/util/downsampling.hpp>
#include <small_gicp/util/downsampling_omp.hpp>

#include "bench_util.h"
#include "compare_clouds.h"
#include "compare_opts.h"
#include "compare_backends.h"
#include "sp_points.h"
#include "sp_voxel.h"

namespace
{

struct Job {
    sp_kctx *k = nullptr;
    const sp_points *in = nullptr;
    sp_points *out = nullptr;
    sp_voxel_params voxel{};
    const small_gicp::PointCloud *gin = nullptr;
    size_t gout = 0;
    int threads = 1;
};

int run_sp_voxel(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    return sp_voxel(j->k, &j->voxel, j->in, j->out);
}

int run_gicp(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    auto out = j->threads > 1 ? small_gicp::voxelgrid_sampling_omp(*j->gin, 0.2,
                                                                   j->threads)
                              : small_gicp::voxelgrid_sampling(*j->gin, 0.2);
    j->gout = out->size();
    return 0;
}

double median(const Opts &o, bench_fn fn, void *arg, bool wall)
{
    int warm = o.quick ? 3 : 10;
    return o.cputime && !wall ? bench_median_cpu_ms(fn, arg, warm, o.runs)
                              : bench_median_ms(fn, arg, warm, o.runs);
}

int mismatches = 0;

void row(const Opts &o, const Input &in, const char *be, double ms, size_t n,
         const char *ref, double ref_ms, size_t ref_n, bool must_equal)
{
    bool same = n == ref_n;
    size_t diff = n > ref_n ? n - ref_n : ref_n - n;
    bool close = diff * 1000 <= ref_n;
    if (must_equal && !close)
        mismatches++;
    double ratio = ms > 0 ? ref_ms / ms : 0.0;
    if (o.json) {
        printf("{\"compare\":\"voxel 0.2\",\"input\":\"%s\",\"points\":%zu,"
               "\"backend\":\"%s\",\"median_ms\":%.4f,\"count\":%zu,"
               "\"ref\":\"%s\",\"ref_median_ms\":%.4f,\"ref_count\":%zu,"
               "\"ref_over_ours\":%.3f,\"counts_equal\":%s,"
               "\"counts_within_0_1_percent\":%s}\n",
               in.name.c_str(), in.xyzi.size() / 4, be, ms, n, ref, ref_ms,
               ref_n, ratio, same ? "true" : "false", close ? "true" : "false");
        return;
    }
    printf("%-13s %-7s %9.4f %-22s %9.4f %8.2fx %8zu %8zu %s\n",
           in.name.c_str(), be, ms, ref, ref_ms, ratio, n, ref_n,
           same          ? "equal"
           : !must_equal ? "(blocks)"
           : close       ? "~0.1%"
                         : "DIFFER");
}

void compare(const Opts &o, const Input &in, std::vector<Backend> &bs)
{
    size_t n = in.xyzi.size() / 4;
    SpCloud src(n), dst(n);
    small_gicp::PointCloud gin;
    gin.resize(n);
    for (size_t i = 0; i < n; i++) {
        src.p.x[i] = in.xyzi[4 * i];
        src.p.y[i] = in.xyzi[4 * i + 1];
        src.p.z[i] = in.xyzi[4 * i + 2];
        src.p.intensity[i] = in.xyzi[4 * i + 3];
        gin.point(i) << in.xyzi[4 * i], in.xyzi[4 * i + 1], in.xyzi[4 * i + 2],
            1.0;
    }
    src.p.count = n;
    Job j;
    j.in = &src.p;
    j.out = &dst.p;
    j.gin = &gin;
    j.voxel.leaf[0] = j.voxel.leaf[1] = j.voxel.leaf[2] = 0.2f;

    j.threads = 1;
    double g1 = median(o, run_gicp, &j, false);
    size_t g1n = j.gout;
    j.threads = 2;
    double g2 = median(o, run_gicp, &j, true);
    size_t g2n = j.gout;
    for (Backend &b : bs) {
        j.k = b.k;
        double ms = median(o, run_sp_voxel, &j, false);
        if (ms < 0) {
            fprintf(stderr, "small_gicp_compare: voxel on %s: %s\n", b.name,
                    sp_errmsg());
            mismatches++;
            continue;
        }
        row(o, in, b.name, ms, dst.p.count, "voxelgrid_sampling", g1, g1n,
            true);
        row(o, in, b.name, ms, dst.p.count, "voxelgrid_sampling_omp 2t", g2,
            g2n, false);
    }
}

} // namespace

int main(int argc, char **argv)
{
    Opts o;
    if (compare_parse_opts(argc, argv, "small_gicp_compare", o))
        return 2;
    std::vector<Backend> bs = make_backends();
    if (!o.json) {
        double load[3] = {0, 0, 0};
        if (getloadavg(load, 3) < 0)
            load[0] = -1;
        printf("# small_gicp vs sensorpipe, voxel 0.2 m; %s (the OpenMP rows: "
               "wall time), median of %d runs after warm-up; load average "
               "%.2f %.2f %.2f\n",
               o.cputime ? "thread CPU time" : "wall time", o.runs, load[0],
               load[1], load[2]);
        printf("%-13s %-7s %9s %-22s %9s %9s %8s %8s %s\n", "input", "ours",
               "ms", "small_gicp", "ms", "its/ours", "count", "its cnt",
               "counts");
    }
    Input syn{"synthetic", {}};
    synth(syn);
    compare(o, syn, bs);
    const char *root = getenv("SP_TEST_DATA");
    std::string path = std::string(root && *root ? root : "../shared/data") +
                       "/kitti_object/training/velodyne/000001.bin";
    Input kit{"kitti 000001", {}};
    if (load_kitti(path.c_str(), kit))
        compare(o, kit, bs);
    else if (!o.json)
        printf("(no KITTI sweep at %s: set SP_TEST_DATA)\n", path.c_str());
    for (Backend &b : bs)
        sp_kctx_destroy(b.k);
    if (mismatches)
        fprintf(stderr,
                "small_gicp_compare: %d row(s) where the voxel counts "
                "differ or a kernel failed\n",
                mismatches);
    return mismatches ? 1 : 0;
}
