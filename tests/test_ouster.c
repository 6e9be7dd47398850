/* ctest-label: simd */
/* Ouster metadata (both layouts, every refusal) and the packet decoder:
 * the real captures of ../shared/data/pcap/ouster decode to one full
 * frame, every SIMD level is bit-exact against scalar (real packets and
 * synthetic ones of every profile with beam counts that leave tails), and
 * hostile packets are refused with the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels_int.h"
#include "ouster_int.h"
#include "ouster_test.h"
#include "sp_iotest.h"

static sp_kctx *ctx(sp_backend be)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = be};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

static void test_meta_real(void **state)
{
    (void)state;
    static const struct {
        sp_ouster_profile prof;
        uint32_t beams;
        size_t pkt;
        int32_t shift0;
        double alt0;
        const char *line;
    } want[OT_NCAPS] = {
        {SP_OUSTER_LEGACY, 32, 6464, 0, 12.75, "OS-1-32-G"},
        {SP_OUSTER_RNG19_RFL8_SIG16_NIR16_DUAL, 32, 8448, 26, 43.88,
         "OS-0-32-U1"},
        {SP_OUSTER_RNG15_RFL8_NIR8, 128, 8448, 64, 45.75, "OS-0-128"},
    };
    for (int i = 0; i < OT_NCAPS; i++) {
        sp_ouster_meta m;
        if (!ot_meta_load(ot_caps[i], &m))
            skip();
        assert_int_equal(m.profile, want[i].prof);
        assert_int_equal(m.pixels_per_column, want[i].beams);
        assert_int_equal(m.columns_per_frame, 1024);
        assert_int_equal(m.columns_per_packet, 16);
        assert_int_equal(m.frequency_hz, 10);
        assert_int_equal(m.column_window[0], 0);
        assert_int_equal(m.column_window[1], 1023);
        assert_int_equal(m.pixel_shift_by_row[0], want[i].shift0);
        assert_true(m.beam_altitude_deg[0] == want[i].alt0);
        assert_int_equal(sp_ouster_packet_size(&m), want[i].pkt);
        assert_string_equal(m.prod_line, want[i].line);
        assert_true(m.lidar_to_sensor[0] == -1 &&
                    m.lidar_to_sensor[11] == 36.18);
        /* No beam_to_lidar_transform before firmware 2.4: the identity
         * with lidar_origin_to_beam_origin_mm as x. */
        assert_true(m.beam_to_lidar[3] == m.lidar_origin_to_beam_origin_mm);
        assert_int_equal(m.nested, 0);
    }
}

/* The nested layout of firmware 2.4+ / ouster-sdk 0.8+, 4 beams. */
static const char nested[] =
    "{\"beam_intrinsics\": {\"beam_altitude_angles\": [10, 5, -5, -10],"
    " \"beam_azimuth_angles\": [3, 1, -1, -3],"
    " \"beam_to_lidar_transform\": [1,0,0,15.8, 0,1,0,0, 0,0,1,2.5, 0,0,0,1],"
    " \"lidar_origin_to_beam_origin_mm\": 16.0},"
    " \"lidar_intrinsics\": {\"lidar_to_sensor_transform\":"
    " [1,0,0,0, 0,1,0,0, 0,0,1,38.2, 0,0,0,1]},"
    " \"config_params\": {\"lidar_mode\": \"512x20\","
    " \"udp_profile_lidar\": \"RNG19_RFL8_SIG16_NIR16\"},"
    " \"lidar_data_format\": {\"pixels_per_column\": 4,"
    " \"columns_per_packet\": 16, \"columns_per_frame\": 512,"
    " \"column_window\": [0, 511], \"pixel_shift_by_row\": [6, 2, -2, -6],"
    " \"udp_profile_lidar\": \"RNG19_RFL8_SIG16_NIR16\"},"
    " \"sensor_info\": {\"prod_line\": \"OS-2-128\", \"build_rev\":"
    " \"v3.0.1\", \"prod_sn\": \"122201000998\","
    " \"initialization_id\": 7109746}}";

