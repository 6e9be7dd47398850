/* sensorpipe vs PCL on the same clouds, in the same process, one thread:
 *   voxel leaf 0.2 m   vs pcl::VoxelGrid<PointXYZI>  (setLeafSize 0.2)
 *   crop box           vs pcl::CropBox<PointXYZI>    (same inclusive box)
 *   crop z band        vs pcl::PassThrough<PointXYZI> (field z, same band)
 * on the real KITTI sweep $SP_TEST_DATA/kitti_object/training/velodyne/
 * 000001.bin and on a synthetic KITTI-sized sweep (the generator of
 * bench_lidar.c: 64 beams x 1875 steps, millimetre-quantised). Each side is
 * timed as a user calls it (PCL: filter() on a cloud set once with
 * setInputCloud, into an output cloud reused across runs; sensorpipe: the
 * kernel into a preallocated sp_points), median over many runs after
 * warm-up. Every row prints both output counts: they must be equal (37,869
 * voxels on 000001 at 0.2 m); the program exits 1 when one is not.
 *
 * Single-threaded: the CPU back-ends of sensorpipe (scalar, SSE4.1, AVX2)
 * run on the calling thread and PCL's filters have no threads. OpenCL is
 * left out (PoCL spreads over every core; bench_lidar reports it).
 *
 *   pcl_compare [--runs N] [--quick] [--cputime] [--json]
 * --cputime times by this thread's CPU time (bench_median_cpu_ms) instead
 * of wall time, for a shared, loaded machine. */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <pcl/filters/crop_box.h>
#include <pcl/filters/passthrough.h>
#include <pcl/filters/voxel_grid.h>
#include <pcl/point_cloud.h>
#include <pcl/point_types.h>

#include "bench_util.h"
#include "compare_clouds.h"
#include "compare_opts.h"
#include "sp_crop.h"
#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_status.h"
#include "sp_voxel.h"

