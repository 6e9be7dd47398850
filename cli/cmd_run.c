/* sensorpipe run: build a pipeline from a launch string and run it to the
 * end, with a progress line on a terminal (the total and an ETA when the
 * source knows its length), what each stage produced with -v, SIGINT,
 * SIGTERM and SIGHUP as a clean early stop, and the stats as a table
 * (--stats) or JSON (--json FILE). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "sp_file.h"
#include "sp_pipeline.h"

void cli_run_help(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " run [OPTIONS] 'LAUNCH'\n"
            "\n"
            "Runs a pipeline to the end of its stream. LAUNCH is a chain of "
            "stages joined\nby '!', each a name and key=value properties "
            "(GStreamer style); quote values\nwith spaces ('my dir' or \"my "
            "dir\"). Several arguments are joined with spaces.\n"
            "`" CLI_PROG " stages` lists the stages, `" CLI_PROG
            " stages NAME` their properties.\n"
            "\n"
            "options:\n"
            "  --stats             print per-stage and per-pool statistics at "
            "the end\n"
            "  --json FILE         write the same statistics and the notes "
            "as JSON to FILE\n"
            "                      ('-': stdout)\n"
            "  --backend NAME      kernel back-end: auto, scalar, simd, opencl "
            "(default auto)\n"
            "  --pool-mb N         memory budget of the frame pools in MiB "
            "(default 1024);\n"
            "                      --budget N is the same\n"
            "  --warmup N          frames before heap allocations are counted "
            "(default 16)\n"
            "  -v, --verbose       print, for the first frame of each stream, "
            "what each\n"
            "                      stage produced (points and fields, image "
            "size and format,\n"
            "                      tensor shape), like gst-launch -v\n"
            "  --progress          show progress even when stderr is not a "
            "terminal (a line\n"
            "                      a second)\n"
            "  --latency-png FILE  the latency histograms as a picture: a row "
            "per stage and\n"
            "                      end to end, log time axis 1 us .. 10 s\n"
            "  --realtime          lock memory (mlockall), run queue threads "
            "SCHED_FIFO when\n"
            "                      permitted (a note says when not), pinned "
            "to CPUs with hwloc;\n"
            "                      with rate=1 on the source: replay at "
            "sensor speed\n"
            "  -h, --help          this help\n"
            "\n"
            "A progress line (frames, frames/s, pool use; the total and an ETA "
            "when the\nsource knows its length) is shown on stderr when it is "
            "a terminal. Notes\nfollow the run: what a stage skipped, dropped "
            "or guessed (a .bin layout), and\na warning when the pipeline has "
            "no sink and its frames were discarded (end\nit with `null` to "
            "discard them on purpose). Ctrl-C, SIGTERM (timeout, systemd,\n"
            "docker stop) and SIGHUP stop the run cleanly: every thread is "
            "joined, every\nfinished output file is in place and no "
            "temporary file is left; the stats are\nstill printed (a second "
            "signal kills). Exit status: 0 success, 1 failure while\n"
            "running (a file missing or damaged, memory), 2 usage or "
            "launch-string error (an\nunknown stage or property, a bad "
            "value), 128 + the signal's number when\nstopped by one (130 "
            "Ctrl-C, 143 SIGTERM, 129 SIGHUP).\n"
            "\n"
            "examples:\n"
            "  " CLI_PROG " run 'synth frames=100 ! queue depth=4 ! npy "
            "dir=out'\n"
            "  " CLI_PROG " run --stats --json stats.json 'synth frames=500 "
            "! queue depth=4 cpu=1 ! null'\n");
}

/* ---- errors ---- */

void cli_print_error(const char *launch)
{
    int col = sp_pipeline_error_column();

    cli_errf(CLI_PROG ": %s\n", sp_errmsg());
    if (col <= 0 || launch == NULL || (size_t)col > strlen(launch) + 1)
        return;
    /* The launch string on one line, the caret under the column (which
     * moves right by what escaping the text before it added). */
    char *line = strdup(launch);
    if (line == NULL)
        return;
    for (char *c = line; *c; c++)
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    fputs("  ", stderr);
    cli_put_escaped(stderr, line, 0);
    fputs("\n  ", stderr);
    size_t pad = cli_escape_width(line, (size_t)col - 1);
    free(line);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', stderr);
    fputs("^\n", stderr);
}

