/* ctest-label: unit */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error_int.h"

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(sp_status_name(SP_EFORMAT), "SP_EFORMAT");
    assert_string_equal(sp_status_name(SP_OK), "SP_OK");
    assert_string_equal(sp_status_name(12345), "SP_UNKNOWN");
    assert_string_equal(sp_status_str(SP_EOS), "end of stream");
}

static void test_message_and_context(void **state)
{
    (void)state;
    sp_errmsg_clear();
    assert_string_equal(sp_errmsg(), "");
    assert_int_equal(sp__fail(SP_EFORMAT, "%s: byte %d: bad", "scan.pcd", 212),
                     SP_EFORMAT);
    assert_string_equal(sp_errmsg(), "scan.pcd: byte 212: bad");
    assert_int_equal(sp__fail_context(SP_EFORMAT, "stage '%s': ", "pcd"),
                     SP_EFORMAT);
    assert_string_equal(sp_errmsg(), "stage 'pcd': scan.pcd: byte 212: bad");
}

static int guarded(const void *p)
{
    SP_GUARD(p != NULL);
    return SP_OK;
}

static void test_guard(void **state)
{
    (void)state;
    assert_int_equal(guarded(NULL), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "p != NULL"));
    assert_int_equal(guarded(state), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_message_and_context),
        cmocka_unit_test(test_guard),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