namespace
{

typedef pcl::PointCloud<pcl::PointXYZI> Cloud;

struct Job {
    /* ours */
    sp_kctx *k = nullptr;
    const sp_points *in = nullptr;
    sp_points *out = nullptr;
    sp_crop_params crop{};
    sp_voxel_params voxel{};
    /* PCL */
    pcl::Filter<pcl::PointXYZI> *filter = nullptr;
    Cloud *pout = nullptr;
};

int run_sp_crop(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    return sp_crop(j->k, &j->crop, j->in, j->out);
}

int run_sp_voxel(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    return sp_voxel(j->k, &j->voxel, j->in, j->out);
}

int run_pcl(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    j->filter->filter(*j->pout);
    return 0;
}

struct Backend {
    const char *name;
    sp_kctx *k;
};

std::vector<Backend> make_backends()
{
    std::vector<Backend> v;
    sp_kctx *k;
    sp_kctx_desc d{};
    d.backend = SP_BACKEND_SCALAR;
    if (sp_kctx_create(&d, &k) == SP_OK)
        v.push_back({"scalar", k});
    static const char *lv[] = {"sse41", "avx2", "neon"};
    static const sp_simd_level lvl[] = {SP_SIMD_SSE41, SP_SIMD_AVX2,
                                        SP_SIMD_NEON};
    d.backend = SP_BACKEND_SIMD;
    for (int i = 0; i < 3; i++) {
        setenv("SP_SIMD", lv[i], 1);
        if (sp_simd_detect() == lvl[i] && sp_kctx_create(&d, &k) == SP_OK)
            v.push_back({lv[i], k});
    }
    unsetenv("SP_SIMD");
    return v;
}

double median(const Opts &o, bench_fn fn, void *arg)
{
    int warm = o.quick ? 3 : 10;
    return o.cputime ? bench_median_cpu_ms(fn, arg, warm, o.runs)
                     : bench_median_ms(fn, arg, warm, o.runs);
}

struct Copy {
    char *a, *b;
    size_t n;
};

int run_copy(void *arg)
{
    Copy *c = static_cast<Copy *>(arg);
    memcpy(c->b, c->a, c->n);
    return 0;
}

/* memcpy bandwidth (bytes copied per second, GB/s) of a bytes-sized copy,
 * timed by the same clock as the kernels (with --cputime, this thread's
 * CPU time: a wall-clock memcpy on a loaded machine would flatter every
 * ratio to it). */
double memcpy_gbps(const Opts &o, size_t bytes, int runs)
{
    Copy c{static_cast<char *>(aligned_alloc(64, bytes)),
           static_cast<char *>(aligned_alloc(64, bytes)), bytes};
    if (!c.a || !c.b) {
        free(c.a);
        free(c.b);
        return -1;
    }
    memset(c.a, 1, bytes);
    memset(c.b, 2, bytes);
    double ms = o.cputime ? bench_median_cpu_ms(run_copy, &c, 1, runs)
                          : bench_median_ms(run_copy, &c, 1, runs);
    free(c.a);
    free(c.b);
    return ms > 0 ? double(bytes) / (ms * 1e6) : -1;
}

int mismatches = 0;

void row(const Opts &o, const char *op, const Input &in, const char *be,
         double sp_ms, size_t sp_n, const char *ref, double ref_ms,
         size_t ref_n, double crop_gbps, double mc_big, double mc_small)
{
    bool same = sp_n == ref_n;
    mismatches += !same;
    double ratio = sp_ms > 0 ? ref_ms / sp_ms : 0.0;
    if (o.json) {
        printf("{\"compare\":\"%s\",\"input\":\"%s\",\"points\":%zu,"
               "\"backend\":\"%s\",\"median_ms\":%.4f,\"count\":%zu,"
               "\"ref\":\"%s\",\"ref_median_ms\":%.4f,\"ref_count\":%zu,"
               "\"ref_over_ours\":%.3f,\"counts_equal\":%s",
               op, in.name.c_str(), in.xyzi.size() / 4, be, sp_ms, sp_n, ref,
               ref_ms, ref_n, ratio, same ? "true" : "false");
        if (crop_gbps > 0)
            printf(",\"gb_per_s\":%.3f,\"memcpy_gb_per_s\":%.3f,"
                   "\"ratio_to_memcpy\":%.3f,\"memcpy_cloud_gb_per_s\":%.3f,"
                   "\"ratio_to_memcpy_cloud\":%.3f",
                   crop_gbps, mc_big, crop_gbps / (2 * mc_big), mc_small,
                   crop_gbps / (2 * mc_small));
        printf("}\n");
        return;
    }
    printf("%-10s %-13s %-7s %9.4f %-12s %9.4f %7.2fx %8zu %8zu %-6s", op,
           in.name.c_str(), be, sp_ms, ref, ref_ms, ratio, sp_n, ref_n,
           same ? "equal" : "DIFFER");
    if (crop_gbps > 0)
        printf(" %10.1f %5.2f %5.2f", crop_gbps, crop_gbps / (2 * mc_big),
               crop_gbps / (2 * mc_small));
    printf("\n");
}

void compare(const Opts &o, const Input &in, std::vector<Backend> &bs,
             double mc_big)
{
    size_t n = in.xyzi.size() / 4;
    /* The in-cache yardstick: a copy of the cloud's own 16 bytes a point. */
    double mc_small = memcpy_gbps(o, 16 * n, o.quick ? 51 : 301);
    if (!o.json)
        printf("# %s: memcpy of the cloud's %zu bytes: %.2f GB/s\n",
               in.name.c_str(), 16 * n, mc_small);
    SpCloud src(n), dst(n);
    for (size_t i = 0; i < n; i++) {
        src.p.x[i] = in.xyzi[4 * i];
        src.p.y[i] = in.xyzi[4 * i + 1];
        src.p.z[i] = in.xyzi[4 * i + 2];
        src.p.intensity[i] = in.xyzi[4 * i + 3];
    }
    src.p.count = n;
    Cloud::Ptr pin(new Cloud);
    pin->resize(n);
    for (size_t i = 0; i < n; i++) {
        pcl::PointXYZI &p = (*pin)[i];
        p.x = in.xyzi[4 * i];
        p.y = in.xyzi[4 * i + 1];
        p.z = in.xyzi[4 * i + 2];
        p.intensity = in.xyzi[4 * i + 3];
    }
    Cloud pout;

    pcl::VoxelGrid<pcl::PointXYZI> vg;
    vg.setLeafSize(0.2f, 0.2f, 0.2f);
    vg.setInputCloud(pin);
    pcl::CropBox<pcl::PointXYZI> cb;
    cb.setMin(Eigen::Vector4f(-40.f, -40.f, -3.f, 1.f));
    cb.setMax(Eigen::Vector4f(40.f, 40.f, 2.f, 1.f));
    cb.setInputCloud(pin);
    pcl::PassThrough<pcl::PointXYZI> pt;
    pt.setFilterFieldName("z");
    pt.setFilterLimits(-3.f, 2.f);
    pt.setInputCloud(pin);

    Job j;
    j.in = &src.p;
    j.out = &dst.p;
    j.pout = &pout;
    j.voxel.leaf[0] = j.voxel.leaf[1] = j.voxel.leaf[2] = 0.2f;

    struct Case {
        const char *op, *ref;
        pcl::Filter<pcl::PointXYZI> *filter;
        unsigned limits;
    } cases[] = {
        {"voxel 0.2", "VoxelGrid", &vg, 0},
        {"crop box", "CropBox", &cb, SP_CROP_X | SP_CROP_Y | SP_CROP_Z},
        {"crop z", "PassThrough", &pt, SP_CROP_Z},
    };
    for (const Case &c : cases) {
        j.filter = c.filter;
        double ref_ms = median(o, run_pcl, &j);
        size_t ref_n = pout.size();
        j.crop = sp_crop_params{};
        j.crop.limits = c.limits;
        j.crop.min[0] = j.crop.min[1] = -40.f;
        j.crop.max[0] = j.crop.max[1] = 40.f;
        j.crop.min[2] = -3.f;
        j.crop.max[2] = 2.f;
        for (Backend &b : bs) {
            j.k = b.k;
            double ms = median(o, c.limits ? run_sp_crop : run_sp_voxel, &j);
            if (ms < 0) {
                fprintf(stderr, "pcl_compare: %s on %s: %s\n", c.op, b.name,
                        sp_errmsg());
                mismatches++;
                continue;
            }
            /* crop's compulsory traffic: 16 bytes read a point, 16 written
             * a kept point (as bench_lidar counts it). */
            double gbps =
                c.limits ? 16.0 * double(n + dst.p.count) / (ms * 1e-3) * 1e-9
                         : 0.0;
            row(o, c.op, in, b.name, ms, dst.p.count, c.ref, ref_ms, ref_n,
                gbps, mc_big, mc_small);
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    Opts o;
    if (compare_parse_opts(argc, argv, "pcl_compare", o))
        return 2;
    std::vector<Backend> bs = make_backends();
    /* The out-of-cache yardstick (crop's target: half of it). */
    double mc = memcpy_gbps(o, size_t(256) << 20, o.quick ? 5 : 15);
    if (!o.json) {
        double load[3] = {0, 0, 0};
        if (getloadavg(load, 3) < 0)
            load[0] = -1;
        printf("# PCL %s vs sensorpipe, one thread; %s, median of %d runs "
               "after warm-up; load average %.2f %.2f %.2f\n"
               "# memcpy 256 MiB (out of cache): %.2f GB/s, same clock; crop "
               "GB/s = (16 B read a point + 16 B written a kept point) / "
               "time;\n# then its ratio to 2x the out-of-cache memcpy and to "
               "2x a memcpy of the cloud's size (in cache, like the kernel)\n",
               PCL_VERSION_PRETTY, o.cputime ? "thread CPU time" : "wall time",
               o.runs, load[0], load[1], load[2], mc);
        printf("%-10s %-13s %-7s %9s %-12s %9s %8s %8s %8s %-6s %10s %5s "
               "%5s\n",
               "op", "input", "ours", "ms", "PCL", "ms", "PCL/ours", "count",
               "PCL cnt", "counts", "crop GB/s", "/mc", "/mc$");
    }

    Input syn{"synthetic", {}};
    synth(syn);
    compare(o, syn, bs, mc);

    const char *root = getenv("SP_TEST_DATA");
    std::string path = std::string(root && *root ? root : "../shared/data") +
                       "/kitti_object/training/velodyne/000001.bin";
    Input kit{"kitti 000001", {}};
    if (load_kitti(path.c_str(), kit))
        compare(o, kit, bs, mc);
    else if (!o.json)
        printf("(no KITTI sweep at %s: set SP_TEST_DATA)\n", path.c_str());

    for (Backend &b : bs)
        sp_kctx_destroy(b.k);
    if (mismatches)
        fprintf(stderr,
                "pcl_compare: %d row(s) where the counts differ or "
                "a kernel failed\n",
                mismatches);
    return mismatches ? 1 : 0;
}
