/* ctest-label: io */
/* The geometry of the three real Ouster captures
 * (../shared/data/pcap/ouster), checked on what the decoder makes of them:
 *  - xyz and range against tests/oracles/ouster_oracle.py, a float64
 *    numpy decoder written from Ouster's sensor manual apart from the C
 *    code (every point within 1e-4 m, every range equal);
 *  - range-image rows in beam order: each row's median elevation is its
 *    beam's altitude angle (within 0.3 degrees) and falls row by row;
 *  - de-staggering: in a de-staggered column every beam looks the same
 *    way (median spread of the azimuths of a column's points under 1
 *    degree), while a staggered column spreads over the pixel shifts;
 *  - the ground is flat: a least-squares plane through the lowest points
 *    within 15 m (two rounds of dropping residuals over 3 sigma) leaves an
 *    RMS residual under 8 cm, keeps over 90 % of them, and is level
 *    within 4 degrees;
 *  - points: counts per return mode, ring, time, extras, range limits;
 *    range image: staggered and de-staggered planes agree with the scan. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "ouster_test.h"
#include "sp_iotest.h"

typedef struct fixture {
    ot_capture cap;
    ot_decoder dec;
    sp_kctx *k;
} fixture;

static int load(int i, fixture *f)
{
    memset(f, 0, sizeof *f);
    sp_ouster_meta m;
    if (!ot_meta_load(ot_caps[i], &m) || !ot_capture_load(ot_caps[i], &f->cap))
        return 0;
    sp_kctx_desc d = {0};
    assert_int_equal(sp_kctx_create(&d, &f->k), SP_OK);
    ot_decoder_init(&f->dec, &m);
    assert_int_equal(ot_decode_all(&f->dec, f->k, &f->cap), 64);
    return 1;
}

static void unload(fixture *f)
{
    ot_decoder_free(&f->dec);
    ot_capture_free(&f->cap);
    sp_kctx_destroy(f->k);
}

static const char *tests_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        char *s = strrchr(dir, '/');
        if (s)
            *s = '\0';
    }
    return dir;
}

static void test_oracle(void **state)
{
    (void)state;
    if (oracle_status("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") !=
        0) {
        print_message("skipping: /usr/bin/python3 with numpy not available\n");
        skip();
    }
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        const sp_ouster_scan *s = &f.dec.scan;
        size_t n = (size_t)s->beams * s->cols;
        char xyz[512], rng[512], cmd[8192];
        snprintf(xyz, sizeof xyz, "%s", iot_tmp("xyz.f32"));
        snprintf(rng, sizeof rng, "%s", iot_tmp("range.u32"));
        FILE *fx = fopen(xyz, "wb"), *fr = fopen(rng, "wb");
        assert_true(fx && fr);
        assert_int_equal(fwrite(s->x[0], 4, n, fx), n);
        assert_int_equal(fwrite(s->y[0], 4, n, fx), n);
        assert_int_equal(fwrite(s->z[0], 4, n, fx), n);
        assert_int_equal(fwrite(s->range[0], 4, n, fr), n);
        fclose(fx);
        fclose(fr);
        const char *base = iot_data("pcap/ouster");
        assert_non_null(base);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 %s/oracles/ouster_oracle.py "
                 "'%s/%s.pcap' '%s/%s.json' '%s' '%s'",
                 tests_dir(), base, ot_caps[i], base, ot_caps[i], xyz, rng);
        print_message("%s: ", ot_caps[i]);
        fflush(stdout);
        assert_int_equal(system(cmd), 0);
        unload(&f);
    }
}

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float median(float *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_f);
    return n ? v[n / 2] : NAN;
}

static void test_rows_in_beam_order(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        const sp_ouster_scan *s = &f.dec.scan;
        const sp_ouster_meta *m = &f.dec.meta;
        float *el = malloc(s->cols * sizeof *el);
        double n = m->lidar_origin_to_beam_origin_mm * 1e-3;
        double tz = m->lidar_to_sensor[11] * 1e-3;
        float prev = 1000;
        for (uint32_t b = 0; b < s->beams; b++) {
            size_t k = 0;
            for (uint32_t c = 0; c < s->cols; c++) {
                size_t o = (size_t)c * s->beams + b;
                if (s->range[0][o] < 3000)
                    continue;
                double hd = hypot(s->x[0][o], s->y[0][o]) - n;
                el[k++] = (float)(atan2(s->z[0][o] - tz, hd) * 180 / M_PI);
            }
            if (k < 20)
                continue; /* a beam that saw (almost) nothing */
            float med = median(el, k);
            if (fabs(med - m->beam_altitude_deg[b]) > 0.3)
                fail_msg("%s: row %u median elevation %.3f, beam altitude "
                         "%.3f",
                         ot_caps[i], b, med, m->beam_altitude_deg[b]);
            assert_true(med < prev);
            prev = med;
        }
        free(el);
        unload(&f);
    }
}

/* Median over columns of the largest azimuth difference from the
 * column's median, in degrees. */
