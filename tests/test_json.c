/* ctest-label: unit */
/* sp__json_str (core/json.c), the string literal of the library's JSON
 * outputs: quotes, backslashes and control bytes escaped, other bytes as
 * they are, snprintf semantics (the length whatever the room, always
 * terminated, never past the room). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json_int.h"

static void test_escapes(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(sp__json_str(buf, sizeof buf, "plain"), 7);
    assert_string_equal(buf, "\"plain\"");
    assert_int_equal(sp__json_str(buf, sizeof buf, "a\"b\\c"), 9);
    assert_string_equal(buf, "\"a\\\"b\\\\c\"");
    assert_int_equal(sp__json_str(buf, sizeof buf, "t\tn\n\x01"), 22);
    assert_string_equal(buf, "\"t\\u0009n\\u000a\\u0001\"");
    /* UTF-8 and other high bytes pass as they are */
    assert_int_equal(sp__json_str(buf, sizeof buf, "\xc3\xa9"), 4);
    assert_string_equal(buf, "\"\xc3\xa9\"");
    assert_int_equal(sp__json_str(buf, sizeof buf, ""), 2);
    assert_string_equal(buf, "\"\"");
}

static void test_short_room(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof buf);
    /* "a\"bcdef" needs 10: cut at 7 bytes and a NUL, the length whole */
    assert_int_equal(sp__json_str(buf, 8, "a\"bcdef"), 10);
    assert_string_equal(buf, "\"a\\\"bcd");
    memset(buf, 'X', sizeof buf);
    assert_int_equal(sp__json_str(buf, 1, "abc"), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'X');
    assert_int_equal(sp__json_str(NULL, 0, "abc\n"), 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_short_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
