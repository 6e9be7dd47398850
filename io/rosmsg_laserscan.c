/* sensor_msgs/LaserScan and the points it makes in the scan's plane (see
 * sp_rosmsg.h). The layout is the same in ROS1 and ROS 2: header, seven
 * float32 (angle_min, angle_max, angle_increment, time_increment,
 * scan_time, range_min, range_max), float32[] ranges, float32[]
 * intensities. */
#include <math.h>
#include <string.h>

#include "rosmsg_cursor_int.h"

int sp_rosmsg_laserscan_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                              sp_laserscan_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    sp_laserscan_msg *m = out;
    sp__rcur c;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "LaserScan"));
    SP_TRY(sp__rcur_header(&c, &m->header));
    SP_TRY(sp__rcur_f32(&c, &m->angle_min, "angle_min"));
    SP_TRY(sp__rcur_f32(&c, &m->angle_max, "angle_max"));
    SP_TRY(sp__rcur_f32(&c, &m->angle_increment, "angle_increment"));
    SP_TRY(sp__rcur_f32(&c, &m->time_increment, "time_increment"));
    SP_TRY(sp__rcur_f32(&c, &m->scan_time, "scan_time"));
    SP_TRY(sp__rcur_f32(&c, &m->range_min, "range_min"));
    SP_TRY(sp__rcur_f32(&c, &m->range_max, "range_max"));
    SP_TRY(sp__rcur_seq(&c, &m->nranges, 4, &m->ranges, "ranges"));
    SP_TRY(
        sp__rcur_seq(&c, &m->nintensities, 4, &m->intensities, "intensities"));
    if (m->nranges == 0)
        m->ranges = NULL;
    if (m->nintensities == 0)
        m->intensities = NULL;
    m->swap = c.swap;
    return SP_OK;
}

static float load_f32(const uint8_t *p, int swap)
{
    uint32_t u;
    float f;
    memcpy(&u, p, 4);
    if (swap)
        u = sp__bswap32(u);
    memcpy(&f, &u, 4);
    return f;
}

int sp_rosmsg_laserscan_points(const sp_laserscan_msg *m, sp_points *out)
{
    SP_GUARD(m != NULL && out != NULL);
    SP_GUARD(m->ranges != NULL || m->nranges == 0);
    SP_GUARD(m->intensities != NULL || m->nintensities == 0);
    if (out->capacity < m->nranges || !out->time)
        return sp__fail(SP_EINVAL,
                        "LaserScan: %u ranges, but the points have capacity "
                        "%zu%s, expected room for every range and a time "
                        "channel",
                        m->nranges, out->capacity,
                        out->time ? "" : " and no time channel");
    const double a0 = m->angle_min, da = m->angle_increment,
                 dt = m->time_increment;
    const double rmin = m->range_min, rmax = m->range_max;
    for (uint32_t i = 0; i < m->nranges; i++) {
        float r = load_f32(m->ranges + 4 * (size_t)i, m->swap);
        double a = a0 + (double)i * da;
        /* NaN compares false, so NaN ranges and limits fail here too; a
         * non-finite angle (a NaN or huge angle_min) has no direction. */
        if (isfinite(r) && r >= rmin && r <= rmax && isfinite(a)) {
            out->x[i] = (float)((double)r * cos(a));
            out->y[i] = (float)((double)r * sin(a));
            out->z[i] = 0.0f;
        } else {
            out->x[i] = out->y[i] = out->z[i] = NAN;
        }
        out->intensity[i] =
            i < m->nintensities
                ? load_f32(m->intensities + 4 * (size_t)i, m->swap)
                : 0.0f;
        out->time[i] = (float)((double)i * dt);
        if (out->ring)
            out->ring[i] = 0;
    }
    out->count = m->nranges;
    return SP_OK;
}
