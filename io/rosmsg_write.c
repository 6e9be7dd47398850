/* ROS 2 PointCloud2 and Image messages in CDR, and their ros2msg schema
 * texts (see sp_rosmsg_write.h). */
#include <math.h>
#include <string.h>

#include "error_int.h"
#include "sp_rosmsg_write.h"

#define SEP                                                                    \
    "\n=================================================================="     \
    "==============\n"

/* The definitions, field declarations only. rosbag2 concatenates them depth
 * first with each type's dependencies in name order, so PointCloud2 lists
 * sensor_msgs/PointField before std_msgs/Header, and Header brings
 * builtin_interfaces/Time. */
#define HEADER_DEF                                                             \
    "builtin_interfaces/Time stamp\n"                                          \
    "string frame_id\n" SEP "MSG: builtin_interfaces/Time\n"                   \
    "int32 sec\n"                                                              \
    "uint32 nanosec\n"

static const char pc2_schema[] =
    "std_msgs/Header header\n"
    "uint32 height\n"
    "uint32 width\n"
    "PointField[] fields\n"
    "bool is_bigendian\n"
    "uint32 point_step\n"
    "uint32 row_step\n"
    "uint8[] data\n"
    "bool is_dense\n" SEP "MSG: sensor_msgs/PointField\n"
    "uint8 INT8 = 1\n"
    "uint8 UINT8 = 2\n"
    "uint8 INT16 = 3\n"
    "uint8 UINT16 = 4\n"
    "uint8 INT32 = 5\n"
    "uint8 UINT32 = 6\n"
    "uint8 FLOAT32 = 7\n"
    "uint8 FLOAT64 = 8\n"
    "string name\n"
    "uint32 offset\n"
    "uint8 datatype\n"
    "uint32 count\n" SEP "MSG: std_msgs/Header\n" HEADER_DEF;

static const char image_schema[] =
    "std_msgs/Header header\n"
    "uint32 height\n"
    "uint32 width\n"
    "string encoding\n"
    "uint8 is_bigendian\n"
    "uint32 step\n"
    "uint8[] data\n" SEP "MSG: std_msgs/Header\n" HEADER_DEF;

const char *sp_rosmsg_ros2_schema(const char *type)
{
    if (type && strcmp(type, SP_ROS2_POINTCLOUD2) == 0)
        return pc2_schema;
    if (type && strcmp(type, SP_ROS2_IMAGE) == 0)
        return image_schema;
    return NULL;
}

const char *sp_rosmsg_image_encoding(sp_pixfmt fmt)
{
    switch (fmt) {
    case SP_PIX_GRAY8:
        return "mono8";
    case SP_PIX_GRAY16:
        return "mono16";
    case SP_PIX_BAYER_RGGB8:
        return "bayer_rggb8";
    case SP_PIX_BAYER_BGGR8:
        return "bayer_bggr8";
    case SP_PIX_BAYER_GRBG8:
        return "bayer_grbg8";
    case SP_PIX_BAYER_GBRG8:
        return "bayer_gbrg8";
    case SP_PIX_BAYER_RGGB16:
        return "bayer_rggb16";
    case SP_PIX_BAYER_BGGR16:
        return "bayer_bggr16";
    case SP_PIX_BAYER_GRBG16:
        return "bayer_grbg16";
    case SP_PIX_BAYER_GBRG16:
        return "bayer_gbrg16";
    case SP_PIX_RGB8:
        return "rgb8";
    case SP_PIX_BGR8:
        return "bgr8";
    case SP_PIX_RGBA8:
        return "rgba8";
    case SP_PIX_BGRA8:
        return "bgra8";
    case SP_PIX_RGB16:
        return "rgb16";
    case SP_PIX_NV12:
        return "nv12";
    case SP_PIX_YUYV:
        return "yuv422_yuy2";
    case SP_PIX_UYVY:
        return "yuv422";
    case SP_PIX_F32:
        return "32FC1";
    case SP_PIX_COUNT:
        break;
    }
    return NULL;
}

static int host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* A CDR writer; with out NULL it only counts. Alignment is measured from
 * the end of the 4-byte encapsulation header. */
typedef struct cdr {
    uint8_t *out;
    size_t pos;
} cdr;

static void put(cdr *c, const void *v, size_t n)
{
    if (c->out)
        memcpy(c->out + c->pos, v, n);
    c->pos += n;
}

static void align(cdr *c, size_t a)
{
    while ((c->pos - 4) % a) {
        if (c->out)
            c->out[c->pos] = 0;
        c->pos++;
    }
}

