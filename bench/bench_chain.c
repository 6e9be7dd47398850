/* The whole KITTI chain per sample, one core: the sweep and the camera PNG
 * read, then crop, voxel 0.2 m and a 0.1 m BEV raster on the points, resize
 * to 640x384 and normalize to a float32 tensor on the image —
 *
 *   kitti ! crop x=0:70 y=-40:40 z=-3:2 ! voxel leaf=0.2
 *         ! bev x=0:70 y=-40:40 res=0.1 ! resize width=640 height=384
 *         ! normalize ! null
 *
 * pulled on this thread (no queue), SIMD back-end, over the real KITTI
 * samples repeated (a folder of links made for the run), beside the same
 * chain in tuned Python (bench/chain_compare.py: NumPy, Open3D, OpenCV)
 * where Debian's python3-numpy and python3-opencv are installed. The
 * sample time is the median of the per-sample times after warm-up (thread
 * CPU time with --cputime); the stage rows are each stage's own time per
 * sample, from the pipeline's statistics.
 *
 *   bench_chain [--runs N] [--quick] [--json] [--cputime] */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "sp_pipeline.h"

static const char *kinds[][2] = {
    {"velodyne", ".bin"}, {"image_2", ".png"}, {"calib", ".txt"}};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A KITTI object folder of @p n samples linking to the real ones in turn.
 * Returns the number of real samples found (0: none). */
static int make_links(const char *data, const char *tmp, int n)
{
    char p[PATH_MAX + 64], q[2048];
    int real = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(p, sizeof p, "%s/training/velodyne/%06d.bin", data, i);
        snprintf(q, sizeof q, "%s/training/image_2/%06d.png", data, i);
        if (access(p, R_OK) || access(q, R_OK))
            break;
        real++;
    }
    if (!real)
        return 0;
    snprintf(p, sizeof p, "%s/training", tmp);
    mkdir(tmp, 0777);
    mkdir(p, 0777);
    for (size_t k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/training/%s", tmp, kinds[k][0]);
        mkdir(p, 0777);
        for (int i = 0; i < n; i++) {
            snprintf(p, sizeof p, "%s/training/%s/%06d%s", data, kinds[k][0],
                     i % real, kinds[k][1]);
            snprintf(q, sizeof q, "%s/training/%s/%06d%s", tmp, kinds[k][0], i,
                     kinds[k][1]);
            unlink(q);
            if (symlink(p, q) && errno != EEXIST)
                return -1;
        }
    }
    return real;
}

static void rm_links(const char *tmp, int n)
{
    char q[2048];
    for (size_t k = 0; k < 3; k++) {
        for (int i = 0; i < n; i++) {
            snprintf(q, sizeof q, "%s/training/%s/%06d%s", tmp, kinds[k][0], i,
                     kinds[k][1]);
            unlink(q);
        }
        snprintf(q, sizeof q, "%s/training/%s", tmp, kinds[k][0]);
        rmdir(q);
    }
    snprintf(q, sizeof q, "%s/training", tmp);
    rmdir(q);
    rmdir(tmp);
}

static double python_chain(const char *data, int runs, int cputime, char *what,
                           size_t cap)
{
    char cmd[2 * PATH_MAX + 256];
    const char *src = getenv("SP_BENCH_SRC");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/chain_compare.py' '%s' %d %s 2>&1",
             src ? src : SP_BENCH_SRC_DIR, data, runs,
             cputime ? "cputime" : "");
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(what, cap, "cannot run /usr/bin/python3");
        return -1;
    }
    char line[1024] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    const char *m = strstr(line, "\"median_ms\": ");
    const char *v = strstr(line, "\"voxel\": \"");
    if (!m) {
        snprintf(what, cap, "python chain not timed: %s",
                 line[0] ? line : "no output");
        return -1;
    }
    snprintf(what, cap, "numpy+cv2+%.*s", v ? (int)strcspn(v + 10, "\"") : 1,
             v ? v + 10 : "?");
    return atof(m + 13);
}

