/* ctest-label: unit */
/* Typed stage properties: every type's parsing, defaults, ranges, enum
 * choices, required properties, and the values a stage sees in init(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_int.h"

static sp_prop_value parse_ok(const sp_prop_spec *s, const char *text)
{
    sp_prop_value v;
    int rc = sp__prop_parse(s, text, &v);
    if (rc != SP_OK)
        fail_msg("'%s' rejected: %s", text, sp_errmsg());
    assert_int_equal(v.set, 1);
    return v;
}

static void parse_bad(const sp_prop_spec *s, const char *text, int status,
                      const char *msg)
{
    sp_prop_value v;
    assert_int_equal(sp__prop_parse(s, text, &v), status);
    assert_string_equal(sp_errmsg(), msg);
}

static void test_int(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "n", .type = SP_PROP_INT, .min = -5, .max = 100};
    assert_int_equal(parse_ok(&s, "42").i, 42);
    assert_int_equal(parse_ok(&s, "-5").i, -5);
    assert_int_equal(parse_ok(&s, "+100").i, 100);
    parse_bad(&s, "101", SP_ERANGE,
              "property 'n' = '101': out of range, expected an integer in "
              "-5..100");
    parse_bad(&s, "4.5", SP_EINVAL,
              "property 'n' = '4.5': not an integer, expected an integer in "
              "-5..100");
    parse_bad(&s, "", SP_EINVAL,
              "property 'n' = '': not an integer, expected an integer in "
              "-5..100");
    parse_bad(&s, " 4", SP_EINVAL,
              "property 'n' = ' 4': not an integer, expected an integer in "
              "-5..100");
    sp_prop_spec u = {.name = "n", .type = SP_PROP_INT};
    assert_int_equal(parse_ok(&u, "-9000000000").i, -9000000000LL);
    parse_bad(&u, "99999999999999999999", SP_ERANGE,
              "property 'n' = '99999999999999999999': too large, expected an "
              "integer");
}

static void test_float(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "scale", .type = SP_PROP_FLOAT};
    assert_true(parse_ok(&s, "0.25").f == 0.25);
    assert_true(parse_ok(&s, "1/255").f == 1.0 / 255.0);
    assert_true(parse_ok(&s, "-3e2").f == -300.0);
    assert_true(parse_ok(&s, "2/-4").f == -0.5);
    parse_bad(&s, "nan", SP_EINVAL,
              "property 'scale' = 'nan': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    parse_bad(&s, "inf", SP_EINVAL,
              "property 'scale' = 'inf': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    parse_bad(&s, "1/0", SP_EINVAL,
              "property 'scale' = '1/0': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    parse_bad(&s, "1/", SP_EINVAL,
              "property 'scale' = '1/': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    parse_bad(&s, "0x10", SP_EINVAL,
              "property 'scale' = '0x10': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    sp_prop_spec r = {
        .name = "leaf", .type = SP_PROP_FLOAT, .min = 0.01, .max = 10};
    assert_true(parse_ok(&r, "0.2").f == 0.2);
    parse_bad(&r, "0", SP_ERANGE,
              "property 'leaf' = '0': out of range, expected a number in "
              "0.01..10");
}

/* A time: a bare number in the spec's unit, or a number and a unit,
 * converted by the exact ratio of the two units. */
#define MS_EXPECTED                                                            \
    "expected a time in 0..3600000 ms (a number of ms, or with a unit: ns, "   \
    "us, ms, s, min, h)"
#define S_EXPECTED                                                             \
    "expected a time (a number of s, or with a unit: ns, us, ms, s, min, h)"

