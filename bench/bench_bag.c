/* Benchmark of reading recorded logs into packed arrays: PointCloud2
 * messages of 124,914 points (the Velodyne cloud of
 * ros1/swri_pointcloud2_lz4.bag) through the whole `bag` source — open,
 * read, decompress, CRC/checksum, decode, unpack into a points frame — in
 * one run beside
 *  - the limit: liblz4 / libzstd decompressing the same chunks straight
 *    into memory (LZ4 frame content checksum checked and not), and memcpy
 *    of the same payload;
 *  - the peer: python3-rosbag + numpy reading the same ROS1 bag into one
 *    contiguous array per field (bench/rosbag_compare.py), where Debian's
 *    python3-rosbag is installed;
 *  - the time to open a log and list its topics (the index only).
 * Inputs, made in a temporary folder for the run: an lz4 ROS1 bag of N
 * copies of the cloud (written by python3-rosbag; without it, the single-
 * message bag itself), and zstd and lz4 MCAPs of the same clouds written
 * by sensorpipe's MCAP writer (CDR PointCloud2, 18-byte points).
 *
 * Rows ("sensorpipe" = `bag path=... ! null`): GB/s is decompressed
 * payload per second; "x memcpy" the payload
 * memcpy time over the row's time; "x codec" the raw codec's time over the
 * row's time (1.0: as fast as decompressing alone); "x python" python's
 * time over the row's. Per-message times are the run's time / N.
 *
 *   bench_bag [--runs N] [--quick] [--json] [--cputime] [--data DIR] */
#include <lz4frame.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "bench_util.h"
#include "log_reader_int.h"
#include "sp_log.h"
#include "sp_mcap.h"
#include "sp_pipeline.h"
#include "sp_rosmsg.h"
#include "sp_rosmsg_write.h"

#define COPIES 30

typedef struct job {
    const char *path;
    sp_poolmgr *mgr;
    int verify;
    uint64_t frames, payload;
    /* raw codec rows */
    uint8_t **csrc;
    size_t *csize, *usize;
    int *codec;
    size_t nchunks;
    uint8_t *dst;
    LZ4F_dctx *ld;
    ZSTD_DCtx *zd;
    int lz4_checksum;
    uint8_t *a, *b; /* memcpy */
    size_t bytes;
    uint64_t sink;
} job;

static int run_pipeline(void *arg)
{
    job *j = arg;
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path='%s' verify=%s ! null", j->path,
             j->verify ? "true" : "false");
    sp_pipeline_opts o = {.backend = SP_BACKEND_SIMD, .poolmgr = j->mgr};
    sp_pipeline *p;
    int rc = sp_pipeline_create(launch, &o, &p);
    if (rc < 0)
        return rc;
    sp_frame *f;
    uint64_t n = 0;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        j->sink += (uint64_t)f->u.points.x[f->u.points.count / 2];
        sp_frame_unref(f);
        n++;
    }
    sp_pipeline_destroy(p);
    j->frames = n;
    return rc == SP_EOS ? 0 : rc;
}

static int run_open(void *arg)
{
    job *j = arg;
    sp_log_desc d = {.mgr = j->mgr};
    sp_log *log;
    int rc = sp_log_open(j->path, &d, &log);
    if (rc < 0)
        return rc;
    for (size_t t = 0; t < sp_log_topic_count(log); t++)
        j->sink += sp_log_topic_at(log, t)->count;
    sp_log_destroy(log);
    return 0;
}

static int run_codec(void *arg)
{
    job *j = arg;
    for (size_t i = 0; i < j->nchunks; i++) {
        if (j->codec[i] == SP__CODEC_LZ4F) {
            LZ4F_decompressOptions_t opt = {.stableDst = 1,
                                            .skipChecksums = !j->lz4_checksum};
            LZ4F_resetDecompressionContext(j->ld);
            size_t out = j->usize[i], in = j->csize[i];
            size_t r =
                LZ4F_decompress(j->ld, j->dst, &out, j->csrc[i], &in, &opt);
            if (LZ4F_isError(r) || out != j->usize[i])
                return -1;
        } else if (j->codec[i] == SP__CODEC_ZSTD) {
            size_t r = ZSTD_decompressDCtx(j->zd, j->dst, j->usize[i],
                                           j->csrc[i], j->csize[i]);
            if (ZSTD_isError(r) || r != j->usize[i])
                return -1;
        } else {
            memcpy(j->dst, j->csrc[i], j->usize[i]);
        }
        j->sink += j->dst[j->usize[i] / 2];
    }
    return 0;
}

static int run_memcpy(void *arg)
{
    job *j = arg;
    memcpy(j->b, j->a, j->bytes);
    j->sink += j->b[j->bytes / 2];
    return 0;
}