static void test_meta_nested(void **state)
{
    (void)state;
    sp_ouster_meta m;
    assert_int_equal(sp_ouster_meta_parse(nested, strlen(nested), "n.json", &m),
                     SP_OK);
    assert_int_equal(m.nested, 1);
    assert_int_equal(m.profile, SP_OUSTER_RNG19_RFL8_SIG16_NIR16);
    assert_int_equal(m.pixels_per_column, 4);
    assert_int_equal(m.columns_per_frame, 512);
    assert_int_equal(m.frequency_hz, 20);
    assert_int_equal(m.pixel_shift_by_row[3], -6);
    assert_true(m.beam_to_lidar[3] == 15.8 && m.beam_to_lidar[11] == 2.5);
    assert_true(m.lidar_to_sensor[11] == 38.2);
    assert_int_equal(m.prod_sn, 122201000998ull);
    assert_int_equal(m.init_id, 7109746);
    assert_string_equal(m.build_rev, "v3.0.1");
    assert_int_equal(sp_ouster_packet_size(&m), 32 + 16 * (12 + 48) + 32);
}

static void meta_refused(const char *text, const char *a, const char *b)
{
    sp_ouster_meta m;
    assert_int_equal(sp_ouster_meta_parse(text, strlen(text), "bad.json", &m),
                     SP_EFORMAT);
    iot_msg_has("bad.json", a, b, NULL);
}

/* The nested text with one substring replaced. */
static const char *edit(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(nested, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - nested), nested, to,
             at + strlen(from));
    return buf;
}

static void test_meta_errors(void **state)
{
    (void)state;
    meta_refused("{\"a\": [1, 2,]}", "line 1", "expected Ouster");
    meta_refused("[1]", "top level", "object");
    meta_refused("{}", "key 'beam_altitude_angles' missing", NULL);
    meta_refused(edit("[3, 1, -1, -3]", "[3, 1, -1]"),
                 "key 'beam_intrinsics.beam_azimuth_angles'",
                 "3 values, expected 4");
    meta_refused(edit("[10, 5, -5, -10]", "[10, 5, \"x\", -10]"),
                 "beam_intrinsics.beam_altitude_angles", "element 2");
    meta_refused(edit("\"pixels_per_column\": 4", "\"pixels_per_column\": 8"),
                 "lidar_data_format.pixels_per_column", "has 4 beams");
    meta_refused(
        edit("\"columns_per_frame\": 512", "\"columns_per_frame\": 1024"),
        "columns_per_frame': 1024", "lidar_mode '512x20'");
    meta_refused(edit("\"512x20\"", "\"fast\""), "config_params.lidar_mode",
                 "COLUMNSxHZ");
    meta_refused(edit("\"udp_profile_lidar\": \"RNG19_RFL8_SIG16_NIR16\"}",
                      "\"udp_profile_lidar\": \"FUSA_RNG15\"}"),
                 "config_params.udp_profile_lidar': 'FUSA_RNG15', but",
                 "lidar_data_format.udp_profile_lidar' says");
    meta_refused(edit("\"RNG19_RFL8_SIG16_NIR16\"}, \"sensor_info\"",
                      "\"FUSA_RNG15\"}, \"sensor_info\""),
                 "lidar_data_format.udp_profile_lidar",
                 "'FUSA_RNG15' not "
                 "supported");
    meta_refused(edit("[6, 2, -2, -6]", "[6, 2.5, -2, -6]"),
                 "pixel_shift_by_row", "element 1 is 2.5");
    meta_refused(edit("0,0,1,38.2, 0,0,0,1", "0,0,1,38.2, 0,0,1,1"),
                 "lidar_to_sensor_transform", "expected 0 0 0 1");
    meta_refused(
        edit("\"columns_per_packet\": 16", "\"columns_per_packet\": 7"),
        "columns_per_packet': 7 does not divide", NULL);
    meta_refused("{\"a\": 1, \"a\": 2}", "duplicate", NULL);
    sp_ouster_meta m;
    assert_int_equal(sp_ouster_meta_load(iot_tmp("absent.json"), &m), SP_EIO);
    iot_msg_has("absent.json", "cannot open", NULL);
}