static void test_time(void **state)
{
    (void)state;
    sp_prop_spec ms = {.name = "deadline",
                       .type = SP_PROP_TIME,
                       .min = 0,
                       .max = 3.6e6,
                       .choices = "ms"};
    assert_true(parse_ok(&ms, "50").f == 50.0);
    assert_true(parse_ok(&ms, "50ms").f == 50.0);
    assert_true(parse_ok(&ms, "0.05s").f == 50.0);
    assert_true(parse_ok(&ms, "50000us").f == 50.0);
    assert_true(parse_ok(&ms, "50000000ns").f == 50.0);
    assert_true(parse_ok(&ms, "1min").f == 60000.0);
    assert_true(parse_ok(&ms, "1h").f == 3.6e6);
    assert_true(parse_ok(&ms, "2.5e1ms").f == 25.0);
    assert_true(parse_ok(&ms, "1/4s").f == 250.0);
    assert_true(parse_ok(&ms, "0").f == 0.0);
    /* refusals: the value, the status, what it is not */
    static const struct {
        const char *text;
        int status;
        const char *what;
    } bad_ms[] = {
        {"5m", SP_EINVAL, "unknown unit 'm'"},
        {"50 ms", SP_EINVAL, "not a time"},
        {"ms", SP_EINVAL, "not a time"},
        {"", SP_EINVAL, "not a time"},
        {"2h", SP_ERANGE, "out of range"},
        {"-1ms", SP_ERANGE, "out of range"},
    };
    for (size_t i = 0; i < sizeof bad_ms / sizeof *bad_ms; i++) {
        char want[512];
        snprintf(want, sizeof want, "property 'deadline' = '%s': %s, %s",
                 bad_ms[i].text, bad_ms[i].what, MS_EXPECTED);
        parse_bad(&ms, bad_ms[i].text, bad_ms[i].status, want);
    }
    /* "nan" and "inf" end in letters: a unit, and nothing before it */
    sp_prop_spec s = {.name = "sync", .type = SP_PROP_TIME};
    parse_bad(&s, "inf", SP_EINVAL,
              "property 'sync' = 'inf': unknown unit 'inf', " S_EXPECTED);
    parse_bad(&s, "nans", SP_EINVAL,
              "property 'sync' = 'nans': unknown unit 'nans', " S_EXPECTED);
    parse_bad(&s, "1e308h", SP_ERANGE,
              "property 'sync' = '1e308h': too large, " S_EXPECTED);
    assert_true(parse_ok(&s, "0.05").f == 0.05);
    assert_true(parse_ok(&s, "50ms").f == 0.05);
    assert_true(parse_ok(&s, "1e-3s").f == 0.001);
}

static void test_bool(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "camera", .type = SP_PROP_BOOL};
    const char *yes[] = {"true", "1", "yes", "on", "TRUE", "On"};
    const char *no[] = {"false", "0", "no", "off", "False"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_int_equal(parse_ok(&s, yes[i]).i, 1);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_int_equal(parse_ok(&s, no[i]).i, 0);
    parse_bad(&s, "maybe", SP_EINVAL,
              "property 'camera' = 'maybe': not a boolean, expected true or "
              "false (also 1/0, yes/no, on/off)");
}

static void test_string_enum(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "dir", .type = SP_PROP_STRING};
    parse_ok(&s, "");
    parse_ok(&s, "a b/c");
    sp_prop_spec e = {
        .name = "mode", .type = SP_PROP_ENUM, .choices = "bilinear|ea|nearest"};
    assert_int_equal(parse_ok(&e, "bilinear").i, 0);
    assert_int_equal(parse_ok(&e, "EA").i, 1);
    assert_int_equal(parse_ok(&e, "nearest").i, 2);
    /* a hint: a choice the value starts, or starts a '_' part of, first
     * (near is nearest, not bilinear; rggb8 is bayer_rggb8, not rgb8 one
     * edit away), else the choices sp_suggest() finds close */
    parse_bad(&e, "near", SP_EINVAL,
              "property 'mode' = 'near': not a known choice (did you mean "
              "'nearest'?), expected one of bilinear, ea, nearest");
    parse_bad(&e, "bilinea", SP_EINVAL,
              "property 'mode' = 'bilinea': not a known choice (did you mean "
              "'bilinear'?), expected one of bilinear, ea, nearest");
    parse_bad(&e, "xyz", SP_EINVAL,
              "property 'mode' = 'xyz': not a known choice, expected one of "
              "bilinear, ea, nearest");
    parse_bad(&e, "", SP_EINVAL,
              "property 'mode' = '': not a known choice, expected one of "
              "bilinear, ea, nearest");
    sp_prop_spec f = {.name = "format",
                      .type = SP_PROP_ENUM,
                      .choices = "gray8|bayer_rggb8|bayer_bggr8|rgb8|rgba8|"
                                 "rgb16|bgr8"};
    parse_bad(&f, "RGGB8", SP_EINVAL,
              "property 'format' = 'RGGB8': not a known choice (did you mean "
              "'bayer_rggb8'?), expected one of gray8, bayer_rggb8, "
              "bayer_bggr8, rgb8, rgba8, rgb16, bgr8");
    parse_bad(&f, "rgb", SP_EINVAL,
              "property 'format' = 'rgb': not a known choice (did you mean "
              "'rgb8', 'rgba8' or 'rgb16'?), expected one of gray8, "
              "bayer_rggb8, bayer_bggr8, rgb8, rgba8, rgb16, bgr8");
    parse_bad(&f, "bayer_rgb8", SP_EINVAL,
              "property 'format' = 'bayer_rgb8': not a known choice (did you "
              "mean 'bayer_rggb8'?), expected one of gray8, "
              "bayer_rggb8, bayer_bggr8, rgb8, rgba8, rgb16, bgr8");
}

