/* ctest-label: io */
/* ctest-timeout: 300 */
/* sp_lidardec_decode_packets (a scan's packets in one call) on every
 * back-end's context (scalar, SSE4.1, AVX2, OpenCL where a device is)
 * against sp_lidardec_decode on a scalar context packet by packet, every
 * output byte compared (x, y, z, intensity, time, ring, azimuth, distance,
 * return type), with the version that ran recorded: nebula's real VLS-128
 * and Pandar64 scans (../shared/data/lidar_packets; skipped with a message
 * when missing), the parameters its tests use, the filters that drop
 * points (a wrapping azimuth window, a range window), a Pandar64 scan whose
 * packets switch between single and dual return; backend=auto with a
 * device named: the scan on OpenCL, a lone packet on the CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "kernels_int.h"
#include "sp_iotest.h"
#include "sp_lidarcal.h"
#include "sp_lidardec.h"
#include "sp_pipeline.h"

#define NEB "lidar_packets/nebula/"
#define CAL "lidar_packets/calibration/"

/* Message @p index of a packet bag: its packets copied back to back. */
static size_t bag_scan(const char *bag, int index, uint8_t **bytes,
                       size_t *size)
{
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path=%s", bag);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f = NULL;
    size_t n = 0;
    for (int i = 0; sp_pipeline_pull(p, &f) == SP_OK; i++) {
        if (i == index) {
            const sp_packets *pk = &f->u.packets;
            *size = pk->length[0];
            *bytes = malloc(pk->count * *size);
            assert_non_null(*bytes);
            for (size_t k = 0; k < pk->count; k++)
                if (pk->length[k] == *size)
                    memcpy(*bytes + n++ * *size, sp_packets_at(pk, k), *size);
        }
        sp_frame_unref(f);
        f = NULL;
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return n;
}

typedef struct cloud {
    sp_points pts;
    void *mem;
    float *az, *dist;
    uint8_t *rt;
} cloud;

static void cloud_new(cloud *c, size_t cap)
{
    c->mem = iot_points_alloc(&c->pts, cap, SP_POINTS_RING | SP_POINTS_TIME);
    c->az = malloc(cap * 4);
    c->dist = malloc(cap * 4);
    c->rt = malloc(cap);
    assert_true(c->mem && c->az && c->dist && c->rt);
}

static void cloud_free(cloud *c)
{
    free(c->mem);
    free(c->az);
    free(c->dist);
    free(c->rt);
}

static int same(const cloud *a, const cloud *b)
{
    size_t n = a->pts.count;
    return n == b->pts.count && !memcmp(a->pts.x, b->pts.x, n * 4) &&
           !memcmp(a->pts.y, b->pts.y, n * 4) &&
           !memcmp(a->pts.z, b->pts.z, n * 4) &&
           !memcmp(a->pts.intensity, b->pts.intensity, n * 4) &&
           !memcmp(a->pts.time, b->pts.time, n * 4) &&
           !memcmp(a->pts.ring, b->pts.ring, n * 2) &&
           !memcmp(a->az, b->az, n * 4) && !memcmp(a->dist, b->dist, n * 4) &&
           !memcmp(a->rt, b->rt, n);
}

static void scan_on_backends(const sp_lidardec_desc *d, const uint8_t *bytes,
                             size_t n, size_t size, const char *what)
{
    /* The reference: scalar, one packet at a time. */
    sp_kctx *ks = NULL;
    sp_kctx_desc kd = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&kd, &ks), SP_OK);
    sp_lidardec *dec = NULL;
    if (sp_lidardec_create(ks, d, &dec) != SP_OK)
        fail_msg("%s: %s", what, sp_errmsg());
    size_t cap = n * sp_lidardec_max_points(dec) + 8;
    cloud ref, got;
    cloud_new(&ref, cap);
    cloud_new(&got, cap);
    sp_lidardec_packet *pk = calloc(n, sizeof *pk);
    assert_non_null(pk);
    sp_lidardec_out o = {&ref.pts, ref.az, ref.dist, ref.rt};
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = bytes + i * size;
        sp_lidardec_info info;
        assert_int_equal(sp_lidardec_inspect(dec, p, size, &info), SP_OK);
        /* Times as a scan's packets have them; one packet decodes only its
         * second half, to cover a cut inside a packet. */
        unsigned c0 = i == 7 ? info.ncols / 2 : 0;
        pk[i] = (sp_lidardec_packet){p, size, c0, info.ncols, 1e-4 * (double)i};
        assert_int_equal(
            sp_lidardec_decode(dec, p, size, c0, info.ncols, pk[i].t_rel_s, &o),
            SP_OK);
    }
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(ks);

    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names), cl = 0;
    for (int b = 0; b < nb; b++) {
        if (sp_lidardec_create(ctx[b], d, &dec) != SP_OK)
            fail_msg("%s %s: %s", what, names[b], sp_errmsg());
        got.pts.count = 0;
        sp_lidardec_out og = {&got.pts, got.az, got.dist, got.rt};
        if (sp_lidardec_decode_packets(dec, pk, n, &og) != SP_OK)
            fail_msg("%s %s: %s", what, names[b], sp_errmsg());
        if (!kcloud_ran_asked(ctx[b]))
            fail_msg("%s %s: ran %s/%s", what, names[b],
                     sp_backend_name(sp_kctx_last_backend(ctx[b])),
                     sp_simd_level_name(sp_kctx_last_simd(ctx[b])));
        if (!same(&ref, &got))
            fail_msg("%s %s: %zu points differ from scalar's %zu", what,
                     names[b], got.pts.count, ref.pts.count);
        cl |= sp_kctx_backend(ctx[b]) == SP_BACKEND_OPENCL;
        sp_lidardec_destroy(dec);
    }
    kcloud_backends_free(ctx, nb);
    print_message("%s: %zu packets, %zu points: every back-end equals "
                  "scalar%s\n",
                  what, n, ref.pts.count,
                  cl ? " (OpenCL included)" : " (no OpenCL device)");
    free(pk);
    cloud_free(&ref);
    cloud_free(&got);
}

