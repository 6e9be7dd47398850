/* Frames: a header and its payload in one pool block.
 *
 * Layout of the block: the sp_frame header at offset 0, then the payload
 * (points arrays, image rows or tensor data) from the next 64-byte boundary.
 * The reference count is the block's, so a frame costs no heap memory and
 * its last unref hands the block back to its pool. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "sp_frame.h"

/* The payload starts on a SP_ARRAY_ALIGN boundary after the header; the
 * pool manager's blocks are themselves at least 64-byte aligned. */
#define HEADER_SIZE                                                            \
    ((sizeof(sp_frame) + SP_ARRAY_ALIGN - 1) / SP_ARRAY_ALIGN * SP_ARRAY_ALIGN)

static int frame_acquire(sp_poolmgr *mgr, size_t payload, const char *what,
                         sp_frame **out, void **mem, size_t *mem_size)
{
    sp_block *b = NULL;
    int rc;

    if (payload == 0)
        return sp__fail(SP_EINVAL,
                        "sp_frame_create_%s: invalid shape, expected a "
                        "non-empty %s whose size fits in memory",
                        what, what);
    if (payload > SIZE_MAX - HEADER_SIZE)
        return sp__fail(SP_ERANGE, "sp_frame_create_%s: %zu bytes overflow",
                        what, payload);
    rc = sp_poolmgr_acquire(mgr, HEADER_SIZE + payload, &b);
    if (rc < 0)
        return rc;
    sp_frame *f = sp_block_data(b);
    memset(f, 0, sizeof *f);
    f->block = b;
    *mem = (unsigned char *)f + HEADER_SIZE;
    *mem_size = sp_block_size(b) - HEADER_SIZE;
    *out = f;
    return SP_OK;
}

int sp_frame_create_points_layout(sp_poolmgr *mgr, size_t capacity,
                                  const sp_points_layout *layout,
                                  sp_frame **out)
{
    sp_frame *f = NULL;
    void *mem = NULL;
    size_t size = 0;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(mgr != NULL);
    if (layout)
        SP_TRY(sp_points_layout_check(layout));
    /* capacity 0 is a valid empty cloud; size it as one point. */
    rc = frame_acquire(
        mgr, sp_points_block_size_layout(capacity ? capacity : 1, layout),
        "points", &f, &mem, &size);
    if (rc < 0)
        return rc;
    rc = sp_points_init_layout(&f->u.points, mem, size, capacity, layout);
    if (rc < 0) {
        sp_block_unref(f->block);
        return rc;
    }
    f->payload = SP_PAYLOAD_POINTS;
    f->sensor = SP_SENSOR_LIDAR;
    *out = f;
    return SP_OK;
}

int sp_frame_create_points(sp_poolmgr *mgr, size_t capacity, unsigned fields,
                           sp_frame **out)
{
    const sp_points_layout l = {.fields = fields};
    return sp_frame_create_points_layout(mgr, capacity, &l, out);
}

int sp_frame_create_image(sp_poolmgr *mgr, uint32_t width, uint32_t height,
                          sp_pixfmt fmt, size_t stride, sp_frame **out)
{
    sp_frame *f = NULL;
    void *mem = NULL;
    size_t size = 0;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(mgr != NULL);
    if ((unsigned)fmt >= SP_PIX_COUNT)
        return sp__fail(SP_EINVAL,
                        "sp_frame_create_image: pixel format %d, expected "
                        "0..%d",
                        (int)fmt, SP_PIX_COUNT - 1);
    rc = frame_acquire(mgr, sp_image_block_size(width, height, fmt, stride),
                       "image", &f, &mem, &size);
    if (rc < 0)
        return rc;
    rc = sp_image_init(&f->u.image, mem, size, width, height, fmt, stride);
    if (rc < 0) {
        sp_block_unref(f->block);
        return rc;
    }
    f->payload = SP_PAYLOAD_IMAGE;
    f->sensor = SP_SENSOR_CAMERA;
    *out = f;
    return SP_OK;
}

int sp_frame_create_tensor(sp_poolmgr *mgr, sp_dtype dtype, int ndim,
                           const size_t *shape, sp_frame **out)
{
    sp_frame *f = NULL;
    void *mem = NULL;
    size_t size = 0;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(mgr != NULL);
    SP_GUARD(shape != NULL);
    rc = frame_acquire(mgr, sp_tensor_block_size(dtype, ndim, shape), "tensor",
                       &f, &mem, &size);
    if (rc < 0)
        return rc;
    rc = sp_tensor_init(&f->u.tensor, mem, size, dtype, ndim, shape);
    if (rc < 0) {
        sp_block_unref(f->block);
        return rc;
    }
    f->payload = SP_PAYLOAD_TENSOR;
    f->sensor = SP_SENSOR_TENSOR;
    *out = f;
    return SP_OK;
}

