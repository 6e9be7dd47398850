/* A spinning lidar's calibration table (a Velodyne YAML table, a Hesai
 * angle-correction CSV: io/sp_lidarcal.h) as a registered format
 * (format_int.h): `info` says whose and how many lasers it holds, their
 * elevations, and the lidar stage's models such a table fits, with the
 * launch words that use it. No source reads it alone (the lidar stage
 * takes it as calib=). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "launch_value_int.h"
#include "sp_lidarcal.h"

/* A Velodyne table opens with `lasers:` (after comments and the optional
 * distance_resolution / num_lasers keys); a Hesai CSV's header line names
 * its columns. */
static int calib_probe(const char *path, int is_dir, const uint8_t *head,
                       size_t n)
{
    (void)path;
    if (is_dir || head == NULL || n == 0)
        return 0;
    if (sp__info_head_has(head, n, "\nlasers:") ||
        (n >= 7 && !memcmp(head, "lasers:", 7)))
        return SP__PROBE_CONTENT;
    const uint8_t *eol = memchr(head, '\n', n);
    size_t first = eol ? (size_t)(eol - head) : n;
    if ((sp__info_head_has(head, first, "Laser id") ||
         sp__info_head_has(head, first, "Channel")) &&
        sp__info_head_has(head, first, "Elevation") &&
        sp__info_head_has(head, first, "Azimuth"))
        return SP__PROBE_CONTENT;
    return 0;
}

/* The lidar stage's models a table of this vendor and size can be, as
 * `lidar model=` names them (kernels/sp_lidardec.h; test_info checks each
 * parses there), each with the stem a file's name would hold for it. */
typedef struct fit_model {
    const char *model, *stem;
} fit_model;

static const struct {
    int vendor;
    unsigned lasers;
    fit_model m[2];
} fits[] = {
    {SP_LIDAR_CALIB_VELODYNE, 16, {{"vlp16", "vlp16"}}},
    {SP_LIDAR_CALIB_VELODYNE, 32, {{"hdl32e", "hdl32"}, {"vlp32c", "vlp32"}}},
    {SP_LIDAR_CALIB_VELODYNE, 64, {{"hdl64e", "hdl64"}}},
    {SP_LIDAR_CALIB_VELODYNE, 128, {{"vls128", "vls128"}}},
    {SP_LIDAR_CALIB_HESAI, 32, {{"xt32", "xt32"}}},
    {SP_LIDAR_CALIB_HESAI, 40, {{"pandar40p", "40p"}}},
    {SP_LIDAR_CALIB_HESAI, 64, {{"pandar64", "pandar64"}, {"qt64", "qt64"}}},
};

/* Of two candidates, the one the file's name names (VLP32.yaml: vlp32c),
 * else the first. */
static const char *by_name(const fit_model *m, const char *path)
{
    const char *base = strrchr(path, '/');
    char low[256];
    size_t n = 0;
    for (const char *p = base ? base + 1 : path; *p && n + 1 < sizeof low; p++)
        if (*p != '-' && *p != '_')
            low[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    low[n] = '\0';
    for (int i = 0; i < 2 && m[i].model; i++)
        if (strstr(low, m[i].stem))
            return m[i].model;
    return m[0].model;
}

static int calib_describe(const char *path, size_t sample, sp_loginfo *li)
{
    (void)sample;
    sp_lidar_calib *c = malloc(sizeof *c);
    if (c == NULL)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    int rc = sp_lidar_calib_load(path, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    int velodyne = c->vendor == SP_LIDAR_CALIB_VELODYNE;
    /* Velodyne tables give radians, Hesai ones degrees. */
    double k = velodyne ? 180.0 / M_PI : 1.0;
    double lo = INFINITY, hi = -INFINITY;
    for (unsigned i = 0; i < c->nlasers; i++) {
        lo = fmin(lo, c->laser[i].vert * k);
        hi = fmax(hi, c->laser[i].vert * k);
    }
    const char *vendor = velodyne ? "Velodyne" : "Hesai";
    sp__info_attr(li, "calib", "vendor", 0, "%s", vendor);
    sp__info_attr(li, "calib", "lasers", 1, "%u", c->nlasers);
    const fit_model *m = NULL;
    for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++)
        if (fits[i].vendor == c->vendor && fits[i].lasers == c->nlasers)
            m = fits[i].m;
    sp__info_attr(li, "calib", "models", 0, "%s%s%s", m ? m[0].model : "",
                  m && m[1].model ? " " : "",
                  m && m[1].model ? m[1].model : "");
    sp__info_text(li,
                  "calib:   %s %s, %u lasers, elevations %+.2f to %+.2f "
                  "degrees\n",
                  vendor, velodyne ? "YAML table" : "angle-correction CSV",
                  c->nlasers, c->nlasers ? lo : 0.0, c->nlasers ? hi : 0.0);
    char qpath[sizeof li->note];
    sp__launch_value(qpath, sizeof qpath, path);
    if (m)
        sp__info_set(li->note, sizeof li->note,
                     "a table for %s%s%s: decode with `lidar model=%s "
                     "calib=%s`",
                     m[0].model, m[1].model ? " or " : "",
                     m[1].model ? m[1].model : "", by_name(m, path), qpath);
    else
        sp__info_set(li->note, sizeof li->note,
                     "no model the lidar stage decodes has %u %s lasers",
                     c->nlasers, vendor);
    free(c);
    return SP_OK;
}

const sp__format sp__format_lidar_calib = {
    .name = "lidar_calib",
    .what = "lidar calibration table (Velodyne YAML, Hesai CSV)",
    .source = "lidar",
    .use = "lidar model=... calib=",
    .order = 41,
    .probe = calib_probe,
    .describe = calib_describe,
};
