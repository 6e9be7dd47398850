/* Internal to the sensorpipe command. */
#ifndef SP_CLI_INT_H
#define SP_CLI_INT_H

#include <stdint.h>
#include <stdio.h>

#include "sp_frame.h"

/* Given by cli/CMakeLists.txt from project(VERSION). */
#ifndef SP_VERSION_STRING
#error "SP_VERSION_STRING must come from the build (cli/CMakeLists.txt)"
#endif

/* The subcommands, in the order `sensorpipe --help` lists them:
 *     X(name, one-line summary)
 * ADDING A COMMAND: one line here, plus cli/cmd_<name>.c defining
 *     int cli_<name>_main(int argc, char **argv);  (argv[0] is "<name>";
 *         returns the process exit status: 0 ok, 1 failure, 2 usage)
 *     void cli_<name>_help(FILE *out);             (full help text)
 * The prototypes and the dispatch table in main.c come from this list. */
#define CLI_COMMANDS(X)                                                        \
    X(run, "run a launch string, e.g. 'synth frames=100 ! npy dir=out'")       \
    X(stages, "list the stage classes, or show one's properties")              \
    X(info, "describe a recorded log: layout, streams, frames, calibration")   \
    X(devices, "show the SIMD level, OpenCL devices and CPU topology")         \
    X(bench, "run the benchmark programs; one table and --json document")

#define CLI__DECLARE(name, summary)                                            \
    int cli_##name##_main(int argc, char **argv);                              \
    void cli_##name##_help(FILE *out);
CLI_COMMANDS(CLI__DECLARE)
#undef CLI__DECLARE

/* The program's name for messages ("sensorpipe"). */
#define CLI_PROG "sensorpipe"

/* Prints "sensorpipe: <sp_errmsg()>" to stderr and, when the error has a
 * launch-string column, the string with a caret under that column. Control
 * characters in either are escaped (escape.c). */
void cli_print_error(const char *launch);

/* Terminal-safe output (escape.c): names and messages that come from
 * outside the program are printed with control characters as \xNN, so a
 * file or topic name cannot send escape sequences to the terminal. */
/* Writes s escaped; keep_lines leaves '\n' and '\t' as they are. */
void cli_put_escaped(FILE *out, const char *s, int keep_lines);
/* Columns the first n bytes of s take once escaped. */
size_t cli_escape_width(const char *s, size_t n);
/* fprintf(stderr, ...) with the whole text escaped but a final newline. */
void cli_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A file a command writes after its work (--json FILE, --latency-png
 * FILE): its folder made and proved writable now (sp_file_prepare), so a
 * typo does not cost the work; NULL and "-" (stdout) pass. 0, or -1 after
 * "sensorpipe CMD: OPT: <why>" on stderr (cmd_run.c). */
int cli_prepare_output(const char *cmd, const char *opt, const char *path);

/* What `run` and the demo share (cmd_run.c). */
#define CLI_MAX_STREAMS 64

typedef struct cli_run_opts {
    int stats;        /* print the stats table at the end */
    const char *json; /* write the stats as JSON here ("-" = stdout) */
    int backend;      /* sp_backend */
    uint64_t budget;  /* pool budget in bytes; 0 = default */
    uint32_t warmup;  /* frames before allocations count; 0 = default */
    int verbose;      /* -v: each stage's first frame of each stream */
    int progress;     /* --progress: the progress line without a terminal */
    int realtime;     /* --realtime: mlockall, SCHED_FIFO, pinned queues */
    const char *latency_png; /* --latency-png FILE */
} cli_run_opts;

typedef struct cli_run_result {
    uint64_t frames;
    double wall_s;
    size_t nstreams; /* frames per stream name, in order of appearance */
    char stream[CLI_MAX_STREAMS][SP_STREAM_NAME_MAX];
    uint64_t stream_frames[CLI_MAX_STREAMS];
    int alloc_counted;
    uint64_t allocs_after_warmup, frames_after_warmup;
    uint64_t pool_grows; /* pool blocks added after warm-up */
} cli_run_result;

/* Builds and runs @p launch, prints errors (with a caret for launch-string
 * errors), the progress line on a terminal (with the total and an ETA when
 * the source knows its length), the notes, a warning when frames were
 * discarded for want of a sink, and the stats as asked. SIGINT, SIGTERM and
 * SIGHUP stop the run cleanly (a second one kills). Returns the exit
 * status: 0, 1 (failure at run time), 2 (the launch string: its syntax, a
 * stage or property, a value) or 128 + the signal that stopped the run
 * (130 SIGINT, 143 SIGTERM, 129 SIGHUP). */
int cli_run_launch(const char *launch, const cli_run_opts *o,
                   cli_run_result *res);

/* The default demo (`sensorpipe` with no arguments; demo.c). */
int cli_demo(void);

/* Heap allocation counting (alloc_hook.c): installs the counter into the
 * library's stats. Returns 0 when this build cannot count (sanitizers). */
int cli_alloc_hook_install(void);

#endif
