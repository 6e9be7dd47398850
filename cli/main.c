/* sensorpipe: the command. Dispatches to the subcommands of CLI_COMMANDS
 * (cli_int.h); with no arguments runs the demo on the synthetic rig. */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "sp_stage.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
    void (*help)(FILE *out);
} command;

static const command commands[] = {
#define CLI__ENTRY(name, summary)                                              \
    {#name, summary, cli_##name##_main, cli_##name##_help},
    CLI_COMMANDS(CLI__ENTRY)
#undef CLI__ENTRY
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " [COMMAND [ARGS...]]\n"
            "\n"
            "Turns recorded lidar/camera logs into packed arrays on SIMD and "
            "OpenCL kernels,\nwith no per-frame heap allocation.\n"
            "\n"
            "With no command, runs a demo pipeline on the synthetic sensor "
            "rig (synth)\ninto ./sensorpipe-demo/ and shows its stats.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s %s\n", "help", "show the help of a command");
    fprintf(out,
            "\n"
            "options:\n"
            "  -h, --help     this help (`" CLI_PROG
            " help COMMAND` or `" CLI_PROG " COMMAND --help` for a command)\n"
            "  --version      print the version\n"
            "\n"
            "exit status: 0 success, 1 failure while running, 2 usage or "
            "launch-string\nerror, 128 + N when stopped by signal N\n"
            "\n"
            "example:\n"
            "  " CLI_PROG
            " run --stats 'synth frames=100 ! queue depth=4 ! npy "
            "dir=out'\n");
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static const char *command_name_at(size_t i, const void *ctx)
{
    (void)ctx;
    return i < NCOMMANDS ? commands[i].name : "help";
}

static int unknown(const char *name)
{
    char hint[160];
    sp_suggest(name, NCOMMANDS + 1, command_name_at, NULL, hint, sizeof hint);
    cli_errf(CLI_PROG ": unknown command '%s'%s%s (`" CLI_PROG
                      " --help` lists the commands)\n",
             name, *hint ? ", " : "", hint);
    return 2;
}

int main(int argc, char **argv)
{
    const command *c;

    cli_alloc_hook_install();
    if (argc < 2)
        return cli_demo();
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf(CLI_PROG " " SP_VERSION_STRING "\n");
        return 0;
    }
    if (strcmp(a, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        c = find(argv[2]);
        if (c == NULL)
            return unknown(argv[2]);
        c->help(stdout);
        return 0;
    }
    if (a[0] == '-') {
        cli_errf(CLI_PROG ": unknown option '%s' (`" CLI_PROG
                          " --help` lists the options)\n",
                 a);
        return 2;
    }
    c = find(a);
    if (c == NULL)
        return unknown(a);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            c->help(stdout);
            return 0;
        }
    }
    return c->main(argc - 1, argv + 1);
}