static void nebula(const char *bag_rel, const char *cal_rel, int index,
                   sp_lidardec_desc d, const char *what)
{
    const char *bag = iot_data(bag_rel);
    const char *cal = iot_data(cal_rel);
    if (!bag || !cal) {
        print_message("%s or %s missing: skipped\n", bag_rel, cal_rel);
        skip();
    }
    sp_lidar_calib c;
    assert_int_equal(sp_lidar_calib_load(cal, &c), SP_OK);
    d.calib = &c;
    uint8_t *bytes = NULL;
    size_t size = 0, n = bag_scan(bag, index, &bytes, &size);
    assert_true(n > 100);
    char name[128];
    snprintf(name, sizeof name, "%s", what);
    scan_on_backends(&d, bytes, n, size, name);
    /* Filters that drop points: a window through 0, a range window. */
    d.min_angle = 300;
    d.max_angle = 45;
    d.min_range = 2;
    d.max_range = 40;
    snprintf(name, sizeof name, "%s 300-45 deg 2-40 m", what);
    scan_on_backends(&d, bytes, n, size, name);
    d.ret = SP_LIDAR_RETURN_STRONGEST;
    d.min_angle = 10;
    d.max_angle = 200;
    snprintf(name, sizeof name, "%s strongest 10-200 deg", what);
    scan_on_backends(&d, bytes, n, size, name);
    if (d.model == SP_LIDAR_PANDAR64) {
        /* Every fifth packet said to be single-return (strongest): the
         * layout, and the plan, change within the scan, which splits the
         * OpenCL call into runs. */
        size_t dual = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t *mode = &bytes[i * size + 8 + 6 * 194 + 14];
            dual += *mode == 0x39;
            if (i % 5 == 0)
                *mode = 0x37;
        }
        assert_int_equal(dual, n); /* nebula's bag is dual-return */
        d.ret = SP_LIDAR_RETURN_DUAL;
        d.min_angle = d.max_angle = 0;
        d.min_range = 0.3;
        d.max_range = 200;
        snprintf(name, sizeof name, "%s single and dual packets mixed", what);
        scan_on_backends(&d, bytes, n, size, name);
    }
    free(bytes);
}

static void test_vls128_scan(void **state)
{
    (void)state;
    sp_lidardec_desc d = {.model = SP_LIDAR_VLS128,
                          .ret = SP_LIDAR_RETURN_DUAL,
                          .min_range = 0.3,
                          .max_range = 300,
                          .min_angle = 0,
                          .max_angle = 359};
    nebula(NEB "velodyne_vls128/1614315746471294674",
           CAL "velodyne/VLS128.yaml", 1, d, "vls128");
}

static void test_pandar64_scan(void **state)
{
    (void)state;
    sp_lidardec_desc d = {.model = SP_LIDAR_PANDAR64,
                          .ret = SP_LIDAR_RETURN_DUAL,
                          .min_range = 0.3,
                          .max_range = 200};
    nebula(NEB "hesai_pandar64/1673403880599376836", CAL "hesai/Pandar64.csv",
           3, d, "pandar64");
}

