/* ctest-label: unit */
/* The launch-string parser: valid strings, and each syntax error with its
 * exact column and message; unknown stages and properties with their
 * suggestions, through sp_pipeline_create(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "launch_value_int.h"
#include "pipeline_int.h"
#include "pipeline_test_stages.h"

static void test_basic(void **state)
{
    (void)state;
    sp__launch l;
    assert_int_equal(
        sp__launch_parse("synth frames=100 ! queue depth=4 ! npy dir=out", &l),
        SP_OK);
    assert_int_equal(l.nelems, 3);
    assert_string_equal(l.elems[0].name, "synth");
    assert_int_equal(l.elems[0].col, 1);
    assert_int_equal(l.elems[0].nprops, 1);
    assert_string_equal(l.elems[0].props[0].key, "frames");
    assert_string_equal(l.elems[0].props[0].value, "100");
    assert_int_equal(l.elems[0].props[0].key_col, 7);
    assert_int_equal(l.elems[0].props[0].value_col, 14);
    assert_string_equal(l.elems[1].name, "queue");
    assert_int_equal(l.elems[1].col, 20);
    assert_string_equal(l.elems[1].props[0].key, "depth");
    assert_string_equal(l.elems[1].props[0].value, "4");
    assert_string_equal(l.elems[2].name, "npy");
    assert_int_equal(l.elems[2].col, 36);
    assert_string_equal(l.elems[2].props[0].value, "out");
    sp__launch_free(&l);
}

static void test_values(void **state)
{
    (void)state;
    sp__launch l;
    assert_int_equal(
        sp__launch_parse("crop x=0:70 y=-40:40 scale=1/255 mean=0.1,0.2,0.3 "
                         "dir='my out/' t=\"a \\\"b\\\" \\\\c\" e='' "
                         "q='x!y'",
                         &l),
        SP_OK);
    assert_int_equal(l.nelems, 1);
    assert_int_equal(l.elems[0].nprops, 8);
    const sp__launch_prop *p = l.elems[0].props;
    assert_string_equal(p[0].value, "0:70");
    assert_string_equal(p[1].value, "-40:40");
    assert_string_equal(p[2].value, "1/255");
    assert_string_equal(p[3].value, "0.1,0.2,0.3");
    assert_string_equal(p[4].value, "my out/");
    assert_int_equal(p[4].value_col, 55);
    assert_string_equal(p[5].value, "a \"b\" \\c");
    assert_string_equal(p[6].value, "");
    assert_string_equal(p[7].value, "x!y");
    sp__launch_free(&l);

    /* No spaces around '!', tabs and newlines as spaces. */
    assert_int_equal(sp__launch_parse("a!b\tk=v\n!  c", &l), SP_OK);
    assert_int_equal(l.nelems, 3);
    assert_string_equal(l.elems[1].name, "b");
    assert_string_equal(l.elems[1].props[0].value, "v");
    assert_string_equal(l.elems[2].name, "c");
    assert_int_equal(l.elems[2].col, 12);
    sp__launch_free(&l);
}

/* Each syntax error: the exact message, status and column. */
static void expect_error(const char *launch, int col, const char *msg)
{
    sp__launch l;
    int rc = sp__launch_parse(launch, &l);
    assert_int_equal(rc, SP_EFORMAT);
    assert_string_equal(sp_errmsg(), msg);
    assert_int_equal(sp_pipeline_error_column(), col);
    assert_null(l.text);
    assert_int_equal(l.nelems, 0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", 1,
                 "launch string, column 1: empty launch string, expected a "
                 "stage name (e.g. 'synth frames=10 ! null')");
    expect_error("! null", 1,
                 "launch string, column 1: expected a stage name before '!'");
    expect_error("synth !", 8,
                 "launch string, column 8: expected a stage name after '!', "
                 "found the end of the string");
    expect_error("synth ! ! null", 9,
                 "launch string, column 9: expected a stage name before '!'");
    expect_error("synth frames", 13,
                 "launch string, column 13: expected '=' after property name "
                 "'frames' (properties are key=value; a new stage needs '!' "
                 "before it)");
    expect_error("synth frames:10", 13,
                 "launch string, column 13: expected '=' after property name "
                 "'frames', found ':'");
    expect_error("synth frames= ! null", 14,
                 "launch string, column 14: expected a value after 'frames=' "
                 "(quote an empty or spaced value: frames='...')");
    expect_error("npy dir='out", 9,
                 "launch string, column 9: unterminated quote: the ' opened "
                 "here is never closed, expected a closing '");
    expect_error("npy dir=\"a\\\"", 9,
                 "launch string, column 9: unterminated quote: the \" opened "
                 "here is never closed, expected a closing \"");
    expect_error("npy dir='a'b", 12,
                 "launch string, column 12: expected a space or '!' after the "
                 "closing quote, found 'b'");
    expect_error("npy dir=a'b", 10,
                 "launch string, column 10: unexpected quote inside the value "
                 "of 'dir', expected the whole value quoted (dir='...')");
    expect_error("synth frames=1 frames=2", 16,
                 "launch string, column 16: property 'frames' is given twice "
                 "for stage 'synth', expected it once");
    expect_error("3d x=1", 1,
                 "launch string, column 1: expected a stage name (a letter, "
                 "then letters, digits, '_' or '-'), found '3'");
    expect_error("synth =3", 7,
                 "launch string, column 7: expected a property (key=value) or "
                 "'!', found '='");
    expect_error("synth, null", 6,
                 "launch string, column 6: expected a space after the stage "
                 "name 'synth', found ','");
}

