/* `sensorpipe bench`: runs the benchmark programs (bench/bench_*.c, built
 * with -DSP_BUILD_BENCH=ON) and gathers their rows into one table and one
 * JSON document.
 *
 * The programs stay the single source of the measurements: each is run as
 * a child process with --json (one JSON object per row on stdout, printed
 * by bench_util), so a crash or a long run of one does not take the command
 * down with it, and each measures its own memcpy yardstick in the same run
 * as its kernels. This file only finds, runs, parses and merges. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_int.h"
#include "sensorpipe.h"

extern char **environ;

/* Given by cli/CMakeLists.txt: where `make install` puts the programs. */
#ifndef SP_BENCH_LIBEXECDIR
#define SP_BENCH_LIBEXECDIR "/usr/local/libexec/sensorpipe"
#endif

/* The programs, the group each belongs to, in the order they run.
 * optional: built only where PCL / OpenCV are installed (bench/compare), so
 * `all` passes over them when absent; cputime: takes --cputime. */
static const struct {
    const char *prog, *group, *what;
    int optional, cputime;
} progs[] = {
    {"bench_lidar", "lidar", "crop and voxel", 0, 0},
    {"bench_lidar_raster", "raster", "ground, bev, range, project", 0, 1},
    {"bench_lidar_packets", "packets",
     "lidar packet decoding (Velodyne, Hesai)", 0, 0},
    {"bench_ouster", "packets", "Ouster packets to points and range images", 0,
     1},
    {"bench_camera1", "camera", "debayer, levels, convert", 0, 0},
    {"bench_camera2", "camera", "resize, normalize, undistort", 0, 0},
    {"bench_io", "io", "KITTI .bin, PCD, raw Bayer reads and writes", 0, 0},
    {"bench_unpack", "io", "PointCloud2 records to columns (unpack)", 0, 1},
    {"bench_mcap", "io", "MCAP writer: a PointCloud2 per message", 0, 1},
    {"bench_bag", "io", "logs: ROS1 lz4 and MCAP zstd/lz4 clouds read", 0, 1},
    {"bench_png", "io", "PNG decode vs libpng and cv2.imread", 0, 1},
    {"bench_jpeg", "io",
     "JPEG decode vs TurboJPEG and cv2.imdecode, allocations", 0, 1},
    {"bench_pipeline", "pipeline", "pipeline overhead per frame", 0, 0},
    {"bench_chain", "pipeline", "the KITTI chain per sample vs tuned Python", 0,
     1},
    {"bench_soak", "soak", "100,000 frames: RSS, heap and pool drift", 0, 0},
    {"bench_python", "python",
     "Python iterator overhead per frame, sp.voxel vs NumPy/Open3D", 0, 1},
    {"compare/pcl_compare", "compare", "vs PCL VoxelGrid, CropBox, PassThrough",
     1, 1},
    {"compare/opencv_compare", "compare",
     "vs OpenCV cvtColor, resize, blobFromImage", 1, 1},
    {"compare/libyuv_compare", "compare",
     "vs libyuv NV12ToRAW, YUY2ToARGB, ARGBScale/RGBScale", 1, 1},
    {"compare/small_gicp_compare", "compare",
     "vs small_gicp voxelgrid_sampling (1 thread and OpenMP)", 1, 1},
};
#define NPROGS (sizeof progs / sizeof progs[0])

void cli_bench_help(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " bench [--quick] [--runs N] [--cputime] "
            "[--json FILE]\n                       [--data DIR] [GROUP...]\n"
            "\n"
            "Runs the benchmark programs and prints their rows as one table;\n"
            "GROUP is one or more of:\n");
    for (size_t i = 0; i < NPROGS; i++)
        fprintf(out, "  %-9s %-22s %s\n",
                i == 0 || strcmp(progs[i].group, progs[i - 1].group)
                    ? progs[i].group
                    : "",
                progs[i].prog, progs[i].what);
    fprintf(out,
            "  all       (default) every group above (compare where built:\n"
            "            a C++ compiler and libpcl-dev / libopencv-dev)\n"
            "\n"
            "Options:\n"
            "  --quick        fewer runs and smaller buffers (a smoke run)\n"
            "  --cputime      time by the thread's CPU time where a program\n"
            "                 can (raster, unpack, compare): loaded hosts\n"
            "  --runs N       timed runs per row (median; default: each\n"
            "                 program's own, 50 for most, 9 with --quick)\n"
            "  --json FILE    also write every row as one JSON document\n"
            "                 (\"-\" = stdout instead of the table)\n"
            "  --data DIR     the shared data folder holding kitti_object/\n"
            "                 (sets SP_TEST_DATA for the programs)\n"
            "\n"
            "Columns: median_ms = median over the timed runs after warm-up;\n"
            "Mitems/s = points or pixels per second; MB = bytes the kernel\n"
            "must read plus write; GB/s = MB / time; /memcpy = GB/s over the\n"
            "read+write bandwidth of a memcpy measured in the same program.\n"
            "\n"
            "The programs are looked for in $SP_BENCH_DIR, beside this\n"
            "program's build tree (../bench), in ../libexec/sensorpipe\n"
            "beside it, then in " SP_BENCH_LIBEXECDIR "\n");
}

