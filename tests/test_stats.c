/* ctest-label: unit */
/* The per-stage latency histogram: fixed size, percentiles within one
 * bucket (12.5%) of the exact value, exact count, mean and max; and the
 * stats read while queue threads run (a progress display), which under
 * ThreadSanitizer (label threads) must be free of data races. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_int.h"

static void near(uint64_t got, uint64_t want)
{
    double err = (double)got > (double)want ? (double)(got - want)
                                            : (double)(want - got);
    if (err > 0.125 * (double)want)
        fail_msg("got %llu, want %llu within 12.5%%", (unsigned long long)got,
                 (unsigned long long)want);
}

static void test_uniform(void **state)
{
    (void)state;
    static sp__hist h;
    memset(&h, 0, sizeof h);
    assert_int_equal(sp__hist_quantile(&h, 0.5), 0);
    /* 1..1000 microseconds, shuffled order does not matter. */
    for (uint64_t i = 1000; i >= 1; i--)
        sp__hist_record(&h, i * 1000);
    assert_int_equal(h.count, 1000);
    assert_int_equal(h.max_ns, 1000000);
    assert_int_equal(h.min_ns, 1000);
    assert_int_equal(h.sum_ns / h.count, 500500);
    near(sp__hist_quantile(&h, 0.50), 500000);
    near(sp__hist_quantile(&h, 0.99), 990000);
    near(sp__hist_quantile(&h, 0.10), 100000);
    assert_int_equal(sp__hist_quantile(&h, 1.0), 1000000);
    assert_true(sp__hist_quantile(&h, 0.0) >= 1000);
}

static void test_small_and_huge(void **state)
{
    (void)state;
    static sp__hist h;
    memset(&h, 0, sizeof h);
    /* Values under 16 ns are exact buckets. */
    for (uint64_t v = 0; v < 16; v++)
        sp__hist_record(&h, v);
    assert_int_equal(sp__hist_quantile(&h, 0.5), 7);
    assert_int_equal(sp__hist_quantile(&h, 1.0), 15);
    /* The largest values land in the last buckets, not past the array. */
    sp__hist_record(&h, UINT64_MAX);
    sp__hist_record(&h, (uint64_t)1 << 63);
    assert_int_equal(h.max_ns, UINT64_MAX);
    assert_int_equal(sp__hist_quantile(&h, 1.0), UINT64_MAX);
}

static void test_skewed(void **state)
{
    (void)state;
    static sp__hist h;
    memset(&h, 0, sizeof h);
    /* 98 fast frames and 2 slow ones: p50 fast, p99 slow. */
    for (int i = 0; i < 98; i++)
        sp__hist_record(&h, 2000000);
    sp__hist_record(&h, 40000000);
    sp__hist_record(&h, 50000000);
    near(sp__hist_quantile(&h, 0.50), 2000000);
    near(sp__hist_quantile(&h, 0.99), 40000000);
    assert_int_equal(sp__hist_quantile(&h, 1.0), 50000000);
}

/* Reading the figures during a run, from the pulling thread, while the
 * stages upstream of a queue record theirs on its thread. */
static void test_read_while_running(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=40 camera=false ! queue "
                           "depth=2 ! voxel leaf=0.5 ! queue depth=1 ! null",
                           NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    static sp_pipeline_stats s;
    sp_frame *f;
    uint64_t n = 0, last_in = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        sp_frame_unref(f);
        n++;
        assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
        assert_true(s.stages[0].frames_out >= last_in);
        last_in = s.stages[0].frames_out;
        assert_true(s.stages[2].p50_ns <= s.stages[2].max_ns);
    }
    assert_int_equal(n, 40);
    sp_pipeline_close(p);
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.stages[0].frames_out, 40);
    assert_int_equal(s.stages[2].frames_out, 40);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_small_and_huge),
        cmocka_unit_test(test_skewed),
        cmocka_unit_test(test_read_while_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