static void test_range(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "x", .type = SP_PROP_RANGE};
    sp_prop_value v = parse_ok(&s, "0:70");
    assert_true(v.lo == 0 && v.hi == 70);
    v = parse_ok(&s, "-40.5:-1/2");
    assert_true(v.lo == -40.5 && v.hi == -0.5);
    v = parse_ok(&s, "3:3");
    assert_true(v.lo == 3 && v.hi == 3);
    parse_bad(&s, "70:0", SP_ERANGE,
              "property 'x' = '70:0': LO is greater than HI, expected LO:HI "
              "with LO <= HI (e.g. 0:70)");
    parse_bad(&s, "70", SP_EINVAL,
              "property 'x' = '70': no ':' between the bounds, expected LO:HI "
              "with LO <= HI (e.g. 0:70)");
    parse_bad(&s, "a:b", SP_EINVAL,
              "property 'x' = 'a:b': a bound is not a number, expected LO:HI "
              "with LO <= HI (e.g. 0:70)");
    parse_bad(&s, "1:", SP_EINVAL,
              "property 'x' = '1:': a bound is not a number, expected LO:HI "
              "with LO <= HI (e.g. 0:70)");
    sp_prop_spec b = {
        .name = "z", .type = SP_PROP_RANGE, .min = -10, .max = 10};
    parse_ok(&b, "-10:10");
    parse_bad(&b, "-3:11", SP_ERANGE,
              "property 'z' = '-3:11': out of range, expected LO:HI with -10 "
              "<= LO <= HI <= 10");
}

static void test_floats(void **state)
{
    (void)state;
    sp_prop_spec s = {.name = "mean", .type = SP_PROP_FLOATS};
    sp_prop_value v = parse_ok(&s, "0.485,0.456,1/2");
    assert_int_equal(v.nv, 3);
    assert_true(v.v[0] == 0.485 && v.v[1] == 0.456 && v.v[2] == 0.5);
    v = parse_ok(&s, "7");
    assert_int_equal(v.nv, 1);
    assert_true(v.v[0] == 7);
    parse_ok(&s, "1,2,3,4,5,6,7,8");
    parse_bad(&s, "1,2,3,4,5,6,7,8,9", SP_EINVAL,
              "property 'mean' = '1,2,3,4,5,6,7,8,9': too many numbers, "
              "expected 1 to 8 comma-separated numbers (e.g. 0.5,0.5,0.5)");
    parse_bad(&s, "1,,2", SP_EINVAL,
              "property 'mean' = '1,,2': not a list of numbers, expected 1 to "
              "8 comma-separated numbers (e.g. 0.5,0.5,0.5)");
    parse_bad(&s, "1,2,", SP_EINVAL,
              "property 'mean' = '1,2,': not a list of numbers, expected 1 to "
              "8 comma-separated numbers (e.g. 0.5,0.5,0.5)");
    sp_prop_spec r = {.name = "w", .type = SP_PROP_FLOATS, .min = 0, .max = 1};
    parse_bad(&r, "0.5,2", SP_ERANGE,
              "property 'w' = '0.5,2': a number is out of range, expected 1 "
              "to 8 comma-separated numbers in 0..1 (e.g. 0.5,0.5,0.5)");
    /* "auto" besides the numbers where choices says so */
    sp_prop_spec ra = {.name = "rows",
                       .type = SP_PROP_INT,
                       .min = 1,
                       .max = 4096,
                       .choices = "auto"};
    v = parse_ok(&ra, "auto");
    assert_true(v.is_auto && v.set);
    v = parse_ok(&ra, "32");
    assert_true(!v.is_auto && v.i == 32);
    parse_bad(&ra, "autos", SP_EINVAL,
              "property 'rows' = 'autos': not an integer, expected auto, or "
              "an integer in 1..4096");
    parse_bad(&r, "auto", SP_EINVAL,
              "property 'w' = 'auto': not a list of numbers, expected 1 to 8 "
              "comma-separated numbers in 0..1 (e.g. 0.5,0.5,0.5)");
    /* counts declared in choices: said in the description, checked */
    sp_prop_spec c13 = {.name = "leaf",
                        .type = SP_PROP_FLOATS,
                        .min = 0,
                        .max = 10,
                        .choices = "1|3"};
    assert_int_equal(parse_ok(&c13, "0.2").nv, 1);
    assert_int_equal(parse_ok(&c13, "0.2,0.2,0.1").nv, 3);
    parse_bad(&c13, "0.2,0.1", SP_EINVAL,
              "property 'leaf' = '0.2,0.1': 2 numbers, expected 1 or 3 "
              "comma-separated numbers in 0..10 (e.g. 0.5,0.5,0.5)");
    sp_prop_spec c3 = {.name = "gains", .type = SP_PROP_FLOATS, .choices = "3"};
    parse_bad(&c3, "2", SP_EINVAL,
              "property 'gains' = '2': 1 number, expected 3 comma-separated "
              "numbers (e.g. 0.5,0.5,0.5)");
    sp_prop_spec c124 = {
        .name = "k", .type = SP_PROP_FLOATS, .choices = "1|2|4"};
    parse_ok(&c124, "1,2,3,4");
    parse_bad(&c124, "1,2,3", SP_EINVAL,
              "property 'k' = '1,2,3': 3 numbers, expected 1, 2 or 4 "
              "comma-separated numbers (e.g. 0.5,0.5,0.5)");
}

