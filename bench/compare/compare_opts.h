// The options every comparison program takes: --json, --runs N, --quick (11
// runs, fewer warm-ups), --cputime; a program adds its own flags (each sets
// an int) through `extra`.
#ifndef SP_COMPARE_OPTS_H
#define SP_COMPARE_OPTS_H

#include <cstdio>
#include <cstdlib>
#include <cstring>

struct Opts {
    int runs = 101, quick = 0, cputime = 0, json = 0;
};

/* A program's own flag: --name sets *flag to value. */
struct OptFlag {
    const char *name;
    int *flag;
    int value;
};

/* 0, or 2 (the exit status) after naming an unknown option on stderr. */
inline int compare_parse_opts(int argc, char **argv, const char *prog, Opts &o,
                              const OptFlag *extra = nullptr, int nextra = 0)
{
    for (int i = 1; i < argc; i++) {
        int k = 0;
        while (k < nextra && strcmp(argv[i], extra[k].name))
            k++;
        if (k < nextra) {
            *extra[k].flag = extra[k].value;
        } else if (!strcmp(argv[i], "--json")) {
            o.json = 1;
        } else if (!strcmp(argv[i], "--quick")) {
            o.quick = 1;
            o.runs = 11;
        } else if (!strcmp(argv[i], "--cputime")) {
            o.cputime = 1;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            o.runs = atoi(argv[++i]);
            if (o.runs < 1)
                o.runs = 1;
        } else {
            fprintf(stderr,
                    "%s: unknown option '%s' (expected --json, --runs N, "
                    "--quick, --cputime",
                    prog, argv[i]);
            for (k = 0; k < nextra; k++)
                fprintf(stderr, ", %s", extra[k].name);
            fprintf(stderr, ")\n");
            return 2;
        }
    }
    return 0;
}

#endif
