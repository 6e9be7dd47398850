/* libFuzzer target: serialized ROS messages (io/sp_rosmsg.h). The first
 * byte picks the type and encoding (kind = byte % 5: PointCloud2, Image,
 * CompressedImage, CameraInfo, LaserScan; CDR when byte / 5 is odd, else
 * ROS1), the rest is the message, handed over as an exact-size heap copy
 * so ASan sees any read past it. A parse that succeeds goes on to the
 * next step as a pipeline would: the field plan (with and without a map),
 * the pixel copy, the JPEG/PNG header and decode, the calibration, the
 * scan's points, into memory sized from the parsed (checked) values.
 * Checked besides "no crash": every refusal carries a message; what a
 * parse accepts obeys the header's promises (data inside the input, the
 * fields inside point_step, rows inside the data); a copy or points call
 * on an accepted message succeeds. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_rosmsg.h"

/* Bounds on what the harness allocates; the message's own checks tie
 * sizes to its bytes, so these guard the harness only. */
#define MAX_PIXELS (1u << 22)

static void need_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a message\n", where, rc);
        abort();
    }
}

static void inside(const uint8_t *p, size_t n, const uint8_t *b, size_t bn)
{
    if (n && (p < b || p + n > b + bn))
        abort();
}

static void *image_alloc(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt)
{
    size_t n = sp_image_block_size(w, h, fmt, 0);
    if (n == 0)
        return NULL;
    void *mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (mem && sp_image_init(img, mem, n, w, h, fmt, 0) != SP_OK)
        abort();
    return mem;
}

static void pc2(const uint8_t *b, size_t n, sp_rosmsg_enc enc)
{
    sp_pc2_msg m;
    int rc = sp_rosmsg_pc2_parse(b, n, enc, &m);
    need_message(rc, "pc2 parse");
    if (rc != SP_OK)
        return;
    inside(m.data, m.data_size, b, n);
    if (m.nfields > SP_PC2_MAX_FIELDS ||
        (uint64_t)m.row_step * m.height > m.data_size ||
        m.row_step < (uint64_t)m.width * m.point_step)
        abort();
    for (uint32_t i = 0; i < m.nfields; i++)
        if ((uint64_t)m.fields[i].offset +
                (uint64_t)sp_rosmsg_pc2_type_size(m.fields[i].datatype) *
                    m.fields[i].count >
            m.point_step)
            abort();
    sp_pc2_plan p;
    rc = sp_rosmsg_pc2_plan(&m, NULL, &p);
    need_message(rc, "plan");
    if (rc == SP_OK &&
        (p.ix < 0 || p.iy < 0 || p.iz < 0 || (uint32_t)p.ix >= m.nfields ||
         strlen(p.dropped) >= sizeof p.dropped))
        abort();
    rc = sp_rosmsg_pc2_plan(&m, "ring:channel,time:t,intensity:x", &p);
    need_message(rc, "plan with a map");
}

static void image(const uint8_t *b, size_t n, sp_rosmsg_enc enc)
{
    sp_rosimg_msg m;
    int rc = sp_rosmsg_image_parse(b, n, enc, &m);
    need_message(rc, "image parse");
    if (rc != SP_OK)
        return;
    inside(m.data, m.data_size, b, n);
    sp_pixfmt fmt;
    rc = sp_rosmsg_image_format(m.encoding, &fmt);
    need_message(rc, "image format");
    if (rc != SP_OK || (uint64_t)m.width * m.height > MAX_PIXELS)
        return;
    sp_image img;
    void *mem = image_alloc(&img, m.width, m.height, fmt);
    if (!mem)
        return;
    if (sp_rosmsg_image_copy(&m, &img) != SP_OK)
        abort(); /* the parse accepted it, so it must copy */
    free(mem);
}

static void cimage(const uint8_t *b, size_t n, sp_rosmsg_enc enc)
{
    static sp_rosmsg_decoder *d;
    if (!d && sp_rosmsg_decoder_create(&d) != SP_OK)
        abort();
    sp_roscimg_msg m;
    int rc = sp_rosmsg_cimage_parse(b, n, enc, &m);
    need_message(rc, "cimage parse");
    if (rc != SP_OK)
        return;
    inside(m.data, m.data_size, b, n);
    uint32_t w, h;
    sp_pixfmt fmt;
    rc = sp_rosmsg_cimage_info(d, &m, &w, &h, &fmt);
    need_message(rc, "cimage info");
    if (rc != SP_OK || (uint64_t)w * h > MAX_PIXELS)
        return;
    sp_image img;
    void *mem = image_alloc(&img, w, h, fmt);
    if (!mem)
        return;
    rc = sp_rosmsg_cimage_decode(d, &m, &img);
    need_message(rc, "cimage decode");
    free(mem);
}

static void caminfo(const uint8_t *b, size_t n, sp_rosmsg_enc enc)
{
    sp_caminfo_msg m;
    int rc = sp_rosmsg_caminfo_parse(b, n, enc, &m);
    need_message(rc, "caminfo parse");
    if (rc != SP_OK)
        return;
    sp_calib c;
    rc = sp_rosmsg_caminfo_to_calib(&m, "fuzz", &c);
    need_message(rc, "to_calib");
    if (rc == SP_OK &&
        (c.dist_model < 0 || c.dist_model > 2 || c.width < 0 || c.height < 0))
        abort();
}

static void scan(const uint8_t *b, size_t n, sp_rosmsg_enc enc)
{
    sp_laserscan_msg m;
    int rc = sp_rosmsg_laserscan_parse(b, n, enc, &m);
    need_message(rc, "scan parse");
    if (rc != SP_OK)
        return;
    inside(m.ranges, 4 * (size_t)m.nranges, b, n);
    inside(m.intensities, 4 * (size_t)m.nintensities, b, n);
    size_t cap = m.nranges ? m.nranges : 1;
    size_t bytes = sp_points_block_size(cap, SP_POINTS_TIME);
    void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    sp_points p;
    if (!mem || sp_points_init(&p, mem, bytes, cap, SP_POINTS_TIME) != SP_OK)
        abort();
    if (sp_rosmsg_laserscan_points(&m, &p) != SP_OK || p.count != m.nranges)
        abort();
    for (size_t i = 0; i < p.count; i++)
        if (isnan(p.x[i]) != isnan(p.z[i]))
            abort(); /* invalid ranges are NaN in every coordinate */
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    sp_rosmsg_enc enc = (data[0] / 5) % 2 ? SP_ROSMSG_CDR : SP_ROSMSG_ROS1;
    size_t n = size - 1;
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return 0;
    memcpy(b, data + 1, n);
    sp_errmsg_clear();
    switch (data[0] % 5) {
    case 0:
        pc2(b, n, enc);
        break;
    case 1:
        image(b, n, enc);
        break;
    case 2:
        cimage(b, n, enc);
        break;
    case 3:
        caminfo(b, n, enc);
        break;
    default:
        scan(b, n, enc);
        break;
    }
    free(b);
    return 0;
}