/* ---- SIGINT, SIGTERM, SIGHUP ---- */

/* timeout(1), systemd and docker stop with SIGTERM, a closed terminal sends
 * SIGHUP: all three end the run the way Ctrl-C does. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

static _Atomic(sp_pipeline *) running;
static volatile sig_atomic_t stop_signal; /* the first caught, 0 = none */
static struct sigaction default_action;   /* SIG_DFL, set before install */

static void on_stop_signal(int sig)
{
    int saved = errno;
    if (stop_signal != 0) {
        /* A second signal of any of the three kills, by that signal. The
         * handler stays installed until then rather than putting the
         * defaults back on the first: a runtime that defers signals
         * (ThreadSanitizer queues them and calls the handler later) would
         * otherwise find both pending, call the handler for the first and
         * drop the second, now SIG_DFL. raise() is held off until this
         * handler returns (the three are in sa_mask), then kills. */
        sigaction(sig, &default_action, NULL);
        raise(sig);
        errno = saved;
        return;
    }
    stop_signal = sig;
    sp_pipeline *p = atomic_load(&running);
    if (p != NULL)
        sp_pipeline_stop(p); /* an atomic store: async-signal-safe */
    errno = saved;
}

static void stop_signals_install(struct sigaction old[NSTOP])
{
    struct sigaction sa;

    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    /* No SA_RESTART: a blocking call on this thread returns EINTR rather
     * than resuming (the library's own waits are timed and see the stop
     * flag within 50 ms either way). The three are blocked while one is
     * handled, so a second runs the handler after the first returns. */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    stop_signal = 0;
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &sa, &old[i]);
}

static void stop_signals_restore(const struct sigaction old[NSTOP])
{
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &old[i], NULL);
}

static const char *signal_name(int sig)
{
    return sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
           : sig == SIGHUP  ? "SIGHUP"
                            : "a signal";
}

/* ---- progress ---- */

/* "1h02m", "3m07s", "12s". */
static void duration(double s, char *buf, size_t cap)
{
    unsigned long long t = s > 0 && s < 1e9 ? (unsigned long long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, cap, "%lluh%02llum", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%llum%02llus", t / 60, t % 60);
    else
        snprintf(buf, cap, "%llus", t);
}

/* @p total: the frames the source gives in all, 0 when it cannot say. The
 * source's count against it makes the fraction and the ETA: frames out of
 * the last stage may be more (a raster and its points) or fewer. On a
 * terminal the line is rewritten in place; elsewhere (--progress into a
 * log) each is a line of its own. */
static void progress(sp_pipeline *p, uint64_t frames, uint64_t total,
                     uint64_t t0, uint64_t now, int tty)
{
    uint64_t used = 0, blocks = 0;
    sp_poolmgr *mgr = sp_pipeline_poolmgr(p);
    double s = (double)(now - t0) * 1e-9;
    char done[96] = "";

    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_pool_stats ps;
        if (sp_poolmgr_stats_get(mgr, i, &ps) == 0) {
            used += ps.in_use;
            blocks += ps.blocks;
        }
    }
    if (total) {
        static sp_pipeline_stats st; /* large: not on the stack */
        uint64_t in = 0;
        if (sp_pipeline_stats_get(p, &st) == SP_OK && st.nstages)
            in = st.stages[0].frames_out;
        char eta[32] = "?";
        if (in && s > 0 && in <= total)
            duration((double)(total - in) * s / (double)in, eta, sizeof eta);
        snprintf(done, sizeof done, "%llu/%llu (%.0f%%)  ETA %s  ",
                 (unsigned long long)in, (unsigned long long)total,
                 100.0 * (double)(in < total ? in : total) / (double)total,
                 eta);
    }
    fprintf(
        stderr,
        "%s  %s%llu frames  %.1f frames/s  pool %llu/%llu blocks %.1f MiB%s",
        tty ? "\r" : "", done, (unsigned long long)frames,
        s > 0 ? (double)frames / s : 0.0, (unsigned long long)used,
        (unsigned long long)blocks,
        (double)sp_poolmgr_reserved(mgr) / 1048576.0, tty ? "  " : "\n");
}

