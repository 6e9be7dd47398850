/* libFuzzer target: `sensorpipe info`'s probe (sp_loginfo_probe, io/info.c
 * and every format's describe) on a file or a folder built from the input.
 * Byte 0: odd = a folder tree (fuzz_tree.h, TEMPLATES below: KITTI
 * layouts, folders of .pcd / .png / .bin, rosbag2 folders), even = one file
 * named "f" + EXTS[(byte 0 / 2) % NEXTS] holding the rest of the input
 * (formats are probed by content first, by name for headerless ones).
 * Byte 1: frames sampled per stream (byte % 8; 0 = the default 16).
 * Promises checked (sp_loginfo.h):
 *  - SP_OK, or a refusal with a message; a folder or file sensorpipe does
 *    not read is SP_ENOTFOUND naming what was seen;
 *  - an accepted description has a layout, a source stage (but .npy's,
 *    which no source reads) and the path;
 *    each stream's figures hold together (sampled frames <= frames, the
 *    points' min <= mean <= max, times in order, errors with a message);
 *  - both outputs (text and JSON) have the length sp_loginfo_format says,
 *    a short buffer is cut without overrun, and the JSON is well-formed
 *    (names and messages from the input are escaped);
 *  - sp_loginfo_free leaves nothing (LeakSanitizer at exit). */
#include "fuzz_tree.h"

#include <ctype.h>
#include <math.h>

#include "sp_loginfo.h"

static const char *const TEMPLATES[] = {"velodyne_points/data/%s.bin",
                                        "image_02/data/%s.png",
                                        "image_00/data/%s.png",
                                        "velodyne_points/timestamps.txt",
                                        "image_02/timestamps.txt",
                                        "calib_cam_to_cam.txt",
                                        "calib_velo_to_cam.txt",
                                        "training/velodyne/%s.bin",
                                        "training/image_2/%s.png",
                                        "training/calib/%s.txt",
                                        "velodyne/%s.bin",
                                        "calib.txt",
                                        "times.txt",
                                        "%s.pcd",
                                        "%s.png",
                                        "%s.bin",
                                        "%s.raw",
                                        "timestamps.txt",
                                        "metadata.yaml",
                                        "%s.db3",
                                        "%s.mcap",
                                        "d_0.db3",
                                        "d_0.mcap",
                                        "%s/",
                                        "%s.bag"};
#define NTEMPLATES (sizeof TEMPLATES / sizeof TEMPLATES[0])

static const char *const EXTS[] = {".pcd", ".bin", ".png", ".bag", ".mcap",
                                   ".db3", ".npy", "",     ".txt", ".yaml"};
#define NEXTS (sizeof EXTS / sizeof EXTS[0])

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_info: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

/* ---- a strict JSON checker (RFC 8259), enough to say "well-formed" ---- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *js_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20)
            return NULL; /* raw control characters must be escaped */
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (!isxdigit((unsigned char)p[k]))
                        return NULL;
                p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", *p) || !*p)
                return NULL;
        }
        p++;
    }
    return p + 1;
}

static const char *js_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (isdigit((unsigned char)*p))
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    if (!strncmp(p, "null", 4))
        return p + 4;
    return js_number(p);
}

static void check_output(const sp_loginfo *li, int json)
{
    int n = sp_loginfo_format(li, json, NULL, 0);
    if (n < 0)
        fail("sp_loginfo_format failed", n);
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        abort();
    if (sp_loginfo_format(li, json, buf, (size_t)n + 1) != n ||
        strlen(buf) != (size_t)n)
        fail("the output's length is not the one announced", 0);
    if (json) {
        const char *end = js_value(buf, 0);
        if (!end || *js_ws(end) != '\0') {
            fprintf(stderr, "%s\n", buf);
            fail("the JSON output is not well-formed", 0);
        }
    }
    free(buf);
    /* Cut short: an exact-size heap block, so ASan sees an overrun. */
    size_t cap = (size_t)n / 2 + 1;
    char *small = malloc(cap);
    if (!small)
        abort();
    if (sp_loginfo_format(li, json, small, cap) != n ||
        strlen(small) != cap - 1)
        fail("a short buffer was not filled and cut", 0);
    free(small);
}

static void check_streams(const sp_loginfo *li)
{
    for (size_t i = 0; i < li->nstreams; i++) {
        const sp_loginfo_stream *s = &li->streams[i];
        if (s->sampled > s->frames && s->frames)
            fail("more frames sampled than there are", 0);
        if (s->sampled && s->points_max &&
            (s->points_min > s->points_max ||
             s->points_mean < (double)s->points_min - 1e-6 * s->points_max ||
             s->points_mean > (double)s->points_max * (1 + 1e-9)))
            fail("points min/mean/max do not hold together", 0);
        if (s->has_timestamps && s->t_first > s->t_last)
            fail("a stream's times go backwards", 0);
        if (!isfinite(s->rate_hz) || s->rate_hz < 0)
            fail("a stream's rate is not a finite non-negative number", 0);
        if (s->errors && !s->first_error[0])
            fail("a sampled frame failed without a message", 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char path[600];
    if (data[0] & 1) {
        ft_build(data + 2, size - 2, TEMPLATES, NTEMPLATES);
        snprintf(path, sizeof path, "%s", ft_root);
    } else {
        ft_init();
        ft_clear();
        snprintf(path, sizeof path, "%s/f%s", ft_base,
                 EXTS[(data[0] >> 1) % NEXTS]);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 ||
            (size > 2 && write(fd, data + 2, size - 2) != (ssize_t)(size - 2)))
            abort();
        close(fd);
    }
    sp_loginfo li;
    int rc = sp_loginfo_probe(path, data[1] % 8, &li);
    if (getenv("SP_FUZZ_VERBOSE")) /* replaying a seed: what it opened */
        fprintf(stderr, "%s: status %d %s\n", path, rc, rc ? sp_errmsg() : "");
    if (rc != SP_OK) {
        if (!sp_errmsg()[0])
            fail("a refusal without a message", rc);
        sp_loginfo_free(&li);
        return 0;
    }
    /* (.npy has no source: sensorpipe writes it, numpy.load reads it) */
    if (!li.layout[0] || (!li.source[0] && strcmp(li.layout, "npy") != 0) ||
        strcmp(li.path, path) != 0)
        fail("an accepted path lacks its layout, source or path", 0);
    check_streams(&li);
    check_output(&li, 0);
    check_output(&li, 1);
    sp_loginfo_free(&li);
    return 0;
}