int sp_frame_create_packets(sp_poolmgr *mgr, size_t capacity,
                            size_t data_capacity, size_t meta_capacity,
                            sp_frame **out)
{
    sp_frame *f = NULL;
    void *mem = NULL;
    size_t size = 0;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(mgr != NULL);
    rc = frame_acquire(
        mgr,
        capacity ? sp_packets_block_size(capacity, data_capacity, meta_capacity)
                 : 0,
        "packets", &f, &mem, &size);
    if (rc < 0)
        return rc;
    rc = sp_packets_init(&f->u.packets, mem, size, capacity, data_capacity,
                         meta_capacity);
    if (rc < 0) {
        sp_block_unref(f->block);
        return rc;
    }
    f->payload = SP_PAYLOAD_PACKETS;
    f->sensor = SP_SENSOR_LIDAR;
    *out = f;
    return SP_OK;
}

void sp_frame_copy_meta(sp_frame *dst, const sp_frame *src)
{
    if (dst == NULL || src == NULL)
        return;
    dst->seq = src->seq;
    dst->timestamp_ns = src->timestamp_ns;
    memcpy(dst->stream, src->stream, sizeof dst->stream);
    dst->stream[sizeof dst->stream - 1] = '\0';
    dst->sensor = src->sensor;
    dst->calib = src->calib;
    dst->origin = src->origin;
    dst->origin_index = src->origin_index;
    dst->log_time_ns = src->log_time_ns;
    dst->origin_kind = src->origin_kind;
    dst->t_read_ns = src->t_read_ns;
    dst->t_due_ns = src->t_due_ns;
}

void sp_frame_ref(sp_frame *f)
{
    if (f != NULL)
        sp_block_ref(f->block);
}

void sp_frame_unref(sp_frame *f)
{
    if (f != NULL)
        sp_block_unref(f->block);
}

int sp_frame_describe(const sp_frame *f, char *buf, size_t cap)
{
    if (f == NULL)
        return snprintf(buf, cap, "(no frame)");
    if (f->payload == SP_PAYLOAD_POINTS) {
        const sp_points *p = &f->u.points;
        char rows[48] = "";
        if (p->height > 1)
            snprintf(rows, sizeof rows, ", organised %ux%zu", p->height,
                     p->count / p->height);
        int n = snprintf(buf, cap, "points %zu (x y z intensity%s%s", p->count,
                         p->ring ? " ring" : "", p->time ? " time" : "");
        /* The extras as PCD would declare them: name, type, count. */
        for (unsigned e = 0; e < p->nextra && p->extra; e++) {
            const sp_points_field *fd = &p->extra[e].field;
            const char *tn = sp_field_type_name(fd->type);
            char count[24] = "";
            if (fd->count > 1)
                snprintf(count, sizeof count, "x%u", fd->count);
            size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap;
            n += snprintf(buf + used, cap - used, " %s:%s%s", fd->name,
                          tn ? tn : "?", count);
        }
        size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap;
        return n + snprintf(buf + used, cap - used, "%s)", rows);
    }
    if (f->payload == SP_PAYLOAD_IMAGE) {
        const sp_image *im = &f->u.image;
        const char *name = sp_pixfmt_name(im->format);
        char depth[32] = "";
        if (im->bit_depth)
            snprintf(depth, sizeof depth, ", %u-bit", im->bit_depth);
        return snprintf(buf, cap, "image %ux%u %s%s", im->width, im->height,
                        name ? name : "?", depth);
    }
    const sp_tensor *t = &f->u.tensor;
    const char *dt = sp_dtype_name(t->dtype);
    int n = snprintf(buf, cap, "tensor %s (", dt ? dt : "?");
    for (int d = 0; d < t->ndim && d < SP_TENSOR_MAX_DIMS; d++) {
        size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap;
        n += snprintf(buf + used, cap - used, "%s%zu", d ? ", " : "",
                      t->shape[d]);
    }
    size_t used = n > 0 && (size_t)n < cap ? (size_t)n : cap;
    return n + snprintf(buf + used, cap - used, ")");
}

const char *sp_payload_name(sp_payload p)
{
    switch (p) {
    case SP_PAYLOAD_POINTS:
        return "points";
    case SP_PAYLOAD_IMAGE:
        return "image";
    case SP_PAYLOAD_TENSOR:
        return "tensor";
    case SP_PAYLOAD_PACKETS:
        return "packets";
    }
    return "unknown";
}

const char *sp_sensor_name(sp_sensor s)
{
    switch (s) {
    case SP_SENSOR_LIDAR:
        return "lidar";
    case SP_SENSOR_CAMERA:
        return "camera";
    case SP_SENSOR_TENSOR:
        return "tensor";
    }
    return "unknown";
}