/* ---- -v: what each stage produced ---- */

static void on_format(void *user, const char *stage, const sp_frame *f)
{
    (void)user;
    char what[256];
    sp_frame_describe(f, what, sizeof what);
    /* Stages on queue threads call this too: one line at a time. */
    flockfile(stderr);
    cli_errf(CLI_PROG ": %s: stream '%s': %s\n", stage, f->stream, what);
    funlockfile(stderr);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void tally(cli_run_result *res, const sp_frame *f)
{
    size_t i = 0;
    while (i < res->nstreams && strcmp(res->stream[i], f->stream) != 0)
        i++;
    if (i == res->nstreams) {
        if (res->nstreams == CLI_MAX_STREAMS)
            return;
        snprintf(res->stream[i], sizeof res->stream[i], "%s",
                 f->stream[0] ? f->stream : "(unnamed)");
        res->nstreams++;
    }
    res->stream_frames[i]++;
}

/* ---- stats output ---- */

static char *report(sp_pipeline *p, sp_report_format fmt)
{
    int n = sp_pipeline_report(p, fmt, NULL, 0);
    char *buf;

    if (n < 0)
        return NULL;
    buf = malloc((size_t)n + 1);
    if (buf != NULL)
        sp_pipeline_report(p, fmt, buf, (size_t)n + 1);
    return buf;
}

static int write_json(sp_pipeline *p, const char *path)
{
    char *text = report(p, SP_REPORT_JSON);
    int rc;

    if (text == NULL) {
        cli_errf(CLI_PROG " run: --json: %s\n", sp_errmsg());
        return -1;
    }
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    /* Written under a fresh temporary name beside it (created exclusively,
     * never through a link planted there) and renamed when complete, so a
     * failed run never leaves half a file behind. */
    rc = sp_file_write_atomic(path, text, strlen(text));
    free(text);
    if (rc < 0) {
        cli_errf(CLI_PROG " run: --json: %s\n", sp_errmsg());
        return -1;
    }
    return 0;
}

int cli_prepare_output(const char *cmd, const char *opt, const char *path)
{
    if (path == NULL || strcmp(path, "-") == 0 || sp_file_prepare(path) == 0)
        return 0;
    cli_errf(CLI_PROG " %s: %s: %s\n", cmd, opt, sp_errmsg());
    return -1;
}

/* ---- the run ---- */

/* After a budget refusal, where the budget comes from: the library's
 * message says what was asked and reserved, not which option to change. */
static void budget_hint(int rc, const cli_run_opts *o)
{
    if (rc != SP_EBUDGET)
        return;
    unsigned long long mb =
        (o->budget ? o->budget : SP_POOLMGR_DEFAULT_BUDGET) >> 20;
    cli_errf(CLI_PROG ": hint: the frame pools' budget is %llu MiB%s: "
                      "--pool-mb N raises it\n",
             mb, o->budget ? "" : " (the default)");
}

int cli_run_launch(const char *launch, const cli_run_opts *o,
                   cli_run_result *res)
{
    sp_pipeline_opts po = {.backend = (sp_backend)o->backend,
                           .budget_bytes = o->budget,
                           .warmup_frames = o->warmup,
                           .on_format = o->verbose ? on_format : NULL,
                           .realtime = o->realtime};
    sp_pipeline *p;
    sp_frame *f;
    struct sigaction old[NSTOP];
    int tty = isatty(STDERR_FILENO);
    int show = tty || o->progress;
    int rc, status = 0;
    uint64_t t0, last = 0, total = 0;

    memset(res, 0, sizeof *res);
    if (cli_prepare_output("run", "--json", o->json) < 0 ||
        cli_prepare_output("run", "--latency-png", o->latency_png) < 0)
        return 1;
    /* Installed before the stages start (a sink may create its file in
     * init) and kept until every fini() has run: a signal at any point
     * ends the run through the same clean path. */
    stop_signals_install(old);
    if (o->realtime && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        fprintf(stderr,
                "note: --realtime: memory not locked, mlockall: %s (raise "
                "ulimit -l or grant CAP_IPC_LOCK)\n",
                strerror(errno));
    rc = sp_pipeline_create(launch, &po, &p);
    if (rc < 0) {
        /* The launch string's fault (its syntax, a stage or property, a
         * value: the error has a column, or a stage refused a property's
         * value with SP_EINVAL) is a usage error, 2; a file missing or
         * damaged, memory, a device, 1. */
        int usage = sp_pipeline_error_column() > 0 || rc == SP_EINVAL;
        cli_print_error(launch);
        budget_hint(rc, o);
        stop_signals_restore(old);
        return stop_signal ? 128 + stop_signal : usage ? 2 : 1;
    }
    if (sp_pipeline_length(p, &total) < 0)
        total = 0;
    atomic_store(&running, p);
    if (stop_signal) /* caught while the stages were being set up */
        sp_pipeline_stop(p);

    t0 = now_ns();
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        res->frames++;
        tally(res, f);
        sp_frame_unref(f);
        if (show) {
            uint64_t t = now_ns();
            if (t - last > (tty ? 250000000u : 1000000000u)) {
                progress(p, res->frames, total, t0, t, tty);
                last = t;
            }
        }
    }
    if (tty)
        fputs("\r\033[K", stderr);

    if (rc < 0 && rc != SP_ECANCELED) {
        cli_errf(CLI_PROG ": %s\n", sp_errmsg());
        budget_hint(rc, o);
        status = 1;
    } else if (rc == SP_ECANCELED) {
        status = 128 + SIGINT; /* stopped by a caller of sp_pipeline_stop */
    }
    /* Join every thread and let the sinks finish before anything is read:
     * the figures and notes are final from here on. */
    sp_pipeline_close(p);
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        uint64_t times;
        const char *note = sp_pipeline_note(p, i, &times);
        if (times > 1)
            cli_errf(CLI_PROG ": note: %s (%llu times)\n", note,
                     (unsigned long long)times);
        else
            cli_errf(CLI_PROG ": note: %s\n", note);
    }
    if (!sp_pipeline_has_sink(p) && status != 1) {
        size_t n = sp_pipeline_stage_count(p);
        cli_errf(CLI_PROG ": warning: the pipeline ends in '%s', not a sink: "
                          "its %llu frames were discarded (end it with a sink "
                          "such as `npy dir=out` to keep them, or with `null` "
                          "to discard them on purpose)\n",
                 sp_pipeline_stage_name(p, n - 1),
                 (unsigned long long)res->frames);
    }
    sp_pipeline_stats s;
    sp_pipeline_stats_get(p, &s);
    res->wall_s = s.wall_s;
    res->alloc_counted = s.alloc_counted;
    res->allocs_after_warmup = s.heap_allocs_after_warmup;
    res->frames_after_warmup = s.frames_after_warmup;
    res->pool_grows = s.pool_grows_after_warmup;
    if (tty && status == 0)
        fprintf(stderr, CLI_PROG ": %llu frames in %.2f s (%.1f frames/s)\n",
                (unsigned long long)res->frames, s.wall_s, s.fps);
    if (o->stats) {
        char *t = report(p, SP_REPORT_TABLE);
        if (t != NULL)
            fputs(t, stdout);
        free(t);
    }
    if (o->json != NULL && write_json(p, o->json) < 0 && status == 0)
        status = 1;
    if (o->latency_png != NULL &&
        sp_pipeline_latency_png(p, o->latency_png) < 0) {
        cli_errf(CLI_PROG " run: --latency-png: %s\n", sp_errmsg());
        if (status == 0)
            status = 1;
    }
    atomic_store(&running, NULL);
    int destroyed = sp_pipeline_destroy(p);
    /* The signal that stopped the run decides the exit status, whatever
     * else happened: a caller that sent SIGTERM sees 143. */
    int sig = stop_signal;
    stop_signals_restore(old);
    if (sig)
        status = 128 + sig;
    if (destroyed < 0) {
        cli_errf(CLI_PROG ": %s\n", sp_errmsg());
        if (status == 0)
            status = 1;
    } else if (status > 128) {
        fprintf(stderr,
                CLI_PROG ": interrupted by %s after %llu frames; every "
                         "thread joined and every block returned to its "
                         "pool\n",
                signal_name(status - 128), (unsigned long long)res->frames);
    }
    return status;
}