static void test_too_many(void **state)
{
    (void)state;
    char buf[1024] = "a";
    for (int i = 0; i < SP_PIPELINE_MAX_STAGES; i++)
        strcat(buf, " ! b");
    sp__launch l;
    assert_int_equal(sp__launch_parse(buf, &l), SP_EFORMAT);
    assert_non_null(
        strstr(sp_errmsg(), "too many stages, expected at most 32"));
}

/* Semantic errors found when the pipeline is built. */
static void expect_create_error(const char *launch, int status, int col,
                                const char *msg)
{
    sp_pipeline *p = (sp_pipeline *)1;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), status);
    assert_null(p);
    assert_string_equal(sp_errmsg(), msg);
    assert_int_equal(sp_pipeline_error_column(), col);
}

static void test_unknown_names(void **state)
{
    (void)state;
    pt_register();
    expect_create_error("tsrc ! queu depth=2 ! tsink", SP_ENOTFOUND, 8,
                        "launch string, column 8: unknown stage 'queu', did "
                        "you mean 'queue'?");
    expect_create_error("tsrc ! tsnk", SP_ENOTFOUND, 8,
                        "launch string, column 8: unknown stage 'tsnk', did "
                        "you mean 'tsink'?"); /* the closest only */
    expect_create_error("tsrc ! zzzzzzzz", SP_ENOTFOUND, 8,
                        "launch string, column 8: unknown stage 'zzzzzzzz' "
                        "(`sensorpipe stages` lists the stages there are)");
    /* a source's pacing properties are offered too: 'rate' for 'rat' */
    expect_create_error("tsrc rat=3 ! tsink", SP_ENOTFOUND, 6,
                        "launch string, column 6: stage 'tsrc' has no "
                        "property 'rat', did you mean 'rate'? (its "
                        "properties: frames, points, kind, fail_at, "
                        "dist_model, rate, deadline, drop, max_gap)");
    expect_create_error("tsrc frame=3 ! tsink", SP_ENOTFOUND, 6,
                        "launch string, column 6: stage 'tsrc' has no "
                        "property 'frame', did you mean 'frames'? (its "
                        "properties: frames, points, kind, fail_at, "
                        "dist_model, rate, deadline, drop, max_gap)");
    expect_create_error("tsrc ! queue dpth=3 ! tsink", SP_ENOTFOUND, 14,
                        "launch string, column 14: stage 'queue' has no "
                        "property 'dpth', did you mean 'depth'? (its "
                        "properties: depth, cpu)");
    expect_create_error("tsrc frames=-1 ! tsink", SP_ERANGE, 13,
                        "launch string, column 13: stage 'tsrc': property "
                        "'frames' = '-1': out of range, expected an integer "
                        "in 0..100000000");
    expect_create_error("tsrc kind=radar ! tsink", SP_EINVAL, 11,
                        "launch string, column 11: stage 'tsrc': property "
                        "'kind' = 'radar': not a known choice (did you mean "
                        "'lidar'?), expected one of lidar, camera, mixed");
    expect_create_error("tsrc ! tsink ! tsink fail_at=x", SP_EINVAL, 30,
                        "launch string, column 30: stage 'tsink#2': property "
                        "'fail_at' = 'x': not an integer, expected an integer "
                        "in -1..100000000");
    expect_create_error("tpass ! tsink", SP_EINVAL, 1,
                        "launch string, column 1: 'tpass' is not a source, "
                        "expected the first stage to be a source (`sensorpipe "
                        "stages` lists them)");
    expect_create_error("tsrc ! tsrc", SP_EINVAL, 8,
                        "launch string, column 8: 'tsrc' is a source, "
                        "expected it first (a pipeline has one source)");
    /* Syntax errors come back through create unchanged. */
    expect_create_error("tsrc frames='3", SP_EFORMAT, 13,
                        "launch string, column 13: unterminated quote: the ' "
                        "opened here is never closed, expected a closing '");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(sp__edit_distance("queue", "queue", 3), 0);
    assert_int_equal(sp__edit_distance("queu", "queue", 3), 1);
    assert_int_equal(sp__edit_distance("kitten", "sitting", 5), 3);
    assert_int_equal(sp__edit_distance("abc", "xyz123", 2), 3);
    assert_int_equal(sp__edit_distance("Voxel", "voxel", 2), 0);
}

/* A value written for people to paste (core/launch_value_int.h) reads
 * back whole: bare, '...' or "..." as it needs; a short buffer is cut
 * with the full length returned. */
static void test_value_round_trip(void **state)
{
    (void)state;
    static const struct {
        const char *v, *written;
    } cases[] = {
        {"out/a.pcap", "out/a.pcap"},
        {"", "''"},
        {"my dir/a b.json", "'my dir/a b.json'"},
        {"x!y", "'x!y'"},
        {"tab\there", "'tab\there'"},
        {"it's", "\"it's\""},
        {"say \"hi\" it's \\ ok", "\"say \\\"hi\\\" it's \\\\ ok\""},
        {"a\"b", "'a\"b'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char w[256], launch[300];
        size_t n = sp__launch_value(w, sizeof w, cases[i].v);
        assert_int_equal(n, strlen(w));
        assert_string_equal(w, cases[i].written);
        snprintf(launch, sizeof launch, "pcap path=%s ! null", w);
        sp__launch l;
        assert_int_equal(sp__launch_parse(launch, &l), SP_OK);
        assert_int_equal(l.nelems, 2);
        assert_string_equal(l.elems[0].props[0].value, cases[i].v);
        sp__launch_free(&l);
        char small[4];
        assert_int_equal(sp__launch_value(small, sizeof small, cases[i].v), n);
        assert_int_equal(strlen(small), n < 3 ? n : 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_value_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
