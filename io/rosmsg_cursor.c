/* The bounds-checked message reader (rosmsg_cursor_int.h) and the pieces
 * of sp_rosmsg.h that are not one message type: encodings, type names and
 * std_msgs/Header. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rosmsg_cursor_int.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG 1
#else
#define HOST_BIG 0
#endif

int sp_rosmsg_enc_from_name(const char *name, sp_rosmsg_enc *out)
{
    SP_GUARD(name != NULL && out != NULL);
    if (!strcmp(name, "ros1")) {
        *out = SP_ROSMSG_ROS1;
        return SP_OK;
    }
    if (!strcmp(name, "cdr")) {
        *out = SP_ROSMSG_CDR;
        return SP_OK;
    }
    return sp__fail(SP_EUNSUPPORTED,
                    "message encoding '%.64s' is not decoded, expected ros1 "
                    "or cdr",
                    name);
}

sp_rosmsg_kind sp_rosmsg_kind_of(const char *type)
{
    static const struct {
        const char *name;
        sp_rosmsg_kind kind;
    } kinds[] = {
        {"PointCloud2", SP_ROSMSG_POINTCLOUD2},
        {"Image", SP_ROSMSG_IMAGE},
        {"CompressedImage", SP_ROSMSG_COMPRESSED_IMAGE},
        {"CameraInfo", SP_ROSMSG_CAMERA_INFO},
        {"LaserScan", SP_ROSMSG_LASER_SCAN},
    };
    static const char pkg[] = "sensor_msgs/";
    static const struct {
        const char *a, *b;
        sp_rosmsg_kind kind;
    } others[] = {
        {"velodyne_msgs/VelodyneScan", "velodyne_msgs/msg/VelodyneScan",
         SP_ROSMSG_VELODYNE_SCAN},
        {"pandar_msgs/PandarScan", "pandar_msgs/msg/PandarScan",
         SP_ROSMSG_PANDAR_SCAN},
        {"ouster_ros/PacketMsg", "ouster_ros/msg/PacketMsg",
         SP_ROSMSG_OUSTER_PACKET},
        {"ouster_sensor_msgs/PacketMsg", "ouster_sensor_msgs/msg/PacketMsg",
         SP_ROSMSG_OUSTER_PACKET},
        {"std_msgs/String", "std_msgs/msg/String", SP_ROSMSG_STRING},
    };
    for (size_t i = 0; type && i < sizeof others / sizeof others[0]; i++)
        if (!strcmp(type, others[i].a) || !strcmp(type, others[i].b))
            return others[i].kind;
    if (!type || strncmp(type, pkg, sizeof pkg - 1) != 0)
        return SP_ROSMSG_OTHER;
    const char *t = type + sizeof pkg - 1;
    if (!strncmp(t, "msg/", 4))
        t += 4;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(t, kinds[i].name))
            return kinds[i].kind;
    return SP_ROSMSG_OTHER;
}

int sp__rcur_init(sp__rcur *c, const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                  const char *type)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->n = buf ? n : 0;
    c->type = type;
    if (enc == SP_ROSMSG_ROS1) {
        c->swap = HOST_BIG;
        return SP_OK;
    }
    if (enc != SP_ROSMSG_CDR)
        return sp__fail(SP_EINVAL, "%s: encoding %d, expected ROS1 or CDR",
                        type, (int)enc);
    if (c->n < 4)
        return sp__fail(SP_EFORMAT,
                        "%s: %zu bytes, expected at least the 4-byte CDR "
                        "encapsulation header",
                        type, c->n);
    /* Byte 0 is always 0 for the kinds ROS 2 writes; byte 1 says which.
     * PL_CDR (2, 3) and XCDR2 (6..11, 0x10..0x15) lay members out
     * differently (parameter lists, 4-byte alignment of 8-byte types), so
     * reading them as plain CDR would give wrong values, not an error. */
    if (buf[0] != 0 || buf[1] > 1)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: CDR encapsulation bytes 0x%02x 0x%02x (%s), "
                        "expected 0x00 0x01 (CDR_LE) or 0x00 0x00 (CDR_BE)",
                        type, buf[0], buf[1],
                        buf[0] != 0                     ? "unknown"
                        : buf[1] == 2 || buf[1] == 3    ? "PL_CDR"
                        : buf[1] >= 6 && buf[1] <= 0x15 ? "XCDR2"
                                                        : "unknown");
    c->cdr = 1;
    c->swap = (buf[1] == 0) != HOST_BIG;
    c->pos = c->origin = 4;
    return SP_OK;
}

