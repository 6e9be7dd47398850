/* An Ouster sensor's metadata JSON as a registered format (format_int.h):
 * `info` says which sensor, mode, packet layout and geometry it describes
 * and how a launch string uses it; no source reads it alone (the lidar
 * stage takes it as calib=). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "launch_value_int.h"
#include "sp_ouster_meta.h"

/* Keys only Ouster metadata has, in either layout; the sensor and
 * ouster-sdk write them among the first (sorted keys; the flat layout
 * opens with base_pn, base_sn, beam_altitude_angles). */
static const char *const keys[] = {
    "\"beam_altitude_angles\"", "\"beam_intrinsics\"", "\"lidar_data_format\"",
    "\"lidar_intrinsics\"",     "\"lidar_mode\"",      "\"udp_profile_lidar\"",
};

static int meta_probe(const char *path, int is_dir, const uint8_t *head,
                      size_t n)
{
    if (is_dir || head == NULL)
        return 0;
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", head[i]) && head[i] != '\0')
        i++;
    if (i == n || head[i] != '{')
        return 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (sp__info_head_has(head, n, keys[k]))
            return SP__PROBE_CONTENT;
    /* Another JSON object: the only JSON sensorpipe reads is this, so a
     * .json is described as it, and its parse says what it lacks. */
    return sp__info_has_ext(path, ".json") ? SP__PROBE_NAME : 0;
}

static int meta_describe(const char *path, size_t sample, sp_loginfo *li)
{
    (void)sample;
    sp_ouster_meta *m = malloc(sizeof *m);
    if (m == NULL)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    int rc = sp_ouster_meta_load(path, m);
    if (rc < 0) {
        free(m);
        /* A .json claimed by its name may be any JSON: say what it was
         * read as. */
        char why[768];
        snprintf(why, sizeof why, "%s", sp_errmsg());
        return sp__fail(rc,
                        "%s (read as Ouster sensor metadata, the JSON "
                        "sensorpipe reads)",
                        why);
    }
    const char *line = m->prod_line[0] ? m->prod_line : "(no prod_line)";
    sp__info_attr(li, "ouster", "prod_line", 0, "%s", m->prod_line);
    sp__info_attr(li, "ouster", "firmware", 0, "%s", m->build_rev);
    sp__info_attr(li, "ouster", "lidar_mode", 0, "%s", m->lidar_mode);
    sp__info_attr(li, "ouster", "profile", 0, "%s",
                  sp_ouster_profile_name(m->profile));
    sp__info_attr(li, "ouster", "beams", 1, "%u", m->pixels_per_column);
    sp__info_attr(li, "ouster", "columns_per_frame", 1, "%u",
                  m->columns_per_frame);
    sp__info_attr(li, "ouster", "columns_per_packet", 1, "%u",
                  m->columns_per_packet);
    sp__info_attr(li, "ouster", "packet_bytes", 1, "%zu",
                  sp_ouster_packet_size(m));
    sp__info_attr(li, "ouster", "frequency_hz", 1, "%u", m->frequency_hz);
    if (m->prod_sn)
        sp__info_attr(li, "ouster", "serial", 0, "%llu",
                      (unsigned long long)m->prod_sn);
    double lo = m->beam_altitude_deg[0], hi = lo;
    for (uint32_t b = 1; b < m->pixels_per_column; b++) {
        double a = m->beam_altitude_deg[b];
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
    }
    sp__info_text(li,
                  "ouster:  %s, firmware %s, %s metadata%s%.0llu; lidar_mode "
                  "%s (%u columns at %u Hz), %u beams from %+.2f to %+.2f "
                  "degrees\n",
                  line, m->build_rev[0] ? m->build_rev : "(none given)",
                  m->nested ? "nested (2.4+)" : "flat (2.0-2.3)",
                  m->prod_sn ? ", serial " : "", (unsigned long long)m->prod_sn,
                  m->lidar_mode, m->columns_per_frame, m->frequency_hz,
                  m->pixels_per_column, lo, hi);
    sp__info_text(li,
                  "packets: profile %s, %u columns a packet, %zu B each; the "
                  "sensor sends columns %u..%u\n",
                  sp_ouster_profile_name(m->profile), m->columns_per_packet,
                  sp_ouster_packet_size(m), m->column_window[0],
                  m->column_window[1]);
    char qpath[sizeof li->note];
    sp__launch_value(qpath, sizeof qpath, path);
    sp__info_set(li->note, sizeof li->note,
                 "decode this sensor's packets with `lidar model=ouster "
                 "calib=%s`",
                 qpath);
    free(m);
    return SP_OK;
}

const sp__format sp__format_ouster_meta = {
    .name = "ouster_meta",
    .what = "metadata JSON of an Ouster sensor",
    .source = "lidar",
    .use = "lidar model=ouster calib=",
    .order = 40,
    .probe = meta_probe,
    .describe = meta_describe,
};