/* The chunks of @p path, read into memory for the codec rows. */
static int load_chunks(job *j, const char *path)
{
    sp_log *log;
    if (sp_log_open(path, NULL, &log) < 0)
        return -1;
    size_t n = log->nchunks, maxu = 0;
    j->nchunks = n;
    j->csrc = calloc(n ? n : 1, sizeof *j->csrc);
    j->csize = calloc(n ? n : 1, sizeof *j->csize);
    j->usize = calloc(n ? n : 1, sizeof *j->usize);
    j->codec = calloc(n ? n : 1, sizeof *j->codec);
    int rc = j->csrc && j->csize && j->usize && j->codec ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const sp__log_chunk *c = &log->chunks[i];
        j->csize[i] = (size_t)c->csize;
        j->usize[i] = (size_t)c->usize;
        j->codec[i] = c->codec;
        j->csrc[i] = malloc(j->csize[i] ? j->csize[i] : 1);
        if (!j->csrc[i] ||
            pread(log->files[c->file].fd, j->csrc[i], j->csize[i],
                  (off_t)c->data_offset) != (ssize_t)j->csize[i])
            rc = -1;
        if (j->usize[i] > maxu)
            maxu = j->usize[i];
    }
    sp_log_destroy(log);
    if (rc == 0)
        j->dst = malloc(maxu ? maxu : 1);
    return rc == 0 && j->dst ? 0 : -1;
}

static void free_chunks(job *j)
{
    for (size_t i = 0; i < j->nchunks; i++)
        free(j->csrc[i]);
    free(j->csrc), free(j->csize), free(j->usize), free(j->codec), free(j->dst);
    j->csrc = NULL, j->csize = NULL, j->usize = NULL, j->codec = NULL,
    j->dst = NULL;
    j->nchunks = 0;
}

/* Write @p copies of the cloud in @p pts into an MCAP at @p path. */
static int make_mcap(const char *path, const sp_points *pts, int zstd,
                     sp_poolmgr *mgr)
{
    sp_mcap_writer_desc d = {.compression = zstd ? SP_MCAP_ZSTD : SP_MCAP_LZ4,
                             .mgr = mgr};
    sp_mcap_writer *w;
    if (sp_mcap_writer_create(path, &d, &w) < 0)
        return -1;
    uint16_t schema, channel;
    const char *text = sp_rosmsg_ros2_schema(SP_ROS2_POINTCLOUD2);
    size_t need = 0;
    int rc = sp_mcap_writer_add_schema(w, SP_ROS2_POINTCLOUD2, "ros2msg", text,
                                       strlen(text), &schema);
    if (rc == 0)
        rc = sp_mcap_writer_add_channel(w, schema, "/pointcloud2", "cdr",
                                        &channel);
    if (rc == 0)
        rc = sp_rosmsg_pc2_write(pts, 0, "velodyne", NULL, 0, &need);
    uint8_t *buf = rc == 0 ? malloc(need) : NULL;
    for (int i = 0; rc == 0 && buf && i < COPIES; i++) {
        int64_t t = 1516000000000000000LL + (int64_t)i * 100000000;
        size_t len;
        rc = sp_rosmsg_pc2_write(pts, t, "velodyne", buf, need, &len);
        if (rc == 0)
            rc = sp_mcap_writer_write(w, channel, (uint32_t)i, (uint64_t)t,
                                      (uint64_t)t, buf, len);
    }
    if (rc == 0 && buf)
        rc = sp_mcap_writer_finish(w);
    free(buf);
    sp_mcap_writer_destroy(w);
    return rc == 0 && need ? 0 : -1;
}

/* The first PointCloud2 of @p bag as points (x, y, z, intensity, ring). */
static void *read_cloud(const char *bag, sp_poolmgr *mgr, sp_points *pts,
                        sp_frame **keep)
{
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path='%s' count=1", bag);
    sp_pipeline_opts o = {.poolmgr = mgr};
    sp_pipeline *p;
    if (sp_pipeline_create(launch, &o, &p) < 0)
        return NULL;
    sp_frame *f = NULL;
    if (sp_pipeline_pull(p, &f) == SP_OK && f->payload == SP_PAYLOAD_POINTS) {
        *pts = f->u.points;
        *keep = f;
    }
    sp_pipeline_destroy(p);
    return *keep;
}

typedef struct result {
    const char *what, *input;
    double ms;       /* per run */
    double payload;  /* decompressed bytes per run */
    double messages; /* per run */
} result;