typedef struct row {
    size_t prog; /* index in progs[] */
    char *json;  /* the program's object, one line, no newline */
} row;

typedef struct rows {
    row *v;
    size_t n, cap;
} rows;

static int rows_push(rows *r, size_t prog, const char *line, size_t len)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        row *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    char *s = strndup(line, len);
    if (!s)
        return -1;
    r->v[r->n++] = (row){prog, s};
    return 0;
}

static int is_exec(const char *dir, const char *prog)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, prog) >= (int)sizeof p)
        return 0;
    return access(p, X_OK) == 0;
}

/* dst = a + b when it fits in PATH_MAX; 0 then. */
static int join(char *dst, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na + nb >= PATH_MAX)
        return -1;
    memmove(dst, a, na);
    memcpy(dst + na, b, nb + 1);
    return 0;
}

/* The folder holding the programs (the first place that has `first`);
 * tried[] receives the places looked at. Returns their number, negated
 * when none had it. */
static int find_dir(char *out, const char *first, char tried[4][PATH_MAX])
{
    int nt = 0;
    const char *env = getenv("SP_BENCH_DIR");
    if (env && *env && join(tried[nt], env, "") == 0)
        nt++;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (join(tried[nt], exe, "/../bench") == 0)
                nt++;
            /* An install moved elsewhere with the default layout. */
            if (join(tried[nt], exe, "/../libexec/sensorpipe") == 0)
                nt++;
        }
    }
    if (join(tried[nt], SP_BENCH_LIBEXECDIR, "") == 0)
        nt++;
    for (int i = 0; i < nt; i++)
        if (is_exec(tried[i], first))
            return join(out, tried[i], ""), nt;
    return -nt;
}

/* Runs DIR/PROG ARGS with stdout into a temporary file and appends the
 * JSON lines it printed to r. Returns the child's exit status (0 ok), or
 * -1 when it could not be run (message printed). */