int main(int argc, char **argv)
{
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    int passes = o.quick ? 3 : (o.runs > 0 ? o.runs : 20);
    const char *env = getenv("SP_TEST_DATA");
    char rel[1024], data[PATH_MAX], tmp[1024];
    snprintf(rel, sizeof rel, "%s/kitti_object", env ? env : "../shared/data");
    /* The links live in TMPDIR: a relative target (the default, or
     * SP_TEST_DATA=../shared/data as the other benches take it) would
     * resolve from there. */
    if (!realpath(rel, data)) {
        fprintf(stderr, "bench_chain: %s: %s; skipped (set SP_TEST_DATA)\n",
                rel, strerror(errno));
        return 0;
    }
    const char *td = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/sp_bench_chain.%d", td ? td : "/tmp",
             (int)getpid());
    int warm = 3, real;
    int n = 0;
    /* the real samples, repeated: warm-up plus `passes` over them */
    real = make_links(data, tmp, 1);
    if (real <= 0) {
        fprintf(stderr, "bench_chain: %s: no KITTI samples; skipped\n", data);
        rm_links(tmp, 1);
        return 0;
    }
    n = warm * real + passes * real;
    rm_links(tmp, 1);
    if (make_links(data, tmp, n) <= 0) {
        fprintf(stderr, "bench_chain: cannot make links in %s\n", tmp);
        return 1;
    }
    char launch[3000];
    snprintf(launch, sizeof launch,
             "kitti path='%s' ! crop x=0:70 y=-40:40 z=-3:2 ! voxel leaf=0.2 "
             "! bev x=0:70 y=-40:40 res=0.1 ! resize width=640 height=384 ! "
             "normalize ! null",
             tmp);
    sp_pipeline_opts po = {.backend = SP_BACKEND_SIMD};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, &po, &p) < 0) {
        fprintf(stderr, "bench_chain: %s\n", sp_errmsg());
        rm_links(tmp, n);
        return 1;
    }
    double *t = calloc((size_t)n, sizeof *t);
    sp_frame *f;
    int rc, frames = 0, s = 0;
    double t0 = cputime ? bench_cpu_ms() : bench_now_ms();
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        /* two frames per sample: the sweep's raster and the image's tensor */
        if (++frames % 2 == 0 && s < n) {
            double t1 = cputime ? bench_cpu_ms() : bench_now_ms();
            t[s++] = t1 - t0;
            t0 = t1;
        }
    }
    if (rc != SP_EOS) {
        fprintf(stderr, "bench_chain: %s\n", sp_errmsg());
        sp_pipeline_destroy(p);
        rm_links(tmp, n);
        return 1;
    }
    sp_pipeline_stats st;
    sp_pipeline_stats_get(p, &st);
    int timed = s - warm * real;
    qsort(t + warm * real, (size_t)timed, sizeof *t, cmp_double);
    double ours = t[warm * real + timed / 2];
    char what[256];
    double py = python_chain(data, o.quick ? 2 : 5, cputime, what, sizeof what);
    if (o.json) {
        printf("{\"pipeline\":\"kitti chain per sample, 1 core (%s)\","
               "\"frames\":%d,\"ns_per_frame\":%.0f,\"fps\":%.1f}\n",
               cputime ? "thread CPU" : "wall", s, ours * 1e6, 1e3 / ours);
        if (py > 0)
            printf("{\"compare\":\"kitti chain\",\"input\":\"kitti x%d\","
                   "\"backend\":\"sensorpipe\",\"median_ms\":%.4f,\"ref\":"
                   "\"%s\",\"ref_median_ms\":%.4f,\"ref_over_ours\":%.3f,"
                   "\"difference\":\"per sample, median\"}\n",
                   real, ours, what, py, py / ours);
    } else {
        printf("kitti chain, %d samples (%d real), %s: %.3f ms per sample "
               "(median)\n",
               timed, real, cputime ? "thread CPU" : "wall", ours);
        for (size_t i = 0; i < st.nstages; i++)
            printf("  %-10s %8.3f ms per sample (own wall time, warm-up "
                   "included)\n",
                   st.stages[i].name, st.stages[i].busy_s * 1e3 / s);
        if (py > 0)
            printf("python chain (%s): %.3f ms per sample: %.2fx ours\n", what,
                   py, py / ours);
        else
            printf("%s\n", what);
    }
    free(t);
    sp_pipeline_destroy(p);
    rm_links(tmp, n);
    return 0;
}
