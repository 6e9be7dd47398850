/* The `bag` source's conversions: a ROS message (decoded by io/'s
 * sp_rosmsg) into a frame from the pool manager. PointCloud2 points are
 * copied out by the unpack kernel (AoS to SoA, SIMD), which is why this
 * lives in pipeline/: io/ does not know kernels/. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bag_int.h"
#include "error_int.h"
#include "io_src_int.h"

static int host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* The value of field @p fi of the first point whose value is finite, as a
 * double (for the bias that makes absolute float64 times relative); 0 when
 * there is none. */
static double first_time(const sp_pc2_msg *m, const sp_pc2_field *fi, int swap)
{
    size_t n = (size_t)m->width * m->height;
    for (size_t i = 0; i < n; i++) {
        size_t r = m->width ? i / m->width : 0, c = m->width ? i % m->width : 0;
        const uint8_t *p =
            m->data + r * (size_t)m->row_step + c * m->point_step + fi->offset;
        uint8_t b[8];
        memcpy(b, p, 8);
        if (swap)
            for (int k = 0; k < 4; k++) {
                uint8_t t = b[k];
                b[k] = b[7 - k];
                b[7 - k] = t;
            }
        double v;
        memcpy(&v, b, 8);
        if (isfinite(v))
            return v;
    }
    return 0.0;
}

static int add_col(sp_unpack_desc *d, const sp_pc2_field *fi, sp_unpack_op op,
                   double scale, double bias, void *dst)
{
    if (d->ncols == SP_UNPACK_MAX_COLS)
        return sp__fail(SP_EINVAL, "PointCloud2: too many columns");
    sp_unpack_col *c = &d->cols[d->ncols++];
    c->offset = fi->offset;
    c->src_type = (sp_unpack_type)fi->datatype;
    c->op = op;
    c->scale = scale;
    c->bias = bias;
    c->dst = dst;
    return SP_OK;
}

/* A float channel: float32 copied bit for bit (NaN points stay as they
 * are), any other type converted. */
static int float_col(sp_unpack_desc *d, const sp_pc2_field *fi, float *dst)
{
    return add_col(d, fi,
                   fi->datatype == SP_UNPACK_F32 ? SP_UNPACK_COPY
                                                 : SP_UNPACK_TO_F32,
                   1.0, 0.0, dst);
}

/* Every field the plan keeps as an extra, bit for bit (byte-swapped per
 * element from a big-endian message). The parse checked that each field
 * lies inside point_step and the rows inside the data. */
static void copy_extras(const sp_pc2_msg *m, const sp_pc2_plan *pl, int swap,
                        sp_points *p)
{
    for (uint32_t i = 0; i < m->nfields; i++) {
        if (pl->extra[i] < 0)
            continue;
        sp_points_extra *e =
            sp_points_extra_find(p, pl->layout.extra[pl->extra[i]].name);
        if (!e)
            continue;
        const sp_pc2_field *fi = &m->fields[i];
        size_t es = sp_rosmsg_pc2_type_size(fi->datatype);
        size_t stride = es * fi->count;
        uint8_t *o = e->data;
        for (uint32_t r = 0; r < m->height; r++) {
            const uint8_t *row = m->data + (size_t)r * m->row_step;
            for (uint32_t c = 0; c < m->width; c++, o += stride) {
                memcpy(o, row + (size_t)c * m->point_step + fi->offset, stride);
                if (!swap || es == 1)
                    continue;
                for (size_t k = 0; k < stride; k += es)
                    for (size_t a = 0, b = es - 1; a < b; a++, b--) {
                        uint8_t t = o[k + a];
                        o[k + a] = o[k + b];
                        o[k + b] = t;
                    }
            }
        }
    }
}