/* ---- through a pipeline: defaults, required, what init() sees ---- */

/* A tiny number underflows to a subnormal (or 0): still a number, while
 * one past the double range is refused; a string with a length limit (a
 * stream name) is refused when longer, never cut. */
static void test_subnormal_and_string_limit(void **state)
{
    (void)state;
    const sp_prop_spec f = {.name = "v", .type = SP_PROP_FLOAT};
    sp_prop_value v = parse_ok(&f, "1e-320");
    assert_true(v.f > 0 && v.f < 1e-300);
    v = parse_ok(&f, "-4.9e-324");
    assert_true(v.f < 0);
    assert_true(parse_ok(&f, "1e-400").f == 0.0);
    parse_bad(&f, "1e400", SP_EINVAL,
              "property 'v' = '1e400': not a number, expected a number "
              "(e.g. 0.5 or 1/255)");
    const sp_prop_spec s = {.name = "stream",
                            .type = SP_PROP_STRING,
                            .max = SP_STREAM_NAME_MAX - 1};
    char name[SP_STREAM_NAME_MAX + 1];
    memset(name, 'a', SP_STREAM_NAME_MAX - 1);
    name[SP_STREAM_NAME_MAX - 1] = '\0';
    parse_ok(&s, name);
    name[SP_STREAM_NAME_MAX - 1] = 'a';
    name[SP_STREAM_NAME_MAX] = '\0';
    sp_prop_value w;
    assert_int_equal(sp__prop_parse(&s, name, &w), SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "128 bytes, too long, expected text "
                                        "of at most 127 bytes"));
    /* Through a launch string, for every file source's stream=. */
    static const char *const srcs[] = {"pcd path=x", "bin path=x",
                                       "pngs path=x",
                                       ("raw path=x width=1 height=1 "
                                        "format=gray8")};
    for (int i = 0; i < 4; i++) {
        char launch[512];
        snprintf(launch, sizeof launch, "%s stream=%s ! null", srcs[i], name);
        sp_pipeline *p = NULL;
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_ERANGE);
        assert_non_null(strstr(sp_errmsg(), "property 'stream'"));
        assert_non_null(strstr(sp_errmsg(), "too long"));
    }
}

static sp_prop_value seen[8];
static char seen_text[8][32];

static const sp_prop_spec all_props[] = {
    {"n", SP_PROP_INT, "7", 0, 10, NULL, "an int", 0},
    {"f", SP_PROP_FLOAT, "1/4", 0, 0, NULL, "a float", 0},
    {"b", SP_PROP_BOOL, "on", 0, 0, NULL, "a bool", 0},
    {"s", SP_PROP_STRING, "hello", 0, 0, NULL, "a string", 0},
    {"e", SP_PROP_ENUM, "two", 0, 0, "one|two|three", "an enum", 0},
    {"r", SP_PROP_RANGE, "-1:1", 0, 0, NULL, "a range", 0},
    {"l", SP_PROP_FLOATS, "1,2", 0, 0, NULL, "floats", 0},
    {"o", SP_PROP_STRING, NULL, 0, 0, NULL, "optional, no default", 1},
};

static const sp_prop_spec req_props[] = {
    {"dir", SP_PROP_STRING, NULL, 0, 0, NULL, "output directory", 0},
};

