/* libFuzzer target: Ouster metadata JSON and lidar packets.
 *  - byte 0 even: the rest up to the first NUL is a metadata JSON
 *    (sp_ouster_meta_parse on an exact-size copy); an accepted one must
 *    keep its promises (beams, columns, shifts, profile, transforms'
 *    last row) and, when its frame is small enough for the harness, the
 *    bytes after the NUL are cut into packets of its packet size and
 *    decoded;
 *  - byte 0 odd: a synthetic geometry (profile (byte 0 >> 1) % 4, beams
 *    byte 1 % 40 + 1, 16 columns per packet, 256 per frame) and the rest
 *    are packets, whole or cut short.
 * Every packet goes through sp_ouster_peek() (a refusal is SP_EFORMAT
 * with a message) and, when accepted, sp_ouster_decode() with the scalar
 * back-end and with SIMD, which must agree bit for bit on every column
 * received; then the points and both range images are made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ouster_int.h"
#include "sp_ouster_meta.h"

#define MAX_PIXELS 65536u

static void require_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a message\n", where, rc);
        abort();
    }
}

static void *xalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (!p)
        abort();
    return p;
}

static void compare(const sp_ouster_scan *a, const sp_ouster_scan *b)
{
    size_t h = a->beams;
    if (a->ncols != b->ncols || a->frame_id != b->frame_id)
        abort();
    for (uint32_t m = 0; m < a->cols; m++) {
        if (a->seen[m] != b->seen[m])
            abort();
        if (!a->seen[m])
            continue;
        size_t o = (size_t)m * h;
        for (uint32_t r = 0; r < a->returns; r++)
            if (memcmp(a->range[r] + o, b->range[r] + o, h * 4) ||
                memcmp(a->signal[r] + o, b->signal[r] + o, h * 2) ||
                memcmp(a->reflectivity[r] + o, b->reflectivity[r] + o, h * 2) ||
                memcmp(a->x[r] + o, b->x[r] + o, h * 4) ||
                memcmp(a->y[r] + o, b->y[r] + o, h * 4) ||
                memcmp(a->z[r] + o, b->z[r] + o, h * 4))
                abort();
        if (memcmp(a->nir + o, b->nir + o, h * 2))
            abort();
    }
}

static void packets(const sp_ouster_geom *g, const uint8_t *data, size_t n)
{
    if ((size_t)g->beams * g->cols_per_frame > MAX_PIXELS)
        return;
    sp_ouster_plan *p = NULL;
    int rc = sp_ouster_plan_create(g, &p);
    require_message(rc, "plan");
    if (rc != SP_OK)
        return;
    static sp_kctx *ks, *kv;
    if (!ks) {
        sp_kctx_desc s = {.backend = SP_BACKEND_SCALAR}, v = {0};
        if (sp_kctx_create(&s, &ks) || sp_kctx_create(&v, &kv))
            abort();
    }
    size_t ss = sp_ouster_scan_size(p), psz = sp_ouster_plan_packet_size(p);
    void *m1 = xalloc(ss), *m2 = xalloc(ss);
    sp_ouster_scan a, b;
    if (sp_ouster_scan_init(&a, p, m1, ss) ||
        sp_ouster_scan_init(&b, p, m2, ss))
        abort();
    for (size_t off = 0; off < n; off += psz) {
        size_t len = n - off < psz ? n - off : psz;
        /* An exact-size copy, so that a read past the packet is caught. */
        uint8_t *pk = malloc(len ? len : 1);
        memcpy(pk, data + off, len);
        sp_ouster_packet info;
        rc = sp_ouster_peek(p, pk, len, &info);
        require_message(rc, "peek");
        if (rc == SP_OK && len != psz)
            abort();
        if (rc == SP_OK) {
            if (a.packets && info.frame_id != a.frame_id) {
                sp_ouster_scan_reset(&a);
                sp_ouster_scan_reset(&b);
            }
            if (sp_ouster_decode(ks, p, pk, len, &a) != SP_OK ||
                sp_ouster_decode(kv, p, pk, len, &b) != SP_OK)
                abort();
            compare(&a, &b);
        }
        free(pk);
    }
    sp_points_layout lay;
    sp_ouster_points_layout(&lay);
    size_t cap = sp_ouster_points_max(p);
    size_t pb = sp_points_block_size_layout(cap, &lay);
    void *pm = xalloc(pb);
    sp_points pts;
    if (sp_points_init_layout(&pts, pm, pb, cap, &lay))
        abort();
    sp_ouster_points_params prm = {
        .mode = SP_OUSTER_DUAL, .min_range = 0.5f, .max_range = 100};
    if (sp_ouster_points(p, &a, &prm, &pts) != SP_OK || pts.count > cap)
        abort();
    size_t shape[3] = {5, g->beams, g->cols_per_frame};
    size_t tb = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
    void *tm = xalloc(tb);
    sp_tensor t;
    if (sp_tensor_init(&t, tm, tb, SP_DTYPE_F32, 3, shape) ||
        sp_ouster_range_image(p, &a, 0, &t) ||
        sp_ouster_range_image(p, &a, 1, &t))
        abort();
    free(tm);
    free(pm);
    free(m1);
    free(m2);
    sp_ouster_plan_destroy(p);
}