static int decode_points(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                         const sp_log_msg *msg, sp_frame **out,
                         const char **dropped, int64_t *stamp)
{
    sp_pc2_msg *m = &s->pc2;
    sp_pc2_plan *pl = &s->plan;
    SP_TRY(sp_rosmsg_pc2_parse(msg->data, msg->size, enc, m));
    SP_TRY(sp_rosmsg_pc2_plan(m, s->fields_map, pl));
    size_t n = (size_t)m->width * m->height;
    sp_frame *f = NULL;
    SP_TRY(sp__src_frame_points_layout(st, SP__SRC_NO_SEQ, n, &pl->layout,
                                       "PointCloud2", &f));
    sp_points *p = &f->u.points;
    sp_unpack_desc *d = &s->unpack;
    memset(d, 0, sizeof *d);
    d->count = n;
    d->rows = m->height ? m->height : 1;
    d->step = m->point_step;
    d->row_step = m->row_step;
    d->swap = (m->is_bigendian != 0) != host_big_endian();
    int rc = float_col(d, &m->fields[pl->ix], p->x);
    if (rc == SP_OK)
        rc = float_col(d, &m->fields[pl->iy], p->y);
    if (rc == SP_OK)
        rc = float_col(d, &m->fields[pl->iz], p->z);
    if (rc == SP_OK && pl->iintensity >= 0)
        rc = float_col(d, &m->fields[pl->iintensity], p->intensity);
    if (rc == SP_OK && pl->iring >= 0 && p->ring) {
        const sp_pc2_field *fi = &m->fields[pl->iring];
        rc = add_col(d, fi,
                     fi->datatype == SP_UNPACK_U16 ? SP_UNPACK_COPY
                                                   : SP_UNPACK_TO_U16,
                     1.0, 0.0, p->ring);
    }
    if (rc == SP_OK && pl->itime >= 0 && p->time) {
        /* Per-point time in seconds from the sweep's start: float32 as is,
         * float64 (absolute epoch seconds) from the first point's value,
         * integers as nanoseconds. */
        const sp_pc2_field *fi = &m->fields[pl->itime];
        if (fi->datatype == SP_UNPACK_F32)
            rc = add_col(d, fi, SP_UNPACK_COPY, 1.0, 0.0, p->time);
        else if (fi->datatype == SP_UNPACK_F64)
            rc = add_col(d, fi, SP_UNPACK_TO_F32, 1.0,
                         -first_time(m, fi, d->swap), p->time);
        else
            rc = add_col(d, fi, SP_UNPACK_TO_F32, 1e-9, 0.0, p->time);
    }
    if (rc == SP_OK && n)
        rc = sp_unpack(sp_stage_kctx(st), d, m->data, m->data_size);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    copy_extras(m, pl, d->swap, p);
    if (pl->iintensity < 0)
        memset(p->intensity, 0, n * sizeof *p->intensity);
    p->count = n;
    p->height = m->height > 1 ? m->height : 0;
    *dropped = pl->dropped;
    *stamp = m->header.stamp_ns;
    *out = f;
    return SP_OK;
}

static int decode_scan(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                       const sp_log_msg *msg, sp_frame **out, int64_t *stamp)
{
    SP_TRY(sp_rosmsg_laserscan_parse(msg->data, msg->size, enc, &s->scan));
    sp_frame *f = NULL;
    SP_TRY(sp__src_frame_points(st, SP__SRC_NO_SEQ, s->scan.nranges,
                                SP_POINTS_TIME, "LaserScan", &f));
    int rc = sp_rosmsg_laserscan_points(&s->scan, &f->u.points);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    *stamp = s->scan.header.stamp_ns;
    *out = f;
    return SP_OK;
}

/* A size no frame can hold (empty, an odd width in a 4:2:2 format) is the
 * message's fault: SP_EFORMAT, which on_error=skip skips, rather than the
 * frame allocator's SP_EINVAL about its arguments. */
static int check_shape(const char *type, uint32_t w, uint32_t h, sp_pixfmt fmt)
{
    if (sp_image_block_size(w, h, fmt, 0) == 0)
        return sp__fail(SP_EFORMAT,
                        "%s: %ux%u %s, expected a non-empty image (of an even "
                        "width for a 4:2:2 format) that fits in memory",
                        type, w, h, sp_pixfmt_name(fmt));
    return SP_OK;
}

static int decode_image(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                        const sp_log_msg *msg, sp_frame **out, int64_t *stamp)
{
    sp_rosimg_msg *m = &s->img;
    sp_pixfmt fmt;
    SP_TRY(sp_rosmsg_image_parse(msg->data, msg->size, enc, m));
    SP_TRY(sp_rosmsg_image_format(m->encoding, &fmt));
    SP_TRY(check_shape("Image", m->width, m->height, fmt));
    sp_frame *f = NULL;
    SP_TRY(sp__src_frame_image(st, SP__SRC_NO_SEQ, m->width, m->height, fmt,
                               "Image", &f));
    int rc = sp_rosmsg_image_copy(m, &f->u.image);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    *stamp = m->header.stamp_ns;
    *out = f;
    return SP_OK;
}