static int tprops_init(sp_stage *st)
{
    const char *names[] = {"n", "f", "b", "s", "e", "r", "l", "o"};
    for (int i = 0; i < 8; i++) {
        seen[i] = *sp_stage_prop(st, names[i]);
        snprintf(seen_text[i], sizeof seen_text[i], "%s",
                 seen[i].s ? seen[i].s : "(null)");
    }
    return SP_OK;
}

static int eos_pull(sp_stage *st, sp_frame **out)
{
    (void)st;
    (void)out;
    return SP_EOS;
}

static const sp_stage_class tprops_class = {.name = "tprops",
                                            .description =
                                                "every property type",
                                            .props = all_props,
                                            .nprops = 8,
                                            .is_source = 1,
                                            .init = tprops_init,
                                            .pull = eos_pull};

static const sp_stage_class treq_class = {.name = "treq",
                                          .description = "a required property",
                                          .props = req_props,
                                          .nprops = 1,
                                          .pull = eos_pull};

static void test_pipeline_values(void **state)
{
    (void)state;
    sp_pipeline *p;
    assert_int_equal(sp_stage_class_register(&tprops_class), SP_OK);
    assert_int_equal(sp_stage_class_register(&treq_class), SP_OK);
    assert_int_equal(sp_stage_class_register(&treq_class), SP_EBUSY);

    /* Defaults. */
    assert_int_equal(sp_pipeline_create("tprops ! treq dir=x", NULL, &p),
                     SP_OK);
    assert_int_equal(seen[0].i, 7);
    assert_true(seen[1].f == 0.25);
    assert_int_equal(seen[2].i, 1);
    assert_string_equal(seen_text[3], "hello");
    assert_int_equal(seen[4].i, 1);
    assert_true(seen[5].lo == -1 && seen[5].hi == 1);
    assert_int_equal(seen[6].nv, 2);
    assert_int_equal(seen[7].set, 0);
    assert_string_equal(seen_text[7], "(null)");
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* A built-in time property: threads='s spin= takes a unit (us when
     * bare) and keeps its range in us. */
    assert_int_equal(sp_pipeline_create("synth frames=1 ! voxel threads=2 "
                                        "spin=2ms ! null",
                                        NULL, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_pipeline_create("synth frames=1 ! voxel threads=2 "
                                        "spin=11s ! null",
                                        NULL, &p),
                     SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "'spin' = '11s': out of range, "
                                        "expected a time in 0..10000000 us"));

    /* Given values, and the text as given. */
    assert_int_equal(
        sp_pipeline_create("tprops n=10 f=-2 b=no s='a b' e=THREE r=0:70 "
                           "l=0.5,0.25,1/8 o=set ! treq dir=x",
                           NULL, &p),
        SP_OK);
    assert_int_equal(seen[0].i, 10);
    assert_true(seen[1].f == -2);
    assert_int_equal(seen[2].i, 0);
    assert_string_equal(seen_text[3], "a b");
    assert_int_equal(seen[4].i, 2);
    assert_string_equal(seen_text[4], "THREE");
    assert_true(seen[5].lo == 0 && seen[5].hi == 70);
    assert_int_equal(seen[6].nv, 3);
    assert_true(seen[6].v[2] == 0.125);
    assert_int_equal(seen[7].set, 1);
    assert_string_equal(seen_text[7], "set");
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* Required. */
    p = (sp_pipeline *)1;
    assert_int_equal(sp_pipeline_create("tprops ! treq", NULL, &p), SP_EINVAL);
    assert_null(p);
    assert_string_equal(sp_errmsg(),
                        "launch string, column 10: stage 'treq': property "
                        "'dir' is required (output directory), expected "
                        "dir=...");
    assert_int_equal(sp_pipeline_error_column(), 10);
    /* a required choice lists what to pick from */
    assert_int_equal(sp_pipeline_create("pcap path=x ! lidar", NULL, &p),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "stage 'lidar': property 'model' is "
                                        "required (the sensor; "));
    assert_non_null(strstr(sp_errmsg(), "expected model=vlp16|vlp32c|"));

    /* Validation happens before any init(): seen[] stays untouched. */
    memset(seen, 0x5a, sizeof seen);
    assert_int_equal(sp_pipeline_create("tprops ! treq dir=x ! treq", NULL, &p),
                     SP_EINVAL);
    assert_int_equal(seen[0].set, 0x5a5a5a5a);
}