static int run_prog(const char *dir, size_t pi, char **args, rows *r)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    const char *tdir = getenv("TMPDIR");
    if (!tdir || !*tdir)
        tdir = "/tmp";
    if (snprintf(path, sizeof path, "%s/%s", dir, progs[pi].prog) >=
            (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/sensorpipe-bench-XXXXXX", tdir) >=
            (int)sizeof tmp)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_errf(CLI_PROG " bench: cannot create a temporary file in "
                          "%s (TMPDIR): %s\n",
                 tdir, strerror(errno));
        return -1;
    }
    unlink(tmp); /* only our descriptors hold it from here on */
    args[0] = path;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    pid_t pid;
    int err = posix_spawn(&pid, path, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        cli_errf(CLI_PROG " bench: %s: %s\n", path, strerror(err));
        close(fd);
        return -1;
    }
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    if (w < 0) {
        fprintf(stderr, CLI_PROG " bench: waitpid: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!WIFEXITED(st))
        fprintf(stderr, CLI_PROG " bench: %s: killed by signal %d (%s)\n",
                progs[pi].prog, WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (status)
        fprintf(stderr, CLI_PROG " bench: %s: exit status %d\n", progs[pi].prog,
                status);

    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return -1;
    }
    rewind(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        /* Only whole objects are rows; anything else is commentary. */
        if (len >= 2 && line[0] == '{' && line[len - 1] == '}' &&
            rows_push(r, pi, line, (size_t)len) < 0) {
            fprintf(stderr, CLI_PROG " bench: out of memory\n");
            status = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return status;
}

/* The value of "key" in a flat JSON object, copied into buf (strings
 * without their quotes, escapes kept as written). 0 when found. */
static int field(const char *obj, const char *key, char *buf, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(obj, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p++ != ':')
        return -1;
    while (*p == ' ')
        p++;
    const char *e;
    if (*p == '"') {
        e = ++p;
        while (*e && *e != '"')
            e += (*e == '\\' && e[1]) ? 2 : 1;
    } else {
        e = p;
        while (*e && *e != ',' && *e != '}')
            e++;
    }
    size_t len = (size_t)(e - p);
    if (len >= n)
        len = n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return 0;
}

static double num(const char *obj, const char *key)
{
    char b[64];
    return field(obj, key, b, sizeof b) ? 0.0 : strtod(b, NULL);
}

static void print_table(FILE *out, const rows *r)
{
    size_t last = (size_t)-1;
    for (size_t i = 0; i < r->n; i++) {
        const char *o = r->v[i].json;
        char a[128], b[128], c[128];
        if (r->v[i].prog != last) {
            last = r->v[i].prog;
            /* The memcpy yardstick(s) this program's rows were compared
             * with: one figure, or the range when they differ per input. */
            double lo = 0, hi = 0;
            for (size_t q = i; q < r->n && r->v[q].prog == last; q++) {
                double mc = num(r->v[q].json, "memcpy_gb_per_s");
                if (mc > 0 && (lo == 0 || mc < lo))
                    lo = mc;
                if (mc > hi)
                    hi = mc;
            }
            fprintf(out, "%s== %s (%s)", i ? "\n" : "", progs[last].prog,
                    progs[last].group);
            if (lo > 0 && hi > lo * 1.005)
                fprintf(out,
                        ": memcpy %.2f to %.2f GB/s in the same run "
                        "(each row's in the JSON)",
                        lo, hi);
            else if (lo > 0)
                fprintf(out, ": memcpy %.2f GB/s in the same run", lo);
            fputc('\n', out);
            if (field(o, "kernel", a, sizeof a) == 0)
                fprintf(out, "%-16s %-28s %-16s %10s %10s %10s %9s %8s %8s\n",
                        "kernel", "backend", "input", "items", "median_ms",
                        "Mitems/s", "MB", "GB/s", "/memcpy");
            else if (field(o, "pipeline", a, sizeof a) == 0)
                fprintf(out, "%-66s %10s %10s %12s\n", "pipeline", "frames",
                        "ns/frame", "frames/s");
            else if (field(o, "soak", a, sizeof a) == 0)
                fprintf(out, "%8s %7s %7s %8s %9s %9s %7s %7s %9s %9s  %s\n",
                        "frames", "fps", "CPU s", "load", "RSS MiB",
                        "range KiB", "allocs", "2nd/2", "blocks", "pool MiB",
                        "verdict");
            else if (field(o, "compare", a, sizeof a) == 0)
                fprintf(out, "%-10s %-20s %-7s %9s %-22s %9s %8s  %s\n", "op",
                        "input", "ours", "ms", "reference", "ms", "ref/ours",
                        "outputs");
        }
        if (field(o, "kernel", a, sizeof a) == 0 &&
            field(o, "backend", b, sizeof b) == 0 &&
            field(o, "input", c, sizeof c) == 0)
            fprintf(out,
                    "%-16.16s %-28.28s %-16.16s %10.0f %10.4f %10.1f "
                    "%9.2f %8.2f %8.2f\n",
                    a, b, c, num(o, "items"), num(o, "median_ms"),
                    num(o, "mitems_per_s"), num(o, "bytes") * 1e-6,
                    num(o, "gb_per_s"), num(o, "ratio_to_memcpy"));
        else if (field(o, "pipeline", a, sizeof a) == 0)
            fprintf(out, "%-66.66s %10.0f %10.1f %12.0f\n", a, num(o, "frames"),
                    num(o, "ns_per_frame"), num(o, "fps"));
        else if (field(o, "soak", a, sizeof a) == 0) {
            /* The drift after warm-up: RSS range, heap allocations (all,
             * and in the run's second half), pool blocks start -> end. */
            char blocks[32], verdict[16];
            snprintf(blocks, sizeof blocks, "%.0f->%.0f",
                     num(o, "pool_blocks_start"), num(o, "pool_blocks_end"));
            if (field(o, "flat", verdict, sizeof verdict))
                verdict[0] = '\0';
            fprintf(out,
                    "%8.0f %7.0f %7.1f %8.2f %9.2f %9.1f %7.0f %7.0f %9s %9.2f"
                    "  %s\n  %s\n",
                    num(o, "frames"), num(o, "fps"), num(o, "cpu_s"),
                    num(o, "loadavg_end"), num(o, "rss_mb_end"),
                    num(o, "rss_kb_range"), num(o, "heap_allocs_after_warmup"),
                    num(o, "heap_allocs_second_half"), blocks,
                    num(o, "pool_mb_end"),
                    !strcmp(verdict, "true") ? "flat" : "NOT FLAT", a);
        } else if (field(o, "compare", a, sizeof a) == 0 &&
                   field(o, "input", b, sizeof b) == 0 &&
                   field(o, "backend", c, sizeof c) == 0) {
            char ref[64], d[128];
            if (field(o, "ref", ref, sizeof ref))
                ref[0] = '\0';
            if (field(o, "difference", d, sizeof d) != 0) {
                /* PCL rows: the two output counts, and crop's bandwidth */
                int n = snprintf(d, sizeof d, "counts %.0f / %.0f",
                                 num(o, "count"), num(o, "ref_count"));
                if (num(o, "gb_per_s") > 0 && n > 0 && (size_t)n < sizeof d)
                    snprintf(d + n, sizeof d - (size_t)n,
                             "; %.1f GB/s = %.2f of memcpy", num(o, "gb_per_s"),
                             num(o, "ratio_to_memcpy"));
            }
            fprintf(out,
                    "%-10s %-20.20s %-7s %9.4f %-22.22s %9.4f %7.2fx  %s\n", a,
                    b, c, num(o, "median_ms"), ref, num(o, "ref_median_ms"),
                    num(o, "ref_over_ours"), d);
        } else
            fprintf(out, "%s\n", o);
    }
}

/* The document: the run's settings, one entry per program, and every row
 * with "program" and "group" put in front of the program's own keys. */
static void write_doc(FILE *f, const rows *r, const int *ran, const int *st,
                      int quick, int runs, int cputime)
{
    double load[3] = {0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(la);
    }
    /* runs: null = each program's own default. */
    char runs_s[16] = "null";
    if (runs)
        snprintf(runs_s, sizeof runs_s, "%d", runs);
    fprintf(f,
            "{\n  \"sensorpipe_version\": \"%s\",\n  \"quick\": %s,\n"
            "  \"runs\": %s,\n  \"cputime\": %s,\n"
            "  \"loadavg\": [%.2f, %.2f, %.2f],\n  \"programs\": [",
            SP_VERSION_STRING, quick ? "true" : "false", runs_s,
            cputime ? "true" : "false", load[0], load[1], load[2]);
    int first = 1;
    for (size_t p = 0; p < NPROGS; p++) {
        if (!ran[p])
            continue;
        size_t n = 0;
        for (size_t i = 0; i < r->n; i++)
            n += r->v[i].prog == p;
        fprintf(f,
                "%s\n    {\"program\": \"%s\", \"group\": \"%s\", "
                "\"exit_status\": %d, \"rows\": %zu}",
                first ? "" : ",", progs[p].prog, progs[p].group, st[p], n);
        first = 0;
    }
    fprintf(f, "\n  ],\n  \"rows\": [");
    for (size_t i = 0; i < r->n; i++) {
        const row *w = &r->v[i];
        const char *rest = w->json + 1;
        while (*rest == ' ')
            rest++;
        fprintf(f, "%s\n    {\"program\": \"%s\", \"group\": \"%s\"%s%s",
                i ? "," : "", progs[w->prog].prog, progs[w->prog].group,
                *rest == '}' ? "" : ", ", rest);
    }
    fprintf(f, "\n  ]\n}\n");
}

static int save_doc(const char *path, const rows *r, const int *ran,
                    const int *st, int quick, int runs, int cputime)
{
    if (!strcmp(path, "-")) {
        write_doc(stdout, r, ran, st, quick, runs, cputime);
        return fflush(stdout) ? -1 : 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        fprintf(stderr, CLI_PROG " bench: out of memory\n");
        return -1;
    }
    write_doc(m, r, ran, st, quick, runs, cputime);
    fclose(m);
    int rc = sp_file_write_atomic(path, buf, len);
    free(buf);
    if (rc < 0)
        cli_print_error(NULL);
    return rc < 0 ? -1 : 0;
}

int cli_bench_main(int argc, char **argv)
{
    int quick = 0, runs = 0, cputime = 0, want[NPROGS] = {0}, any = 0;
    const char *json = NULL, *data = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_bench_help(stdout);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            quick = 1;
        } else if (!strcmp(a, "--cputime")) {
            cputime = 1;
        } else if (!strcmp(a, "--runs") || !strcmp(a, "--json") ||
                   !strcmp(a, "--data")) {
            if (i + 1 >= argc) {
                cli_errf(CLI_PROG " bench: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--json")) {
                json = v;
            } else if (!strcmp(a, "--data")) {
                data = v;
            } else {
                char *end;
                long n = strtol(v, &end, 10);
                if (*v == '\0' || *end || n < 1 || n > 1001) {
                    cli_errf(CLI_PROG " bench: --runs '%s', expected "
                                      "a whole number 1..1001\n",
                             v);
                    return 2;
                }
                runs = (int)n;
            }
        } else if (a[0] == '-') {
            cli_errf(CLI_PROG " bench: unknown option '%s' (see " CLI_PROG
                              " bench --help)\n",
                     a);
            return 2;
        } else {
            int found = 0, all = !strcmp(a, "all");
            for (size_t p = 0; p < NPROGS; p++)
                if (all || !strcmp(a, progs[p].group) ||
                    !strcmp(a, progs[p].prog)) {
                    /* 2: asked for by name, so its absence is an error */
                    want[p] =
                        want[p] == 2 || !(all && progs[p].optional) ? 2 : 1;
                    found = 1;
                }
            if (!found) {
                cli_errf(CLI_PROG " bench: unknown group '%s', "
                                  "expected lidar, raster, camera, io, "
                                  "pipeline, soak, compare or all\n",
                         a);
                return 2;
            }
            any = 1;
        }
    }
    if (!any)
        for (size_t p = 0; p < NPROGS; p++)
            want[p] = progs[p].optional ? 1 : 2;

    /* Checked before the programs run, which can take minutes. */
    if (cli_prepare_output("bench", "--json", json) < 0)
        return 1;

    /* The folder is the first place holding the first program asked for
     * that every build has (bench_lidar when only comparisons are). */
    const char *key = progs[0].prog;
    for (size_t p = 0; p < NPROGS; p++)
        if (want[p] && !progs[p].optional) {
            key = progs[p].prog;
            break;
        }
    char dir[PATH_MAX], tried[4][PATH_MAX];
    int nt = find_dir(dir, key, tried);
    if (nt < 0) {
        fprintf(stderr, CLI_PROG " bench: %s not found in", key);
        for (int i = 0; i < -nt; i++) {
            fprintf(stderr, "%s ", i ? (i == -nt - 1 ? " or" : ",") : "");
            cli_put_escaped(stderr, tried[i], 0);
        }
        fprintf(stderr, ": build with -DSP_BUILD_BENCH=ON (and install), "
                        "or set SP_BENCH_DIR\n");
        return 1;
    }
    if (data && setenv("SP_TEST_DATA", data, 1) < 0) {
        fprintf(stderr, CLI_PROG " bench: setenv: %s\n", strerror(errno));
        return 1;
    }

    char runs_s[16];
    char *args[10];
    int na = 1;
    args[na++] = "--json";
    if (quick)
        args[na++] = "--quick";
    if (runs) {
        snprintf(runs_s, sizeof runs_s, "%d", runs);
        args[na++] = "--runs";
        args[na++] = runs_s;
    }
    args[na] = NULL;

    rows r = {0};
    int ran[NPROGS] = {0}, st[NPROGS] = {0}, failed = 0;
    int tty = isatty(STDERR_FILENO);
    for (size_t p = 0; p < NPROGS; p++) {
        if (!want[p])
            continue;
        if (!is_exec(dir, progs[p].prog)) {
            if (want[p] == 1)
                continue; /* an optional comparison under `all` */
            if (progs[p].optional)
                cli_errf(CLI_PROG " bench: %s/%s not found: it is "
                                  "built only where a C++ compiler and %s are "
                                  "installed (see bench/README.md)\n",
                         dir, progs[p].prog,
                         strstr(progs[p].prog, "pcl") ? "libpcl-dev"
                                                      : "libopencv-dev");
            else
                cli_errf(CLI_PROG " bench: %s/%s not found: build "
                                  "with -DSP_BUILD_BENCH=ON\n",
                         dir, progs[p].prog);
            failed = 1;
            continue;
        }
        if (tty)
            fprintf(stderr, "running %s ...\n", progs[p].prog);
        ran[p] = 1;
        /* --cputime goes last, only to the programs that take it. */
        args[na] = cputime && progs[p].cputime ? "--cputime" : NULL;
        args[na + 1] = NULL;
        st[p] = run_prog(dir, p, args, &r);
        failed |= st[p] != 0;
    }

    if (!json || strcmp(json, "-"))
        print_table(stdout, &r);
    if (json && save_doc(json, &r, ran, st, quick, runs, cputime) < 0)
        failed = 1;
    for (size_t i = 0; i < r.n; i++)
        free(r.v[i].json);
    free(r.v);
    return failed ? 1 : 0;
}