static int decode_cimage(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                         const sp_log_msg *msg, sp_frame **out, int64_t *stamp)
{
    sp_roscimg_msg *m = &s->cimg;
    uint32_t w, h;
    sp_pixfmt fmt;
    SP_TRY(sp_rosmsg_cimage_parse(msg->data, msg->size, enc, m));
    SP_TRY(sp_rosmsg_cimage_info(s->dec, m, &w, &h, &fmt));
    SP_TRY(check_shape("CompressedImage", w, h, fmt));
    sp_frame *f = NULL;
    SP_TRY(sp__src_frame_image(st, SP__SRC_NO_SEQ, w, h, fmt, "CompressedImage",
                               &f));
    int rc = sp_rosmsg_cimage_decode(s->dec, m, &f->u.image);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    *stamp = m->header.stamp_ns;
    *out = f;
    return SP_OK;
}

/* A lidar packet message as a packet frame: the packets copied into one
 * pool block (their bytes, lengths and stamps), with the sensor's metadata
 * for Ouster. A VelodyneScan or PandarScan is one scan (SP_PACKETS_SCAN). */
static int decode_packets(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                          sp_rosmsg_kind kind, const sp_log_msg *msg,
                          sp_frame **out, int64_t *stamp)
{
    sp_rospkt_msg *m = &s->pkt;
    SP_TRY(sp_rosmsg_packets_parse(msg->data, msg->size, enc, kind, m));
    size_t bytes = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        const uint8_t *d;
        size_t len;
        int64_t t;
        sp_rosmsg_packet_at(m, i, &d, &len, &t);
        bytes += len;
    }
    size_t meta = kind == SP_ROSMSG_OUSTER_PACKET ? s->meta_len : 0;
    size_t n = m->count ? m->count : 1;
    SP_TRY(sp__src_frame_check(st, sp_packets_block_size(n, bytes, meta),
                               msg->file, "a packet message"));
    sp_frame *f = NULL;
    SP_TRY(sp_frame_create_packets(sp_stage_poolmgr(st), n, bytes, meta, &f));
    sp_packets *p = &f->u.packets;
    for (uint32_t i = 0; i < m->count; i++) {
        const uint8_t *d;
        size_t len;
        int64_t t;
        sp_rosmsg_packet_at(m, i, &d, &len, &t);
        /* Ouster's PacketMsg has no stamp: the log time is its time. */
        int rc = sp_packets_append(p, d, len, t ? t : msg->log_time, 0);
        if (rc < 0) {
            sp_frame_unref(f);
            return rc;
        }
    }
    if (meta)
        (void)sp_packets_set_meta(p, s->meta, meta);
    if (kind != SP_ROSMSG_OUSTER_PACKET)
        p->flags |= SP_PACKETS_SCAN;
    snprintf(p->vendor, sizeof p->vendor, "%s",
             kind == SP_ROSMSG_VELODYNE_SCAN ? "velodyne"
             : kind == SP_ROSMSG_PANDAR_SCAN ? "hesai"
                                             : "ouster");
    *stamp = m->header.stamp_ns ? m->header.stamp_ns : msg->log_time;
    *out = f;
    return SP_OK;
}

int sp__bag_decode_packets(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                           sp_rosmsg_kind kind, const sp_log_msg *msg,
                           sp_frame **out, int64_t *stamp_ns)
{
    *out = NULL;
    *stamp_ns = 0;
    return decode_packets(st, s, enc, kind, msg, out, stamp_ns);
}

int sp__bag_decode(sp_stage *st, bag_scratch *s, bag_action a,
                   sp_rosmsg_enc enc, const sp_log_msg *msg, sp_frame **out,
                   const char **dropped, int64_t *stamp_ns)
{
    *out = NULL;
    *dropped = "";
    *stamp_ns = 0;
    switch (a) {
    case BAG_POINTS:
        return decode_points(st, s, enc, msg, out, dropped, stamp_ns);
    case BAG_SCAN:
        return decode_scan(st, s, enc, msg, out, stamp_ns);
    case BAG_IMAGE:
        return decode_image(st, s, enc, msg, out, stamp_ns);
    case BAG_CIMAGE:
        return decode_cimage(st, s, enc, msg, out, stamp_ns);
    default:
        return sp__fail(SP_EINVAL, "bag: action %d makes no frame", (int)a);
    }
}