static void put_u8(cdr *c, uint8_t v)
{
    put(c, &v, 1);
}

static void put_u32(cdr *c, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    align(c, 4);
    put(c, b, 4);
}

static void put_str(cdr *c, const char *s, size_t n)
{
    put_u32(c, (uint32_t)(n + 1));
    put(c, s, n);
    put_u8(c, 0);
}

static int stamp_split(int64_t ns, int32_t *sec, uint32_t *nsec)
{
    int64_t s = ns / 1000000000, r = ns % 1000000000;
    if (r < 0) {
        s -= 1;
        r += 1000000000;
    }
    if (s < INT32_MIN || s > INT32_MAX)
        return sp__fail(SP_ERANGE,
                        "stamp %lld ns: %lld s does not fit the "
                        "int32 seconds of builtin_interfaces/Time",
                        (long long)ns, (long long)s);
    *sec = (int32_t)s;
    *nsec = (uint32_t)r;
    return SP_OK;
}

static void put_header(cdr *c, int32_t sec, uint32_t nsec, const char *frame,
                       size_t flen)
{
    static const uint8_t encaps[4] = {0x00, 0x01, 0x00, 0x00};
    put(c, encaps, 4);
    put_u32(c, (uint32_t)sec);
    put_u32(c, nsec);
    put_str(c, frame, flen);
}

/* Checks the room and sets *size; SP_OK when the message is to be written
 * now, SP_EOS for a size query. */
static int fit(size_t need, void *buf, size_t cap, size_t *size,
               const char *what)
{
    *size = need;
    if (!buf)
        return SP_EOS;
    if (cap < need)
        return sp__fail(SP_ERANGE,
                        "%s message needs %zu bytes, the buffer "
                        "holds %zu",
                        what, need, cap);
    return SP_OK;
}

typedef struct pc2_layout {
    uint32_t step;
    size_t nfields;
    sp_points_column col[SP_POINTS_MAX_COLUMNS];
    uint32_t offset[SP_POINTS_MAX_COLUMNS];
    uint32_t rows; /* an organised cloud's, else 1 */
} pc2_layout;

/* Every column of the cloud (sp_points_columns(): the channels under their
 * stored names and types, then the extras), packed in that order. */
static int pc2_layout_of(const sp_points *p, pc2_layout *l)
{
    l->nfields = sp_points_columns(p, l->col);
    uint64_t step = 0;
    for (size_t i = 0; i < l->nfields; i++) {
        l->offset[i] = (uint32_t)step;
        step += (uint64_t)sp_field_type_size(l->col[i].type) * l->col[i].count;
    }
    if (step > UINT32_MAX)
        return sp__fail(SP_ERANGE, "PointCloud2: %llu bytes a point",
                        (unsigned long long)step);
    l->step = (uint32_t)step;
    l->rows = p->height > 1 && p->count % p->height == 0 ? p->height : 1;
    return SP_OK;
}

/* Everything of a PointCloud2 but the point data and is_dense. */
static void pc2_head(cdr *c, const pc2_layout *l, uint32_t npts, int32_t sec,
                     uint32_t nsec, const char *frame, size_t flen)
{
    uint32_t width = npts / l->rows;
    put_header(c, sec, nsec, frame, flen);
    put_u32(c, l->rows);
    put_u32(c, width);
    put_u32(c, (uint32_t)l->nfields);
    for (size_t i = 0; i < l->nfields; i++) {
        put_str(c, l->col[i].name, strlen(l->col[i].name));
        put_u32(c, l->offset[i]);
        put_u8(c, (uint8_t)l->col[i].type);
        put_u32(c, l->col[i].count);
    }
    put_u8(c, (uint8_t)host_big_endian());
    put_u32(c, l->step);
    put_u32(c, width * l->step);
    put_u32(c, npts * l->step);
}