static void test_class_checks(void **state)
{
    (void)state;
    static const sp_prop_spec bad_def[] = {
        {"n", SP_PROP_INT, "x", 0, 0, NULL, "bad default", 0}};
    static const sp_prop_spec no_choices[] = {
        {"m", SP_PROP_ENUM, NULL, 0, 0, NULL, "no choices", 1}};
    static const sp_prop_spec bad_unit[] = {
        {"t", SP_PROP_TIME, NULL, 0, 0, "sec", "bad unit", 1}};
    static const sp_prop_spec bad_auto[] = {
        {"n", SP_PROP_INT, NULL, 0, 0, "automatic", "not auto", 1}};
    static const sp_prop_spec bad_counts[] = {
        {"f", SP_PROP_FLOATS, NULL, 0, 0, "3|1", "falling counts", 1}};
    static const sp_prop_spec twice[] = {
        {"a", SP_PROP_INT, "1", 0, 0, NULL, "", 0},
        {"a", SP_PROP_INT, "1", 0, 0, NULL, "", 0}};
    sp_stage_class c = {
        .name = "tbad", .pull = eos_pull, .props = bad_def, .nprops = 1};
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(),
                        "stage class 'tbad': bad default: property 'n' = 'x': "
                        "not an integer, expected an integer");
    c.props = no_choices;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(),
                        "stage class 'tbad': enum property 'm' has no choices");
    c.props = bad_unit;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(),
                        "stage class 'tbad': time property 't' has unit "
                        "'sec', expected ns, us, ms, s, min or h");
    c.props = bad_auto;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(), "stage class 'tbad': property 'n' has "
                                     "choices 'automatic', expected none or "
                                     "\"auto\"");
    c.props = bad_counts;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(),
                        "stage class 'tbad': floats property 'f' allows '3|1' "
                        "numbers, expected counts from 1 to 8, rising, joined "
                        "by '|' (\"1|3\")");
    c.props = twice;
    c.nprops = 2;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_string_equal(sp_errmsg(),
                        "stage class 'tbad': property 'a' declared twice");
    c.nprops = 0;
    c.name = "bad name";
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    c.name = "tbad";
    c.pull = NULL;
    assert_int_equal(sp_stage_class_register(&c), SP_EINVAL);
    assert_null(sp_stage_class_find("tbad"));
}

/* Every built-in class registered and listed in name order, with defaults
 * that parse (registration checks them). */
static void test_builtins(void **state)
{
    (void)state;
    size_t n = sp_stage_class_count();
    assert_true(n >= 1);
    assert_non_null(sp_stage_class_find("queue"));
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(sp_stage_class_at(i - 1)->name,
                           sp_stage_class_at(i)->name) <= 0);
    assert_null(sp_stage_class_at(n));
}

static int role_pull(sp_stage *st, sp_frame **out)
{
    (void)st;
    *out = NULL;
    return SP_EOS;
}

/* One name may have a source and a filter/sink; the launch position picks
 * the role, and a second class of the same role is refused. */
static void test_roles(void **state)
{
    (void)state;
    static const sp_stage_class src = {
        .name = "trole", .is_source = 1, .pull = role_pull};
    static const sp_stage_class snk = {
        .name = "trole", .is_sink = 1, .pull = role_pull};
    static const sp_stage_class snk2 = {
        .name = "trole", .is_sink = 1, .pull = role_pull};
    assert_int_equal(sp_stage_class_register(&snk), SP_OK);
    assert_int_equal(sp_stage_class_register(&src), SP_OK);
    assert_int_equal(sp_stage_class_register(&snk2), SP_EBUSY);
    assert_non_null(strstr(sp_errmsg(), "'trole'"));
    assert_ptr_equal(sp_stage_class_find_role("trole", 1), &src);
    assert_ptr_equal(sp_stage_class_find_role("trole", 0), &snk);
    assert_ptr_equal(sp_stage_class_find("trole"), &src);
    /* the built-in pcd reader and writer share their name */
    const sp_stage_class *r = sp_stage_class_find_role("pcd", 1);
    const sp_stage_class *w = sp_stage_class_find_role("pcd", 0);
    assert_non_null(r);
    assert_non_null(w);
    assert_true(r->is_source);
    assert_true(w->is_sink);
    /* only one role: the other is returned so the caller can explain */
    assert_ptr_equal(sp_stage_class_find_role("queue", 1),
                     sp_stage_class_find("queue"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_string_enum),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_pipeline_values),
        cmocka_unit_test(test_class_checks),
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_subnormal_and_string_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
