/* See sp_alloc_counter.h: one pipeline run with its allocations counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_alloc_counter.h"
#include "sp_status.h"

/* Run's steps each fail the test naming the launch and the library's
 * words. */
static void ok(const char *launch, const char *what, int rc)
{
    if (rc != SP_OK)
        fail_msg("%s: %s: %s: %s", launch, what, sp_status_name(rc),
                 sp_errmsg());
}

sp_pipeline_stats sp_test_alloc_run(const char *launch,
                                    const sp_pipeline_opts *o)
{
    sp_alloc_counter_set(sp_test_alloc_calls);
    sp_pipeline *p = NULL;
    ok(launch, "create", sp_pipeline_create(launch, o, &p));
    ok(launch, "run", sp_pipeline_run(p));
    sp_pipeline_stats s;
    ok(launch, "stats", sp_pipeline_stats_get(p, &s));
    ok(launch, "destroy", sp_pipeline_destroy(p));
    sp_alloc_counter_set(NULL);
    assert_int_equal(s.alloc_counted, 1);
    return s;
}
