/* libFuzzer target: a pcap capture (io/pcap_read.c) from memory, and every
 * UDP datagram in it through the lidar packet decoders (kernels/
 * sp_lidardec.h) of one Velodyne (the HDL-64E with a table using every
 * correction) and one Hesai model chosen by byte 0 (the rest is the
 * file). Promises checked (sp_pcap.h, sp_lidardec.h):
 *  - open refuses with SP_EFORMAT naming the input ("fuzz.pcap: byte");
 *  - next returns datagrams inside the input, numbered 1, 2, ... in file
 *    order with non-decreasing offsets, then SP_EOS, or SP_EFORMAT naming
 *    the input, a byte offset and a packet number;
 *  - a datagram inspect accepts has 1..32 columns with azimuths below
 *    36000; decoding them in two calls (as a scan cut between columns
 *    does; each call wants room for max_points + 8) adds at most
 *    max_points points, into arrays of exactly that room (ASan sees a
 *    write past them), each point's coordinates finite, its ring below
 *    128 and its azimuth in [0, 360). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_lidardec.h"
#include "sp_pcap.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pcap: %s (%s)\n", what, sp_errmsg());
    abort();
}

static const sp_lidar_model velodyne[] = {SP_LIDAR_VLP16, SP_LIDAR_VLP32C,
                                          SP_LIDAR_HDL32E, SP_LIDAR_HDL64E};

/* An HDL-64E table with every correction of the driver's model (offsets,
 * two-point distance, focal intensity, clamp): the offsets path. */
static sp_lidar_calib hdl64_cal;

static void make_hdl64_cal(void)
{
    hdl64_cal.vendor = SP_LIDAR_CALIB_VELODYNE;
    hdl64_cal.nlasers = 64;
    for (unsigned i = 0; i < 64; i++) {
        sp_lidar_laser *l = &hdl64_cal.laser[i];
        l->vert = (-24.8 + 26.8 * i / 64) * 0.0174532925;
        l->rot = ((double)(i % 9) - 4.0) * 0.02;
        l->dist_correction = 1.4 + 0.002 * i;
        l->dist_correction_x = 1.42;
        l->dist_correction_y = 1.39;
        l->two_pt = 1;
        l->vert_offset = 0.2;
        l->horiz_offset = i & 1 ? 0.026 : -0.026;
        l->focal_distance = 10.5;
        l->focal_slope = 1.2;
        l->min_intensity = 5;
        l->max_intensity = 250;
        l->ring = -1;
    }
}
static const sp_lidar_model hesai[] = {SP_LIDAR_PANDAR64, SP_LIDAR_PANDAR40P,
                                       SP_LIDAR_XT32, SP_LIDAR_QT64};

static sp_kctx *k;

