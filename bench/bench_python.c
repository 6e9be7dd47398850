/* The Python package's costs, beside the C figure they are compared with:
 * this program pulls the cheap synthetic pipeline in C (no Python in the
 * process: the baseline), then runs bench_python.py under the interpreter
 * the package was built for (the Python iterator's overhead per frame over
 * the C loop; sp.voxel on a NumPy KITTI sweep beside NumPy and, where
 * installed, Open3D). Its rows come out on this program's stdout.
 *
 *   bench_python [--json] [--quick] [--runs N] [--cputime] [--data DIR]
 *
 * The script is looked for beside this program (installed) and in the
 * source folder; the package in the build tree's python/ folder (else the
 * installed one). SP_PYTHON names another interpreter. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "sp_pipeline.h"

extern char **environ;

#ifndef SP_PYTHON_EXE
#define SP_PYTHON_EXE "/usr/bin/python3"
#endif

#define CHEAP "synth frames=%llu lidar=false width=2 height=2 format=gray8"

typedef struct job {
    unsigned long long frames;
} job;

static int pull_all(void *arg)
{
    const job *j = arg;
    char launch[256];
    snprintf(launch, sizeof launch, CHEAP, j->frames);
    sp_pipeline *p;
    if (sp_pipeline_create(launch, NULL, &p) < 0) {
        fprintf(stderr, "bench_python: %s\n", sp_errmsg());
        return -1;
    }
    sp_frame *f;
    unsigned long long n = 0;
    int rc;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    sp_pipeline_destroy(p);
    return rc == SP_EOS && n == j->frames ? 0 : -1;
}

#ifdef SP_PY_TREE
static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
#endif

int main(int argc, char **argv)
{
    int json = 0, quick = 0, cputime = 0;
    const char *runs = NULL, *data = getenv("SP_TEST_DATA");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--cputime"))
            cputime = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = argv[++i];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else {
            fprintf(stderr, "usage: bench_python [--json] [--quick] [--runs N] "
                            "[--cputime] [--data DIR]\n");
            return 2;
        }
    }

    /* The baseline: the same pipeline the script iterates, pulled in C. */
    job j = {quick ? 20000 : 200000};
    int nruns = runs ? atoi(runs) : quick ? 3 : 9;
    double ms = cputime ? bench_median_cpu_ms(pull_all, &j, 1, nruns)
                        : bench_median_ms(pull_all, &j, 1, nruns);
    if (ms < 0)
        return 1;
    char shown[256];
    snprintf(shown, sizeof shown, CHEAP, j.frames);
    double ns = ms * 1e6 / (double)j.frames;
    if (json)
        printf("{\"pipeline\": \"C program: sp_pipeline_pull loop [%s]\", "
               "\"frames\": %llu, \"median_ms\": %.3f, \"ns_per_frame\": "
               "%.1f, \"fps\": %.0f}\n",
               shown, j.frames, ms, ns, 1e9 / ns);
    else
        printf("C program: sp_pipeline_pull loop [%s]: %.1f ns/frame\n", shown,
               ns);
    fflush(stdout);

    const char *python = getenv("SP_PYTHON");
    if (!python || !*python)
        python = SP_PYTHON_EXE;
    char self[1024], script[1200];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(script, sizeof script, "%s/bench_python.py", self);
    if (access(script, R_OK) != 0)
        snprintf(script, sizeof script, "%s/bench_python.py", SP_BENCH_SRC_DIR);
#ifdef SP_PY_TREE
    /* A build tree: its package comes first. */
    if (is_dir(SP_PY_TREE "/sensorpipe")) {
        const char *old = getenv("PYTHONPATH");
        char path[4096];
        snprintf(path, sizeof path, "%s%s%s", SP_PY_TREE,
                 old && *old ? ":" : "", old ? old : "");
        setenv("PYTHONPATH", path, 1);
    }
#endif
    if (data && *data)
        setenv("SP_TEST_DATA", data, 1);
    char *args[12];
    int na = 0;
    args[na++] = (char *)python;
    args[na++] = script;
    if (json)
        args[na++] = "--json";
    if (quick)
        args[na++] = "--quick";
    if (cputime)
        args[na++] = "--cputime";
    if (runs) {
        args[na++] = "--runs";
        args[na++] = (char *)runs;
    }
    args[na] = NULL;
    pid_t pid;
    int err = posix_spawn(&pid, python, NULL, NULL, args, environ);
    if (err) {
        fprintf(stderr,
                "bench_python: cannot run %s (%s): the Python rows are "
                "skipped\n",
                python, strerror(err));
        return 0;
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        return 1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr,
                "bench_python: %s %s failed (is the package built? "
                "-DSP_BUILD_PYTHON)\n",
                python, script);
        return 1;
    }
    return 0;
}