/* backend=auto with a device named (SP_OPENCL_DEVICE): a scan goes to
 * OpenCL (above SP_LIDARDEC_OPENCL_MIN_POINTS) on a device that shares host
 * memory, as PoCL's does, and stays on the CPU on one with its own memory
 * (a discrete GPU, or any device with SP_OPENCL_MEMORY=copy), where reading
 * the cloud back costs more than the SIMD decode; a single packet stays on
 * the CPU; the points are the same. */
static void test_auto_named_device(void **state)
{
    (void)state;
    const char *bag = iot_data(NEB "velodyne_vls128/1614315746471294674");
    const char *cal = iot_data(CAL "velodyne/VLS128.yaml");
    if (!bag || !cal) {
        print_message("nebula's VLS-128 bag missing: skipped\n");
        skip();
    }
    sp_kctx *k = NULL;
    sp_kctx_desc kd = {.backend = SP_BACKEND_OPENCL};
    if (sp_kctx_create(&kd, &k) != SP_OK) {
        print_message("no OpenCL device (%s): skipped\n", sp_errmsg());
        skip();
    }
    sp_kctx_destroy(k);
    const char *old = getenv("SP_OPENCL_DEVICE");
    char *keep = old ? strdup(old) : NULL;
    setenv("SP_OPENCL_DEVICE", "0", 1);
    kd.backend = SP_BACKEND_AUTO;
    assert_int_equal(sp_kctx_create(&kd, &k), SP_OK);
    if (keep) {
        setenv("SP_OPENCL_DEVICE", keep, 1);
        free(keep);
    } else {
        unsetenv("SP_OPENCL_DEVICE");
    }
    sp_lidar_calib c;
    assert_int_equal(sp_lidar_calib_load(cal, &c), SP_OK);
    sp_lidardec_desc d = {.model = SP_LIDAR_VLS128, .calib = &c};
    sp_lidardec *dec = NULL;
    assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
    uint8_t *bytes = NULL;
    size_t size = 0, n = bag_scan(bag, 1, &bytes, &size);
    cloud a, b;
    size_t cap = n * sp_lidardec_max_points(dec) + 8;
    cloud_new(&a, cap);
    cloud_new(&b, cap);
    sp_lidardec_packet *pk = calloc(n, sizeof *pk);
    assert_non_null(pk);
    sp_lidardec_out oa = {&a.pts, a.az, a.dist, a.rt};
    sp_lidardec_out ob = {&b.pts, b.az, b.dist, b.rt};
    for (size_t i = 0; i < n; i++) {
        sp_lidardec_info info;
        assert_int_equal(
            sp_lidardec_inspect(dec, bytes + i * size, size, &info), SP_OK);
        pk[i] =
            (sp_lidardec_packet){bytes + i * size, size, 0, info.ncols, 0.0};
        assert_int_equal(
            sp_lidardec_decode(dec, pk[i].data, size, 0, info.ncols, 0.0, &oa),
            SP_OK);
        assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    }
    assert_true(n * sp_lidardec_max_points(dec) >=
                SP_LIDARDEC_OPENCL_MIN_POINTS);
    assert_int_equal(sp_lidardec_decode_packets(dec, pk, n, &ob), SP_OK);
    int shares = sp__kctx_streaming_min_work(k, 1) != SIZE_MAX;
    if (shares)
        assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    else
        assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    assert_true(same(&a, &b));
    print_message("auto with a named device: %zu packets on %s (the device "
                  "%s host memory), one packet on the CPU, same %zu points\n",
                  n, shares ? "OpenCL" : "the CPU",
                  shares ? "shares" : "does not share", b.pts.count);
    free(pk);
    free(bytes);
    cloud_free(&a);
    cloud_free(&b);
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
}

/* Room is checked for the whole call; an empty call is a no-op. */
static void test_room(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_lidardec_desc d = {.model = SP_LIDAR_VLP16};
    sp_lidardec *dec = NULL;
    assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
    cloud c;
    cloud_new(&c, 1000);
    static const uint8_t pkt[1206];
    sp_lidardec_packet pk[3] = {{pkt, 1206, 0, 12, 0.0},
                                {pkt, 1206, 0, 12, 0.0},
                                {pkt, 1206, 0, 12, 0.0}};
    sp_lidardec_out o = {&c.pts, NULL, NULL, NULL};
    assert_int_equal(sp_lidardec_decode_packets(dec, pk, 0, &o), SP_OK);
    assert_int_equal(sp_lidardec_decode_packets(dec, pk, 3, &o), SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "3 packet(s) need room for 1160"));
    assert_int_equal(c.pts.count, 0);
    cloud_free(&c);
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vls128_scan),
        cmocka_unit_test(test_pandar64_scan),
        cmocka_unit_test(test_auto_named_device),
        cmocka_unit_test(test_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