static void print(const bench_opts *o, const result *r, double memcpy_ms,
                  double codec_ms, double python_ms, double memcpy_gbps)
{
    double gbps = r->ms > 0 ? r->payload / (r->ms * 1e6) : 0;
    if (o->json) {
        bench_row row = {.kernel = "bag",
                         .backend = r->what,
                         .input = r->input,
                         .items = (size_t)r->messages,
                         .median_ms = r->ms,
                         .bytes = 2 * r->payload,
                         .memcpy_gbps = memcpy_gbps};
        bench_print_row(stdout, &row, 1);
        return;
    }
    printf("%-26s %-14s %9.3f ms %7.3f ms/msg %6.2f GB/s", r->what, r->input,
           r->ms, r->messages > 0 ? r->ms / r->messages : 0, gbps);
    printf(memcpy_ms > 0 ? "  x memcpy %5.2f" : "                ",
           memcpy_ms / r->ms);
    printf(codec_ms > 0 ? "  x codec %5.2f" : "               ",
           codec_ms / r->ms);
    if (python_ms > 0)
        printf("  x python %6.1f", python_ms / r->ms);
    printf("\n");
}

static int python_time(const char *script, const char *bag, int runs,
                       double *ms, char *why, size_t cap)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' time '%s' %d 2>&1", script,
             bag, runs);
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(why, cap, "cannot run /usr/bin/python3");
        return -1;
    }
    char line[1024] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    int st = pclose(p);
    const char *m = strstr(line, "\"median_ms\": ");
    if (st != 0 || !m) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(why, cap, "%s", line[0] ? line : "no output");
        return -1;
    }
    *ms = strtod(m + 13, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o;
    int cputime = 0;
    const char *data = getenv("SP_TEST_DATA");
    char *args[64];
    int na = 0;
    for (int i = 0; i < argc && na < 63; i++) {
        if (i > 0 && !strcmp(argv[i], "--cputime"))
            cputime = 1;
        else if (i > 0 && !strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else
            args[na++] = argv[i];
    }
    if (bench_parse_args(na, args, &o) < 0)
        return 2;
    int runs = o.quick ? 3 : (o.runs < 11 ? o.runs : 11);
    int warm = o.quick ? 1 : 2;
    char swri[1024];
    snprintf(swri, sizeof swri, "%s/ros1/swri_pointcloud2_lz4.bag",
             data ? data : "../shared/data");
    if (access(swri, R_OK) != 0) {
        fprintf(stderr,
                "bench_bag: %s not found (set SP_TEST_DATA or "
                "--data): nothing to measure\n",
                swri);
        return 0;
    }
    char dir[] = "/tmp/sp_bench_bag.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char bag30[1100], mz[1100], ml[1100], script[1200];
    snprintf(bag30, sizeof bag30, "%s/swri_x%d.bag", dir, COPIES);
    snprintf(mz, sizeof mz, "%s/swri_x%d_zstd.mcap", dir, COPIES);
    snprintf(ml, sizeof ml, "%s/swri_x%d_lz4.mcap", dir, COPIES);
    /* The script is installed beside this program; in a build tree it is
     * in the source folder. */
    char self[1024];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(script, sizeof script, "%s/rosbag_compare.py", self);
    if (access(script, R_OK) != 0)
        snprintf(script, sizeof script, "%s/rosbag_compare.py",
                 SP_BENCH_SRC_DIR);

    sp_poolmgr *mgr;
    if (sp_poolmgr_create(NULL, &mgr) < 0)
        return 1;
    sp_points cloud;
    sp_frame *keep = NULL;
    if (!read_cloud(swri, mgr, &cloud, &keep)) {
        fprintf(stderr, "bench_bag: %s: %s\n", swri, sp_errmsg());
        return 1;
    }
    int ok_mz = make_mcap(mz, &cloud, 1, mgr) == 0;
    int ok_ml = make_mcap(ml, &cloud, 0, mgr) == 0;
    sp_frame_unref(keep);
    char cmd[4000];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s' make '%s' '%s' %d >/dev/null 2>&1", script,
             swri, bag30, COPIES);
    int have_python = system(cmd) == 0;
    const char *ros1 = have_python ? bag30 : swri;
    double ros1_msgs = have_python ? COPIES : 1;

    char cpu[600] = "?";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                snprintf(cpu, sizeof cpu, "%s", c ? c + 2 : line);
                cpu[strcspn(cpu, "\n")] = '\0';
                break;
            }
        fclose(ci);
    }
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    if (!o.json)
        printf("bench_bag: %s, load %.2f %.2f %.2f, %s, median of %d runs\n",
               cpu, load[0], load[1], load[2],
               cputime ? "thread CPU time" : "wall time", runs);

    job j = {.mgr = mgr};
    LZ4F_createDecompressionContext(&j.ld, LZ4F_VERSION);
    j.zd = ZSTD_createDCtx();
    const struct {
        const char *path, *name;
        double msgs;
        int ok, is_ros1;
    } logs[] = {
        {ros1, have_python ? "ros1 lz4 x30" : "ros1 lz4 x1", ros1_msgs, 1, 1},
        {mz, "mcap zstd x30", COPIES, ok_mz, 0},
        {ml, "mcap lz4 x30", COPIES, ok_ml, 0}};
    double python_ms = 0;
    char why[512] = "";
    if (have_python && python_time(script, ros1, o.quick ? 2 : 5, &python_ms,
                                   why, sizeof why) < 0)
        python_ms = 0;
    else if (!have_python)
        snprintf(why, sizeof why,
                 "python3-rosbag (Debian) is needed to write the x30 bag "
                 "and to time the peer");
    for (size_t l = 0; l < sizeof logs / sizeof logs[0]; l++) {
        if (!logs[l].ok)
            continue;
        j.path = logs[l].path;
        if (load_chunks(&j, j.path) < 0) {
            fprintf(stderr, "bench_bag: %s: cannot read its chunks\n", j.path);
            continue;
        }
        double payload = 0;
        for (size_t i = 0; i < j.nchunks; i++)
            payload += (double)j.usize[i];
        j.bytes = (size_t)(payload / logs[l].msgs);
        j.a = malloc(j.bytes);
        j.b = malloc(j.bytes);
        memset(j.a, 1, j.bytes);
        double memcpy_ms =
            bench_median_by(run_memcpy, &j, warm, runs, cputime) * logs[l].msgs;
        double memcpy_gbps = payload / (memcpy_ms * 1e6);
        j.lz4_checksum = 1;
        double codec_ms = bench_median_by(run_codec, &j, warm, runs, cputime);
        result rs[6];
        int nr = 0;
        rs[nr++] =
            (result){"memcpy", logs[l].name, memcpy_ms, payload, logs[l].msgs};
        int is_lz4 = j.nchunks && j.codec[0] == SP__CODEC_LZ4F;
        rs[nr++] = (result){is_lz4 ? "liblz4 frame, checksum" : "libzstd",
                            logs[l].name, codec_ms, payload, logs[l].msgs};
        double codec_fast = codec_ms;
        if (is_lz4) {
            j.lz4_checksum = 0;
            codec_fast = bench_median_by(run_codec, &j, warm, runs, cputime);
            rs[nr++] = (result){"liblz4 frame, no checksum", logs[l].name,
                                codec_fast, payload, logs[l].msgs};
        }
        j.verify = 1;
        double sp_v = bench_median_by(run_pipeline, &j, warm, runs, cputime);
        rs[nr++] = (result){"sensorpipe, verify", logs[l].name, sp_v, payload,
                            logs[l].msgs};
        j.verify = 0;
        double sp_nv = bench_median_by(run_pipeline, &j, warm, runs, cputime);
        rs[nr++] = (result){"sensorpipe, verify=false", logs[l].name, sp_nv,
                            payload, logs[l].msgs};
        double open_ms = bench_median_by(run_open, &j, warm, runs, cputime);
        for (int i = 0; i < nr; i++) {
            /* Each sensorpipe row against the codec doing the same
             * checking: verify against the checked codec, verify=false
             * against the unchecked one. */
            double c =
                strstr(rs[i].what, "verify=false") ? codec_fast : codec_ms;
            print(&o, &rs[i], memcpy_ms,
                  strncmp(rs[i].what, "sensorpipe", 10) ? 0 : c,
                  logs[l].is_ros1 && !strncmp(rs[i].what, "sensorpipe", 10)
                      ? python_ms
                      : 0,
                  memcpy_gbps);
        }
        result op = {"open + list topics", logs[l].name, open_ms, 0, 0};
        if (o.json)
            print(&o, &op, 0, 0, 0, memcpy_gbps);
        else
            printf("%-26s %-14s %9.3f ms\n", op.what, op.input, op.ms);
        if (logs[l].is_ros1 && python_ms > 0) {
            result py = {"python3-rosbag + numpy", logs[l].name, python_ms,
                         payload, logs[l].msgs};
            print(&o, &py, memcpy_ms, 0, 0, memcpy_gbps);
        }
        free(j.a);
        free(j.b);
        free_chunks(&j);
    }
    if (!o.json && python_ms <= 0)
        printf("python3-rosbag + numpy: not measured (%s)\n", why);
    LZ4F_freeDecompressionContext(j.ld);
    ZSTD_freeDCtx(j.zd);
    sp_poolmgr_destroy(mgr);
    unlink(bag30), unlink(mz), unlink(ml);
    rmdir(dir);
    return 0;
}