static double column_spread(const fixture *f, int destagger)
{
    const sp_ouster_scan *s = &f->dec.scan;
    const sp_ouster_meta *m = &f->dec.meta;
    size_t h = s->beams, w = s->cols;
    float *az = malloc(h * w * sizeof *az), *col = malloc(h * sizeof *col);
    float *spread = malloc(w * sizeof *spread);
    for (size_t b = 0; b < h; b++)
        for (size_t c = 0; c < w; c++) {
            size_t sh =
                destagger
                    ? (size_t)((m->pixel_shift_by_row[b] % (int)w + (int)w) %
                               (int)w)
                    : 0;
            size_t o = c * h + b, d = b * w + (c + sh) % w;
            az[d] = s->range[0][o]
                        ? (float)(atan2(s->y[0][o], s->x[0][o]) * 180 / M_PI)
                        : NAN;
        }
    size_t ns = 0;
    for (size_t c = 0; c < w; c++) {
        size_t k = 0;
        for (size_t b = 0; b < h; b++)
            if (!isnan(az[b * w + c]))
                col[k++] = az[b * w + c];
        if (k < h / 2)
            continue;
        float med = median(col, k), worst = 0;
        for (size_t j = 0; j < k; j++) {
            float d = col[j] - med;
            d = d > 180 ? d - 360 : d < -180 ? d + 360 : d;
            worst = fabsf(d) > worst ? fabsf(d) : worst;
        }
        spread[ns++] = worst;
    }
    double r = median(spread, ns);
    free(az);
    free(col);
    free(spread);
    return r;
}

static void test_destagger(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        double st = column_spread(&f, 0), de = column_spread(&f, 1);
        print_message("%s: column azimuth spread staggered %.2f deg, "
                      "de-staggered %.2f deg\n",
                      ot_caps[i], st, de);
        assert_true(de < 1.0);
        assert_true(de * 4 < st);
        unload(&f);
    }
}

static void test_ground_flat(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        const sp_ouster_scan *s = &f.dec.scan;
        size_t n = (size_t)s->beams * s->cols, k = 0;
        float *z = malloc(n * sizeof *z);
        for (size_t o = 0; o < n; o++)
            if (s->range[0][o])
                z[k++] = s->z[0][o];
        float zlow = (qsort(z, k, sizeof *z, cmp_f), z[k / 50]) + 0.4f;
        free(z);
        char *use = calloc(n, 1);
        size_t cand = 0, kept = 0;
        for (size_t o = 0; o < n; o++)
            if (s->range[0][o] && s->z[0][o] < zlow &&
                hypot(s->x[0][o], s->y[0][o]) < 15)
                use[o] = 1, cand++;
        double a = 0, b = 0, c = 0, rms = 0;
        for (int round = 0; round < 3; round++) {
            /* Normal equations of z = a x + b y + c. */
            double S[3][4] = {{0}};
            for (size_t o = 0; o < n; o++) {
                if (!use[o])
                    continue;
                double v[3] = {s->x[0][o], s->y[0][o], 1}, zz = s->z[0][o];
                for (int r = 0; r < 3; r++) {
                    for (int q = 0; q < 3; q++)
                        S[r][q] += v[r] * v[q];
                    S[r][3] += v[r] * zz;
                }
            }
            for (int p = 0; p < 3; p++)
                for (int r = p + 1; r < 3; r++) {
                    double t = S[r][p] / S[p][p];
                    for (int q = p; q < 4; q++)
                        S[r][q] -= t * S[p][q];
                }
            c = S[2][3] / S[2][2];
            b = (S[1][3] - S[1][2] * c) / S[1][1];
            a = (S[0][3] - S[0][1] * b - S[0][2] * c) / S[0][0];
            double ss = 0;
            kept = 0;
            for (size_t o = 0; o < n; o++)
                if (use[o]) {
                    double e =
                        s->z[0][o] - (a * s->x[0][o] + b * s->y[0][o] + c);
                    ss += e * e;
                    kept++;
                }
            rms = sqrt(ss / (double)kept);
            if (round < 2)
                for (size_t o = 0; o < n; o++)
                    if (use[o] &&
                        fabs(s->z[0][o] -
                             (a * s->x[0][o] + b * s->y[0][o] + c)) > 3 * rms)
                        use[o] = 0;
        }
        double tilt = atan(hypot(a, b)) * 180 / M_PI;
        print_message("%s: ground %zu of %zu points, z = %.3f, rms %.3f m, "
                      "tilt %.2f deg\n",
                      ot_caps[i], kept, cand, c, rms, tilt);
        assert_true(cand > 1000);
        assert_true(rms < 0.08);
        assert_true((double)kept > 0.9 * (double)cand);
        assert_true(tilt < 4.0);
        free(use);
        unload(&f);
    }
}