/* "Type.field" from the caller's format, for a message. */
static const char *field_name(const sp__rcur *c, char *dst, size_t cap,
                              const char *fmt, va_list ap)
{
    int k = snprintf(dst, cap, "%s.", c->type);
    if (k < 0 || (size_t)k >= cap)
        return dst;
    vsnprintf(dst + k, cap - (size_t)k, fmt, ap);
    return dst;
}

#define FIELD_FAIL(c, fmt, what_fmt, ...)                                      \
    do {                                                                       \
        char name_[160];                                                       \
        va_list ap_;                                                           \
        va_start(ap_, fmt);                                                    \
        field_name((c), name_, sizeof name_, (fmt), ap_);                      \
        va_end(ap_);                                                           \
        return sp__fail(SP_EFORMAT, "%s: " what_fmt, name_, __VA_ARGS__);      \
    } while (0)

/* Skips CDR padding before an @p size-byte primitive; 0 when it and the
 * primitive fit, else -1. */
static int take(sp__rcur *c, size_t size, size_t *at)
{
    size_t p = c->pos;
    if (c->cdr && size > 1) {
        size_t a = size > 8 ? 8 : size;
        size_t mis = (p - c->origin) % a;
        if (mis)
            p += a - mis;
    }
    if (p > c->n || c->n - p < size) {
        *at = c->pos;
        return -1;
    }
    *at = p;
    c->pos = p + size;
    return 0;
}

static uint32_t load32(const sp__rcur *c, size_t at)
{
    uint32_t v;
    memcpy(&v, c->buf + at, 4);
    return c->swap ? sp__bswap32(v) : v;
}

static uint64_t load64(const sp__rcur *c, size_t at)
{
    uint64_t v;
    memcpy(&v, c->buf + at, 8);
    return c->swap ? __builtin_bswap64(v) : v;
}

int sp__rcur_u8(sp__rcur *c, uint8_t *v, const char *field, ...)
{
    size_t at;
    if (take(c, 1, &at) < 0)
        FIELD_FAIL(c, field, "uint8 at byte %zu, but the message has %zu bytes",
                   at, c->n);
    *v = c->buf[at];
    return SP_OK;
}

int sp__rcur_u32(sp__rcur *c, uint32_t *v, const char *field, ...)
{
    size_t at;
    if (take(c, 4, &at) < 0)
        FIELD_FAIL(c, field,
                   "4-byte value at byte %zu, but the message has %zu bytes",
                   at, c->n);
    *v = load32(c, at);
    return SP_OK;
}

int sp__rcur_i32(sp__rcur *c, int32_t *v, const char *field, ...)
{
    size_t at;
    if (take(c, 4, &at) < 0)
        FIELD_FAIL(c, field,
                   "4-byte value at byte %zu, but the message has %zu bytes",
                   at, c->n);
    uint32_t u = load32(c, at);
    memcpy(v, &u, 4);
    return SP_OK;
}

int sp__rcur_f32(sp__rcur *c, float *v, const char *field, ...)
{
    size_t at;
    if (take(c, 4, &at) < 0)
        FIELD_FAIL(c, field,
                   "4-byte value at byte %zu, but the message has %zu bytes",
                   at, c->n);
    uint32_t u = load32(c, at);
    memcpy(v, &u, 4);
    return SP_OK;
}

int sp__rcur_f64(sp__rcur *c, double *v, const char *field, ...)
{
    size_t at;
    if (take(c, 8, &at) < 0)
        FIELD_FAIL(c, field,
                   "8-byte value at byte %zu, but the message has %zu bytes",
                   at, c->n);
    uint64_t u = load64(c, at);
    memcpy(v, &u, 8);
    return SP_OK;
}

int sp__rcur_f64_array(sp__rcur *c, double *v, size_t count, const char *field,
                       ...)
{
    for (size_t i = 0; i < count; i++) {
        size_t at;
        if (take(c, 8, &at) < 0)
            FIELD_FAIL(c, field,
                       "element %zu of %zu (8 bytes) at byte %zu, but the "
                       "message has %zu bytes",
                       i, count, at, c->n);
        uint64_t u = load64(c, at);
        memcpy(&v[i], &u, 8);
    }
    return SP_OK;
}

/* The string's bytes (after its length); shared by the two readers so
 * that both check the same way. */