static int parse_u64(const char *opt, const char *v, uint64_t max,
                     uint64_t *out)
{
    char *e;
    unsigned long long x;

    errno = 0;
    x = strtoull(v, &e, 10);
    if (v[0] == '\0' || v[0] == '-' || *e != '\0' || errno || x == 0 ||
        x > max) {
        cli_errf(CLI_PROG " run: %s '%s': expected a whole number from 1 to "
                          "%llu\n",
                 opt, v, (unsigned long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

int cli_run_main(int argc, char **argv)
{
    cli_run_opts o = {0};
    char *launch = NULL;
    size_t len = 0;
    int status;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        char name[32];

        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                size_t n = strlen(argv[i]);
                char *grown = realloc(launch, len + n + 2);
                if (grown == NULL)
                    goto nomem;
                launch = grown;
                if (len)
                    launch[len++] = ' ';
                memcpy(launch + len, argv[i], n + 1);
                len += n;
            }
            break;
        }
        if (strcmp(a, "-v") == 0) {
            o.verbose = 1;
            continue;
        }
        if (a[0] != '-' || a[1] != '-') {
            size_t n = strlen(a);
            char *grown = realloc(launch, len + n + 2);
            if (grown == NULL)
                goto nomem;
            launch = grown;
            if (len)
                launch[len++] = ' ';
            memcpy(launch + len, a, n + 1);
            len += n;
            continue;
        }
        /* --opt VALUE or --opt=VALUE */
        snprintf(name, sizeof name, "%.*s",
                 (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
        if (strcmp(name, "--stats") == 0 && !eq) {
            o.stats = 1;
            continue;
        }
        if (strcmp(name, "--verbose") == 0 && !eq) {
            o.verbose = 1;
            continue;
        }
        if (strcmp(name, "--realtime") == 0 && !eq) {
            o.realtime = 1;
            continue;
        }
        if (strcmp(name, "--progress") == 0 && !eq) {
            o.progress = 1;
            continue;
        }
        int takes = !strcmp(name, "--json") || !strcmp(name, "--latency-png") ||
                    !strcmp(name, "--backend") || !strcmp(name, "--pool-mb") ||
                    !strcmp(name, "--budget") || !strcmp(name, "--warmup");
        if (!takes) {
            cli_errf(CLI_PROG " run: unknown option '%s' (`" CLI_PROG
                              " help run` lists the options)\n",
                     a);
            free(launch);
            return 2;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            cli_errf(CLI_PROG " run: %s needs a value\n", name);
            free(launch);
            return 2;
        }
        uint64_t x;
        if (!strcmp(name, "--json")) {
            o.json = val;
        } else if (!strcmp(name, "--latency-png")) {
            o.latency_png = val;
        } else if (!strcmp(name, "--backend")) {
            sp_backend b;
            if (sp_backend_from_name(val, &b) < 0) {
                cli_errf(CLI_PROG " run: --backend '%s': expected auto, "
                                  "scalar, simd or opencl\n",
                         val);
                free(launch);
                return 2;
            }
            o.backend = (int)b;
        } else if (!strcmp(name, "--warmup")) {
            if (parse_u64(name, val, 1000000, &x) < 0) {
                free(launch);
                return 2;
            }
            o.warmup = (uint32_t)x;
        } else {
            if (parse_u64(name, val, 1u << 20, &x) < 0) {
                free(launch);
                return 2;
            }
            o.budget = x << 20;
        }
    }
    if (launch == NULL) {
        fprintf(stderr, CLI_PROG " run: expected a launch string, e.g. "
                                 "'synth frames=100 ! npy dir=out' (`" CLI_PROG
                                 " help run`)\n");
        return 2;
    }
    cli_run_result res;
    status = cli_run_launch(launch, &o, &res);
    free(launch);
    return status;

nomem:
    free(launch);
    fprintf(stderr, CLI_PROG " run: out of memory\n");
    return 1;
}
