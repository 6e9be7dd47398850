/* `sensorpipe info PATH [--json]`: what is in a recorded log without
 * processing it (layout, streams, frame counts, time span and rate, points
 * per frame or image sizes over a sample, calibration), from sp_loginfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "sp_loginfo.h"
#include "sp_status.h"

void cli_info_help(FILE *out)
{
    fprintf(out,
            "usage: " CLI_PROG " info [--json] [--sample N] PATH\n"
            "\n"
            "Describes a recorded log without processing it: the format\n"
            "detected by content (ROS1 bag, MCAP, rosbag2, KITTI raw drive or\n"
            "object set, .pcd/.bin/.png file or folder), its streams or\n"
            "topics with frame counts, time span and rate, points per frame\n"
            "(min/mean/max, with a cloud's fields) or image size and format\n"
            "over a sample of frames, and the calibration found. For a log:\n"
            "container, version, compression, chunks, size, start, end and\n"
            "duration. For a .bin file it lists the float32 record sizes that\n"
            "fit the file and the one that looks right. Only headers, indexes\n"
            "and the sampled frames are read.\n"
            "\n"
            "options:\n"
            "  --json       one JSON object on stdout\n"
            "  --sample N   frames probed per stream, spread evenly "
            "(default 16)\n"
            "  -h, --help   this help\n");
}

int cli_info_main(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    long sample = 16;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            cli_info_help(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--sample") && i + 1 < argc) {
            char *end;
            sample = strtol(argv[++i], &end, 10);
            if (*end || sample < 1 || sample > 100000) {
                cli_errf(CLI_PROG " info: --sample '%s', expected a "
                                  "number 1..100000\n",
                         argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_errf(CLI_PROG " info: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            cli_errf(CLI_PROG " info: more than one PATH ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        cli_info_help(stderr);
        return 2;
    }
    sp_loginfo *li = calloc(1, sizeof *li);
    if (!li) {
        fprintf(stderr, CLI_PROG " info: out of memory\n");
        return 1;
    }
    int rc = sp_loginfo_probe(path, (size_t)sample, li);
    if (rc < 0) {
        cli_print_error(NULL);
        sp_loginfo_free(li);
        free(li);
        return 1;
    }
    int n = sp_loginfo_format(li, json, NULL, 0);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fprintf(stderr, CLI_PROG " info: out of memory\n");
        sp_loginfo_free(li);
        free(li);
        return 1;
    }
    sp_loginfo_format(li, json, buf, (size_t)n + 1);
    /* Paths, topics and type names come from the files: escaped, so none
     * can drive the terminal (JSON already escapes them). */
    cli_put_escaped(stdout, buf, 1);
    free(buf);
    sp_loginfo_free(li);
    free(li);
    return 0;
}