/* Every valid column's planes of two scans are the same bytes. */
static void same_scan(const ot_decoder *a, const ot_decoder *b,
                      const char *what)
{
    const sp_ouster_scan *s = &a->scan, *t = &b->scan;
    size_t h = s->beams;
    assert_int_equal(s->ncols, t->ncols);
    for (uint32_t m = 0; m < s->cols; m++) {
        assert_int_equal(s->seen[m], t->seen[m]);
        if (!s->seen[m])
            continue;
        size_t o = m * h;
        for (uint32_t r = 0; r < s->returns; r++) {
            int bad =
                memcmp(s->range[r] + o, t->range[r] + o, h * 4) ||
                memcmp(s->reflectivity[r] + o, t->reflectivity[r] + o, h * 2) ||
                memcmp(s->signal[r] + o, t->signal[r] + o, h * 2) ||
                memcmp(s->x[r] + o, t->x[r] + o, h * 4) ||
                memcmp(s->y[r] + o, t->y[r] + o, h * 4) ||
                memcmp(s->z[r] + o, t->z[r] + o, h * 4);
            if (bad)
                fail_msg("%s: column %u return %u differs from scalar", what, m,
                         r);
        }
        assert_memory_equal(s->nir + o, t->nir + o, h * 2);
    }
}

static const char *const levels[] = {"sse41", "avx2", "neon"};
static const sp_simd_level level_ids[] = {SP_SIMD_SSE41, SP_SIMD_AVX2,
                                          SP_SIMD_NEON};

/* Decodes with every SIMD level the CPU has and compares with scalar. */
static void check_levels(const sp_ouster_meta *m, const ot_capture *c,
                         const char *name)
{
    sp_kctx *ks = ctx(SP_BACKEND_SCALAR);
    ot_decoder ref;
    ot_decoder_init(&ref, m);
    if (ot_decode_all(&ref, ks, c)) {
        assert_int_equal(sp_kctx_last_backend(ks), SP_BACKEND_SCALAR);
        assert_int_equal(sp_kctx_last_simd(ks), SP_SIMD_NONE);
    }
    for (int l = 0; l < 3; l++) {
        sp_simd_level best = sp__simd_cpu_best();
        if (best == SP_SIMD_NONE || level_ids[l] > best ||
            (best == SP_SIMD_NEON) != (level_ids[l] == SP_SIMD_NEON))
            continue;
        setenv("SP_SIMD", levels[l], 1);
        sp_kctx *k = ctx(SP_BACKEND_SIMD);
        assert_int_equal(sp_kctx_simd_level(k), level_ids[l]);
        ot_decoder d;
        ot_decoder_init(&d, m);
        /* The level asked for ran, not a scalar stand-in. */
        if (ot_decode_all(&d, k, c)) {
            assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SIMD);
            assert_int_equal(sp_kctx_last_simd(k), level_ids[l]);
        }
        char what[128];
        snprintf(what, sizeof what, "%s %s", name, levels[l]);
        same_scan(&ref, &d, what);
        ot_decoder_free(&d);
        sp_kctx_destroy(k);
        unsetenv("SP_SIMD");
    }
    ot_decoder_free(&ref);
    sp_kctx_destroy(ks);
}

static void test_decode_real(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        sp_ouster_meta m;
        ot_capture c;
        if (!ot_meta_load(ot_caps[i], &m) || !ot_capture_load(ot_caps[i], &c))
            skip();
        sp_kctx *k = ctx(SP_BACKEND_AUTO);
        ot_decoder d;
        ot_decoder_init(&d, &m);
        /* One frame: 64 packets of 16 columns, every column once. */
        assert_int_equal(ot_decode_all(&d, k, &c), 64);
        assert_int_equal(d.scan.packets, 64);
        assert_int_equal(d.scan.ncols, 1024);
        for (uint32_t col = 0; col < 1024; col++)
            assert_int_equal(d.scan.seen[col], 1);
        /* Columns 100 us apart at 10 Hz, 1024 columns. */
        uint64_t dt = d.scan.col_time_ns[1023] - d.scan.col_time_ns[0];
        assert_true(dt > 95000000ull && dt < 105000000ull);
        assert_true(d.scan.t0_ns == d.scan.col_time_ns[0]);
        /* The other packets are IMU packets (48 bytes, port 7503). */
        for (size_t p = 0; p < c.n; p++)
            if (c.len[p] != sp_ouster_plan_packet_size(d.plan))
                assert_int_equal(c.len[p], 48);
        ot_decoder_free(&d);
        sp_kctx_destroy(k);
        check_levels(&m, &c, ot_caps[i]);
        ot_capture_free(&c);
    }
}