static void meta(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t jn = nul ? (size_t)(nul - data) : size;
    char *text = malloc(jn ? jn : 1);
    memcpy(text, data, jn);
    static sp_ouster_meta m;
    int rc = sp_ouster_meta_parse(text, jn, "m.json", &m);
    free(text);
    require_message(rc, "meta");
    if (rc < 0) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), "m.json"))
            abort();
        return;
    }
    if (m.pixels_per_column < 1 || m.pixels_per_column > SP_OUSTER_MAX_BEAMS ||
        m.columns_per_frame < 1 || m.columns_per_frame > SP_OUSTER_MAX_COLS ||
        m.columns_per_frame % m.columns_per_packet ||
        (unsigned)m.profile > SP_OUSTER_RNG15_RFL8_NIR8 ||
        m.lidar_to_sensor[15] != 1 || m.beam_to_lidar[15] != 1 ||
        m.column_window[0] >= m.columns_per_frame ||
        m.column_window[1] >= m.columns_per_frame ||
        sp_ouster_packet_size(&m) == 0)
        abort();
    for (uint32_t b = 0; b < m.pixels_per_column; b++)
        if (m.pixel_shift_by_row[b] < -(int32_t)m.columns_per_frame ||
            m.pixel_shift_by_row[b] > (int32_t)m.columns_per_frame)
            abort();
    if (!nul)
        return;
    sp_ouster_geom g = {
        .profile = (sp_ouster_pkt)m.profile,
        .beams = m.pixels_per_column,
        .cols_per_packet = m.columns_per_packet,
        .cols_per_frame = m.columns_per_frame,
        .altitude_deg = m.beam_altitude_deg,
        .azimuth_deg = m.beam_azimuth_deg,
        .pixel_shift = m.pixel_shift_by_row,
        .init_id = m.init_id,
        .prod_sn = m.prod_sn,
    };
    memcpy(g.beam_to_lidar, m.beam_to_lidar, sizeof g.beam_to_lidar);
    memcpy(g.lidar_to_sensor, m.lidar_to_sensor, sizeof g.lidar_to_sensor);
    packets(&g, nul + 1, size - jn - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        meta(data + 1, size - 1);
        return 0;
    }
    if (size < 2)
        return 0;
    static double alt[64], az[64];
    static int32_t shift[64];
    for (int b = 0; b < 64; b++) {
        alt[b] = 45.0 - 1.4 * b;
        az[b] = (b % 4) * 2.8 - 4.2;
        shift[b] = (b % 4) * 6 - 3;
    }
    sp_ouster_geom g = {
        .profile = (sp_ouster_pkt)((data[0] >> 1) % 4),
        .beams = data[1] % 40u + 1,
        .cols_per_packet = 16,
        .cols_per_frame = 256,
        .altitude_deg = alt,
        .azimuth_deg = az,
        .pixel_shift = shift,
        .beam_to_lidar = {1, 0, 0, 27.67, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1},
        .lidar_to_sensor = {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 36.18, 0, 0, 0,
                            1},
    };
    packets(&g, data + 2, size - 2);
    return 0;
}