int sp_rosmsg_pc2_write(const sp_points *p, int64_t stamp_ns,
                        const char *frame_id, void *buf, size_t cap,
                        size_t *size)
{
    SP_GUARD(p != NULL && size != NULL);
    *size = 0;
    if (p->count && (!p->x || !p->y || !p->z || !p->intensity ||
                     ((p->fields & SP_POINTS_RING) && !p->ring) ||
                     ((p->fields & SP_POINTS_TIME) && !p->time)))
        return sp__fail(SP_EINVAL,
                        "PointCloud2: %zu points but an array "
                        "their fields name is missing",
                        p->count);
    static _Thread_local pc2_layout l;
    SP_TRY(pc2_layout_of(p, &l));
    if (l.step && p->count > UINT32_MAX / l.step)
        return sp__fail(SP_ERANGE,
                        "PointCloud2: %zu points of %u bytes pass "
                        "the 4 GiB a message's data can hold",
                        p->count, l.step);
    int32_t sec = 0;
    uint32_t nsec = 0;
    SP_TRY(stamp_split(stamp_ns, &sec, &nsec));
    const char *frame = frame_id ? frame_id : "";
    const size_t flen = strlen(frame);
    const uint32_t npts = (uint32_t)p->count;

    cdr c = {NULL, 0};
    pc2_head(&c, &l, npts, sec, nsec, frame, flen);
    const size_t data_at = c.pos;
    const size_t need = data_at + (size_t)npts * l.step + 1;
    int rc = fit(need, buf, cap, size, "PointCloud2");
    if (rc != SP_OK)
        return rc == SP_EOS ? SP_OK : rc;

    c = (cdr){buf, 0};
    pc2_head(&c, &l, npts, sec, nsec, frame, flen);
    uint8_t *d = c.out + data_at;
    for (size_t k = 0; k < l.nfields; k++)
        sp_points_column_copy(p, &l.col[k], 0, p->count, d + l.offset[k],
                              l.step);
    int dense = 1;
    for (size_t i = 0; i < p->count && dense; i++)
        if (isnan(p->x[i]) || isnan(p->y[i]) || isnan(p->z[i]))
            dense = 0;
    d[(size_t)npts * l.step] = (uint8_t)dense;
    return SP_OK;
}

static void image_head(cdr *c, const sp_image *img, const char *enc,
                       uint32_t rows, size_t row, int32_t sec, uint32_t nsec,
                       const char *frame, size_t flen)
{
    const size_t bpp = sp_pixfmt_bytes_per_pixel(img->format);
    put_header(c, sec, nsec, frame, flen);
    put_u32(c, img->height);
    put_u32(c, img->width);
    put_str(c, enc, strlen(enc));
    put_u8(c, (uint8_t)(bpp > 1 && host_big_endian()));
    put_u32(c, (uint32_t)row);
    put_u32(c, (uint32_t)(row * rows));
}

int sp_rosmsg_image_write(const sp_image *img, int64_t stamp_ns,
                          const char *frame_id, void *buf, size_t cap,
                          size_t *size)
{
    SP_GUARD(img != NULL && size != NULL);
    *size = 0;
    const char *enc = sp_rosmsg_image_encoding(img->format);
    if (!enc)
        return sp__fail(SP_EINVAL,
                        "Image: pixel format %d, expected one of "
                        "sp_pixfmt",
                        (int)img->format);
    const size_t row = sp_image_row_bytes(img->width, img->format);
    if (!img->data || img->height == 0 || row == 0 || img->stride < row)
        return sp__fail(SP_EINVAL,
                        "Image: %ux%u %s with stride %zu, expected "
                        "data, a non-empty size and a stride of at least %zu",
                        img->width, img->height, sp_pixfmt_name(img->format),
                        img->stride, row);
    /* NV12's UV plane follows the Y plane with the same stride. */
    const uint32_t rows = img->format == SP_PIX_NV12
                              ? img->height + img->height / 2
                              : img->height;
    if (row > UINT32_MAX || (uint64_t)row * rows > UINT32_MAX)
        return sp__fail(SP_ERANGE,
                        "Image: %ux%u %s passes the 4 GiB a "
                        "message's data can hold",
                        img->width, img->height, enc);
    int32_t sec = 0;
    uint32_t nsec = 0;
    SP_TRY(stamp_split(stamp_ns, &sec, &nsec));
    const char *frame = frame_id ? frame_id : "";
    const size_t flen = strlen(frame);

    cdr c = {NULL, 0};
    image_head(&c, img, enc, rows, row, sec, nsec, frame, flen);
    const size_t data_at = c.pos;
    int rc = fit(data_at + row * rows, buf, cap, size, "Image");
    if (rc != SP_OK)
        return rc == SP_EOS ? SP_OK : rc;

    c = (cdr){buf, 0};
    image_head(&c, img, enc, rows, row, sec, nsec, frame, flen);
    uint8_t *d = c.out + data_at;
    if (img->stride == row) {
        memcpy(d, img->data, row * rows);
    } else {
        for (uint32_t y = 0; y < rows; y++)
            memcpy(d + (size_t)y * row, sp_image_row(img, y), row);
    }
    return SP_OK;
}