/* Synthetic packets: random pixels with valid headers, every profile,
 * beam counts that leave SIMD tails (5, 20, 37) and a full 128. */
static void test_levels_synthetic(void **state)
{
    (void)state;
    static const uint32_t beams[] = {5, 20, 37, 128};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int prof = 0; prof < 4; prof++)
        for (size_t bi = 0; bi < sizeof beams / sizeof *beams; bi++) {
            sp_ouster_meta m;
            memset(&m, 0, sizeof m);
            m.profile = (sp_ouster_profile)prof;
            m.pixels_per_column = beams[bi];
            m.columns_per_packet = 16;
            m.columns_per_frame = 512;
            for (uint32_t b = 0; b < beams[bi]; b++) {
                m.beam_altitude_deg[b] = 40.0 - 80.0 * b / beams[bi];
                m.beam_azimuth_deg[b] = (b % 4) * 1.7 - 3.0;
                m.pixel_shift_by_row[b] = (int32_t)(b % 4) * 6;
            }
            double l2s[16] = {-1, 0, 0, 0,     0, -1, 0, 0,
                              0,  0, 1, 36.18, 0, 0,  0, 1};
            memcpy(m.lidar_to_sensor, l2s, sizeof l2s);
            m.beam_to_lidar[0] = m.beam_to_lidar[5] = m.beam_to_lidar[10] =
                m.beam_to_lidar[15] = 1;
            m.beam_to_lidar[3] = 27.67;
            m.beam_to_lidar[11] = prof == 1 ? 3.5 : 0;
            size_t n = sp_ouster_packet_size(&m), npk = 8;
            ot_capture c = {0};
            c.file = malloc(n * npk);
            c.payload = calloc(npk, sizeof *c.payload);
            c.len = calloc(npk, sizeof *c.len);
            for (size_t p = 0; p < npk; p++) {
                uint8_t *pk = c.file + p * n;
                for (size_t i = 0; i < n; i++) {
                    seed =
                        seed * 6364136223846793005ull + 1442695040888963407ull;
                    pk[i] = (uint8_t)(seed >> 56);
                }
                size_t hdr = prof ? 32 : 0;
                size_t col = prof ? 12 + beams[bi] * (prof == 2   ? 16
                                                      : prof == 3 ? 4
                                                                  : 12)
                                  : 16 + beams[bi] * 12 + 4;
                if (prof) {
                    pk[0] = 1, pk[1] = 0, pk[2] = 7, pk[3] = 0;
                }
                for (size_t k = 0; k < 16; k++) {
                    uint8_t *cb = pk + hdr + k * col;
                    uint16_t mid = (uint16_t)(p * 16 + k);
                    cb[8] = (uint8_t)mid, cb[9] = (uint8_t)(mid >> 8);
                    if (prof) {
                        cb[10] = k == 3 ? 0 : 1; /* one invalid column */
                    } else {
                        cb[10] = 7, cb[11] = 0;
                        memset(cb + col - 4, k == 3 ? 0 : 0xff, 4);
                    }
                }
                c.payload[p] = pk;
                c.len[p] = n;
            }
            c.n = npk;
            char name[64];
            snprintf(name, sizeof name, "profile %d beams %u", prof, beams[bi]);
            check_levels(&m, &c, name);
            ot_capture_free(&c);
        }
}

static sp_ouster_plan *real_plan(int i, sp_ouster_meta *m, ot_capture *c)
{
    if (!ot_meta_load(ot_caps[i], m) || !ot_capture_load(ot_caps[i], c))
        return NULL;
    sp_ouster_geom g;
    ot_geom(m, &g);
    sp_ouster_plan *p = NULL;
    assert_int_equal(sp_ouster_plan_create(&g, &p), SP_OK);
    return p;
}

static const uint8_t *first_lidar(const ot_capture *c, size_t n)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->len[i] == n)
            return c->payload[i];
    fail();
    return NULL;
}