static void test_points(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        const sp_ouster_plan *p = f.dec.plan;
        const sp_ouster_scan *s = &f.dec.scan;
        sp_points_layout lay;
        sp_ouster_points_layout(&lay);
        size_t cap = sp_ouster_points_max(p);
        size_t bytes = sp_points_block_size_layout(cap, &lay);
        void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_points pts;
        assert_int_equal(sp_points_init_layout(&pts, mem, bytes, cap, &lay),
                         SP_OK);
        size_t n = (size_t)s->beams * s->cols, first = 0, both = 0, any = 0;
        for (size_t o = 0; o < n; o++) {
            first += s->range[0][o] != 0;
            if (s->returns == 2) {
                both += s->range[1][o] != 0;
                any += s->range[0][o] || s->range[1][o];
            }
        }
        sp_ouster_points_params prm = {0};
        assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_OK);
        assert_int_equal(pts.count, first);
        float *az = sp_points_extra_find(&pts, "azimuth")->data;
        float *dist = sp_points_extra_find(&pts, "distance")->data;
        uint8_t *rt = sp_points_extra_find(&pts, "return_type")->data;
        const double *L = f.dec.meta.lidar_to_sensor;
        double yaw = atan2(L[4], L[0]) * 180 / M_PI;
        float tprev = 0;
        for (size_t k = 0; k < pts.count; k++) {
            assert_true(pts.ring[k] < s->beams);
            assert_true(pts.time[k] >= tprev && pts.time[k] < 0.1f);
            tprev = pts.time[k];
            assert_true(az[k] >= 0 && az[k] < 360);
            assert_int_equal(rt[k], 1);
            /* The azimuth extra (clockwise from the encoder's zero) is
             * where the point lies, seen from above: counterclockwise from
             * +x at yaw - azimuth in the sensor frame (within the beam
             * origin's parallax). */
            double a = atan2(pts.y[k], pts.x[k]) * 180 / M_PI;
            double d = fmod(a - (yaw - az[k]) + 720, 360);
            d = d > 180 ? 360 - d : d;
            if (dist[k] > 5)
                assert_true(d < 0.5);
        }
        if (s->returns == 2) {
            prm.mode = SP_OUSTER_DUAL;
            assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_OK);
            assert_int_equal(pts.count, first + both);
            assert_true(both > 0);
            prm.mode = SP_OUSTER_LAST;
            assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_OK);
            assert_int_equal(pts.count, any);
        }
        /* An azimuth window through 0: [350, 10] degrees. */
        prm = (sp_ouster_points_params){.min_angle = 350, .max_angle = 10};
        assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_OK);
        assert_true(pts.count > 0 && pts.count < first / 10);
        for (size_t k = 0; k < pts.count; k++)
            assert_true(az[k] >= 350 || az[k] <= 10);
        /* Range limits, in metres, on the measured range. */
        prm = (sp_ouster_points_params){.min_range = 2, .max_range = 10};
        assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_OK);
        assert_true(pts.count > 0 && pts.count < first);
        for (size_t k = 0; k < pts.count; k++)
            assert_true(dist[k] >= 2.0f && dist[k] <= 10.0f);
        pts.capacity = cap - 1;
        assert_int_equal(sp_ouster_points(p, s, &prm, &pts), SP_EINVAL);
        free(mem);
        unload(&f);
    }
}

static void test_range_image(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        fixture f;
        if (!load(i, &f))
            skip();
        const sp_ouster_scan *s = &f.dec.scan;
        const sp_ouster_meta *m = &f.dec.meta;
        size_t h = s->beams, w = s->cols, shape[3] = {5, h, w};
        size_t bytes = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
        void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_tensor t;
        assert_int_equal(sp_tensor_init(&t, mem, bytes, SP_DTYPE_F32, 3, shape),
                         SP_OK);
        float *img = t.data;
        for (int de = 0; de < 2; de++) {
            assert_int_equal(sp_ouster_range_image(f.dec.plan, s, de, &t),
                             SP_OK);
            for (size_t b = 0; b < h; b++)
                for (size_t c = 0; c < w; c++) {
                    size_t sh =
                        de ? (size_t)((m->pixel_shift_by_row[b] + (int)w) %
                                      (int)w)
                           : 0;
                    size_t o = c * h + b, d = b * w + (c + sh) % w;
                    uint32_t r = s->range[0][o];
                    if (!r) {
                        assert_true(img[d] == -1 && img[4 * h * w + d] == -1);
                        continue;
                    }
                    assert_true(img[d] == (float)r * 0.001f);
                    assert_true(img[h * w + d] == s->x[0][o]);
                    assert_true(img[3 * h * w + d] == s->z[0][o]);
                }
        }
        shape[1] = h + 1;
        t.shape[1] = h + 1;
        assert_int_equal(sp_ouster_range_image(f.dec.plan, s, 0, &t),
                         SP_EINVAL);
        free(mem);
        unload(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle),
        cmocka_unit_test(test_rows_in_beam_order),
        cmocka_unit_test(test_destagger),
        cmocka_unit_test(test_ground_flat),
        cmocka_unit_test(test_points),
        cmocka_unit_test(test_range_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