static void decode_all(sp_lidardec *d, const uint8_t *p, size_t n)
{
    sp_lidardec_info info;
    int rc = sp_lidardec_inspect(d, p, n, &info);
    if (rc != SP_OK) {
        if (rc != SP_EFORMAT)
            fail("inspect: not SP_EFORMAT");
        return;
    }
    if (info.ncols < 1 || info.ncols > SP_LIDARDEC_MAX_COLS)
        fail("column count");
    for (unsigned c = 0; c < info.ncols; c++)
        if (info.col_az[c] >= 36000)
            fail("column azimuth");
    size_t cap = 2 * (sp_lidardec_max_points(d) + 8);
    size_t bytes = sp_points_block_size(cap, SP_POINTS_RING | SP_POINTS_TIME);
    void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    float *az = malloc(cap * 4), *dist = malloc(cap * 4);
    uint8_t *rt = malloc(cap);
    sp_points pts;
    if (!mem || !az || !dist || !rt ||
        sp_points_init(&pts, mem, bytes, cap, SP_POINTS_RING | SP_POINTS_TIME))
        fail("alloc");
    sp_lidardec_out o = {&pts, az, dist, rt};
    /* Two halves, as a scan cut between columns decodes them. */
    unsigned mid = info.ncols / 2;
    if (sp_lidardec_decode(d, p, n, 0, mid, 0.0, &o) != SP_OK ||
        sp_lidardec_decode(d, p, n, mid, info.ncols, 0.001, &o) != SP_OK)
        fail("decode refused an inspected packet");
    if (pts.count > sp_lidardec_max_points(d))
        fail("too many points");
    for (size_t i = 0; i < pts.count; i++)
        if (!isfinite(pts.x[i]) || !isfinite(pts.y[i]) || !isfinite(pts.z[i]) ||
            pts.ring[i] >= 128 || !(az[i] >= 0) || !(az[i] < 360.0f))
            fail("point values");
    /* The same halves as one scan call: the same points. */
    size_t n1 = pts.count;
    float *x1 = malloc(n1 * 4 + 4), *z1 = malloc(n1 * 4 + 4);
    if (!x1 || !z1)
        fail("alloc");
    memcpy(x1, pts.x, n1 * 4);
    memcpy(z1, pts.z, n1 * 4);
    pts.count = 0;
    sp_lidardec_packet pk[2] = {{p, n, 0, mid, 0.0},
                                {p, n, mid, info.ncols, 0.001}};
    if (sp_lidardec_decode_packets(d, pk, 2, &o) != SP_OK)
        fail("decode_packets refused an inspected packet");
    if (pts.count != n1 || memcmp(x1, pts.x, n1 * 4) ||
        memcmp(z1, pts.z, n1 * 4))
        fail("decode_packets differs from decode");
    free(x1);
    free(z1);
    free(mem);
    free(az);
    free(dist);
    free(rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!k) {
        sp_kctx_desc kd = {.backend = SP_BACKEND_SIMD};
        if (sp_kctx_create(&kd, &k) != SP_OK &&
            sp_kctx_create(NULL, &k) != SP_OK)
            fail("kctx");
    }
    if (!hdl64_cal.nlasers)
        make_hdl64_cal();
    uint8_t sel = data[0];
    sp_lidardec_desc dv = {.model = velodyne[sel % 4],
                           .calib = sel % 4 == 3 ? &hdl64_cal : NULL,
                           .ret = (sp_lidar_return)((sel >> 2) % 3),
                           .min_angle = (sel & 0x80) ? 270 : 0,
                           .max_angle = (sel & 0x80) ? 90 : 0};
    sp_lidardec_desc dh = dv;
    dh.model = hesai[(sel >> 4) % 4];
    dh.calib = NULL;
    /* Decoders are made once per setting and kept (their tables take a
     * while): a decoder holds no state between packets. */
    static sp_lidardec *cache[SP_LIDAR_MODEL_COUNT][3][2];
    sp_lidardec **vp = &cache[dv.model][dv.ret][sel >> 7];
    sp_lidardec **hp = &cache[dh.model][dh.ret][sel >> 7];
    if ((!*vp && sp_lidardec_create(k, &dv, vp) != SP_OK) ||
        (!*hp && sp_lidardec_create(k, &dh, hp) != SP_OK))
        fail("decoder");
    sp_lidardec *vd = *vp, *hd = *hp;
    uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
    memcpy(copy, data + 1, size - 1);
    sp_pcap_reader *r = NULL;
    int rc = sp_pcap_open_mem(copy, size - 1, "fuzz.pcap", &r);
    if (rc != SP_OK) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), "fuzz.pcap: byte"))
            fail("open refusal");
    } else {
        sp_pcap_packet pk;
        uint64_t last_no = 0, last_off = 0;
        while ((rc = sp_pcap_next(r, &pk)) == SP_OK) {
            if (pk.data < copy || pk.data + pk.len > copy + (size - 1))
                fail("datagram outside the input");
            if (pk.number <= last_no || pk.offset < last_off)
                fail("numbering");
            last_no = pk.number;
            last_off = pk.offset;
            decode_all(vd, pk.data, pk.len);
            decode_all(hd, pk.data, pk.len);
        }
        if (rc != SP_EOS &&
            (rc != SP_EFORMAT || !strstr(sp_errmsg(), "fuzz.pcap: byte") ||
             !strstr(sp_errmsg(), "packet ")))
            fail("next refusal");
        sp_pcap_close(r);
    }
    free(copy);
    return 0;
}
