// The options every point comparison (pcl_compare, small_gicp_compare)
// takes: --json, --runs N, --quick (11 runs, fewer warm-ups), --cputime.
#ifndef SP_COMPARE_OPTS_H
#define SP_COMPARE_OPTS_H

#include <cstdio>
#include <cstdlib>
#include <cstring>

struct Opts {
    int runs = 101, quick = 0, cputime = 0, json = 0;
};

/* 0, or 2 (the exit status) after naming an unknown option on stderr. */
inline int compare_parse_opts(int argc, char **argv, const char *prog, Opts &o)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
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
                    "--quick, --cputime)\n",
                    prog, argv[i]);
            return 2;
        }
    }
    return 0;
}

#endif