static int string_at(sp__rcur *c, const char **s, size_t *len,
                     const char *field, va_list ap)
{
    size_t at;
    char name[160];
    if (take(c, 4, &at) < 0) {
        field_name(c, name, sizeof name, field, ap);
        return sp__fail(SP_EFORMAT,
                        "%s: string length at byte %zu, but the message has "
                        "%zu bytes",
                        name, at, c->n);
    }
    uint32_t l = load32(c, at);
    if (l > c->n - c->pos) {
        field_name(c, name, sizeof name, field, ap);
        return sp__fail(SP_EFORMAT,
                        "%s: string of %u bytes at byte %zu, but the message "
                        "has %zu bytes",
                        name, l, at, c->n);
    }
    *s = (const char *)c->buf + c->pos;
    c->pos += l;
    /* CDR counts the NUL; ROS1 does not have one. */
    if (c->cdr && l > 0 && (*s)[l - 1] == '\0')
        l--;
    *len = l;
    return SP_OK;
}

int sp__rcur_string(sp__rcur *c, const char **s, size_t *len, const char *field,
                    ...)
{
    va_list ap;
    va_start(ap, field);
    int rc = string_at(c, s, len, field, ap);
    va_end(ap);
    return rc;
}

void sp__rosmsg_strcpy(char *dst, size_t cap, const char *s, size_t len)
{
    size_t k = len < cap - 1 ? len : cap - 1;
    if (k)
        memcpy(dst, s, k);
    dst[k] = '\0';
}

int sp__rcur_string_into(sp__rcur *c, char *dst, size_t cap, size_t *len,
                         const char *field, ...)
{
    const char *s = NULL;
    size_t l = 0;
    va_list ap;
    va_start(ap, field);
    int rc = string_at(c, &s, &l, field, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    sp__rosmsg_strcpy(dst, cap, s, l);
    if (len)
        *len = l;
    return SP_OK;
}

static int seq_head(sp__rcur *c, uint32_t *count, size_t elem_size, int align,
                    const char *field, va_list ap)
{
    size_t at;
    char name[160];
    if (take(c, 4, &at) < 0) {
        field_name(c, name, sizeof name, field, ap);
        return sp__fail(SP_EFORMAT,
                        "%s: sequence length at byte %zu, but the message "
                        "has %zu bytes",
                        name, at, c->n);
    }
    uint32_t k = load32(c, at);
    size_t p = c->pos;
    if (align && c->cdr && k > 0 && elem_size > 1) {
        size_t a = elem_size > 8 ? 8 : elem_size;
        size_t mis = (p - c->origin) % a;
        if (mis)
            p += a - mis;
    }
    /* k * elem_size in 64 bits: both are below 2^32. */
    if (p > c->n || (uint64_t)k * elem_size > (uint64_t)(c->n - p)) {
        field_name(c, name, sizeof name, field, ap);
        return sp__fail(SP_EFORMAT,
                        "%s: sequence of %u elements of %zu bytes at byte "
                        "%zu, but the message has %zu bytes",
                        name, k, elem_size, at, c->n);
    }
    if (align)
        c->pos = p;
    *count = k;
    return SP_OK;
}

int sp__rcur_seq(sp__rcur *c, uint32_t *count, size_t elem_size,
                 const uint8_t **data, const char *field, ...)
{
    va_list ap;
    va_start(ap, field);
    int rc = seq_head(c, count, elem_size, 1, field, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    *data = c->buf + c->pos;
    c->pos += (size_t)*count * elem_size;
    return SP_OK;
}

int sp__rcur_seq_len(sp__rcur *c, uint32_t *count, size_t min_elem_size,
                     const char *field, ...)
{
    va_list ap;
    va_start(ap, field);
    int rc = seq_head(c, count, min_elem_size, 0, field, ap);
    va_end(ap);
    return rc;
}

int sp__rcur_header(sp__rcur *c, sp_rosmsg_header *h)
{
    memset(h, 0, sizeof *h);
    if (c->cdr) {
        int32_t sec;
        uint32_t nsec;
        SP_TRY(sp__rcur_i32(c, &sec, "header.stamp.sec"));
        SP_TRY(sp__rcur_u32(c, &nsec, "header.stamp.nanosec"));
        h->stamp_ns = (int64_t)sec * 1000000000 + nsec;
    } else {
        uint32_t sec, nsec;
        SP_TRY(sp__rcur_u32(c, &h->seq, "header.seq"));
        SP_TRY(sp__rcur_u32(c, &sec, "header.stamp.secs"));
        SP_TRY(sp__rcur_u32(c, &nsec, "header.stamp.nsecs"));
        h->stamp_ns = (int64_t)sec * 1000000000 + nsec;
    }
    return sp__rcur_string_into(c, h->frame_id, sizeof h->frame_id,
                                &h->frame_id_len, "header.frame_id");
}