static void test_hostile(void **state)
{
    (void)state;
    sp_ouster_meta m0, m1;
    ot_capture c0, c1;
    sp_ouster_plan *legacy = real_plan(0, &m0, &c0);
    if (!legacy)
        skip();
    sp_ouster_plan *dual = real_plan(1, &m1, &c1);
    assert_non_null(dual);
    sp_ouster_packet info;
    uint8_t buf[8448];

    /* Wrong size for the profile: a DUAL packet under legacy metadata. */
    const uint8_t *pd = first_lidar(&c1, 8448);
    assert_int_equal(sp_ouster_peek(legacy, pd, 8448, &info), SP_EFORMAT);
    iot_msg_has("8448-byte packet", "expected 6464 for LEGACY",
                "32 beams x 16 columns", NULL);
    assert_int_equal(sp_ouster_peek(dual, pd, 8447, &info), SP_EFORMAT);
    iot_msg_has("8447-byte packet, expected 8448", NULL);

    /* An impossible measurement id in column 5. */
    memcpy(buf, first_lidar(&c0, 6464), 6464);
    assert_int_equal(sp_ouster_peek(legacy, buf, 6464, &info), SP_OK);
    assert_int_equal(info.valid_cols, 16);
    uint8_t *col5 = buf + 5 * (16 + 32 * 12 + 4);
    col5[8] = 0x88, col5[9] = 0x13; /* 5000 */
    assert_int_equal(sp_ouster_peek(legacy, buf, 6464, &info), SP_EFORMAT);
    iot_msg_has("column 5: measurement id 5000", "expected < 1024", NULL);
    /* ... ignored when the column says it is not valid. */
    memset(col5 + 16 + 32 * 12, 0, 4);
    assert_int_equal(sp_ouster_peek(legacy, buf, 6464, &info), SP_OK);
    assert_int_equal(info.valid_cols, 15);

    /* eUDP: packet type, initialization id and serial number. */
    memcpy(buf, pd, 8448);
    assert_int_equal(sp_ouster_peek(dual, buf, 8448, &info), SP_OK);
    buf[0] = 2;
    assert_int_equal(sp_ouster_peek(dual, buf, 8448, &info), SP_EFORMAT);
    iot_msg_has("packet type 2, expected 1", NULL);
    buf[0] = 1;
    buf[4] ^= 1;
    assert_int_equal(sp_ouster_peek(dual, buf, 8448, &info), SP_EFORMAT);
    iot_msg_has("initialization id", "metadata says 9599938", NULL);
    buf[4] ^= 1;
    buf[9] ^= 1;
    assert_int_equal(sp_ouster_peek(dual, buf, 8448, &info), SP_EFORMAT);
    iot_msg_has("serial number", "992137000142", NULL);
    buf[9] ^= 1;

    /* A packet of another frame into a scan that is not cut. */
    ot_decoder d;
    ot_decoder_init(&d, &m1);
    sp_kctx *k = ctx(SP_BACKEND_AUTO);
    assert_int_equal(sp_ouster_decode(k, d.plan, buf, 8448, &d.scan), SP_OK);
    buf[2] ^= 1;
    assert_int_equal(sp_ouster_decode(k, d.plan, buf, 8448, &d.scan),
                     SP_EINVAL);
    iot_msg_has("expected the scan cut first", NULL);
    sp_kctx_destroy(k);
    ot_decoder_free(&d);

    /* Plans refuse impossible geometry. */
    sp_ouster_geom g;
    ot_geom(&m0, &g);
    g.beams = 0;
    sp_ouster_plan *p = (sp_ouster_plan *)1;
    assert_int_equal(sp_ouster_plan_create(&g, &p), SP_EINVAL);
    assert_null(p);
    iot_msg_has("0 beams", NULL);

    sp_ouster_plan_destroy(legacy);
    sp_ouster_plan_destroy(dual);
    ot_capture_free(&c0);
    ot_capture_free(&c1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_real),
        cmocka_unit_test(test_meta_nested),
        cmocka_unit_test(test_meta_errors),
        cmocka_unit_test(test_decode_real),
        cmocka_unit_test(test_levels_synthetic),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
