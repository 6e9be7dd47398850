/* libFuzzer target: the launch-string parser and the property checks, the
 * part of sp_pipeline_create() that runs before any stage's init() (which
 * would open files and create folders, so it is not called here).
 *
 * The input, cut at its first NUL, is one launch string. The target
 *  1. splits it (sp__launch_parse): either SP_OK, or SP_EFORMAT with
 *     "launch string, column N: ..." where N is inside the string + 1;
 *  2. looks every stage name up in the registry (unknown names compute
 *     "did you mean" suggestions from edit distances);
 *  3. matches every key=value to the class's declared property (unknown
 *     keys get suggestions too) and parses the value with the same
 *     sp__prop_parse() the pipeline uses, then checks what it accepted
 *     against the declared type, range and choices; refusals must be
 *     SP_EINVAL or SP_ERANGE with "property 'NAME' = ..." in the message;
 *  4. describes what each property allows (the text `sensorpipe stages`
 *     and the error messages print).
 * Once per process it also checks that every class's declared defaults
 * pass the class's own checks.
 * Anything else aborts, and ASan/UBSan catch memory and arithmetic errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "fuzz_launch: %s\n  input: %s\n  errmsg: %s\n", what, text,
            sp_errmsg());
    abort();
}

static const char *prop_name_at(size_t i, const void *ctx)
{
    return ((const sp_stage_class *)ctx)->props[i].name;
}

static size_t count_choices(const char *choices)
{
    size_t n = 1;
    for (const char *p = choices; *p; p++)
        n += *p == '|';
    return n;
}

/* What an accepted value must satisfy, from the spec alone. */
static void check_value(const sp_prop_spec *s, const sp_prop_value *v,
                        const char *text)
{
    int ranged = s->min < s->max;
    if (v->is_auto) {
        /* "auto" only where declared */
        if (!s->choices || strcmp(s->choices, "auto") != 0 ||
            (s->type != SP_PROP_INT && s->type != SP_PROP_FLOAT &&
             s->type != SP_PROP_RANGE))
            fail("auto accepted where it is not declared", text);
        return;
    }
    switch (s->type) {
    case SP_PROP_INT:
        if (ranged && ((double)v->i < s->min || (double)v->i > s->max))
            fail("an int outside its declared range was accepted", text);
        break;
    case SP_PROP_FLOAT:
        if (isnan(v->f))
            fail("NaN accepted as a float property", text);
        if (ranged && (v->f < s->min || v->f > s->max))
            fail("a float outside its declared range was accepted", text);
        break;
    case SP_PROP_TIME:
        if (!isfinite(v->f))
            fail("a time that is not finite was accepted", text);
        if (ranged && (v->f < s->min || v->f > s->max))
            fail("a time outside its declared range was accepted", text);
        break;
    case SP_PROP_BOOL:
        if (v->i != 0 && v->i != 1)
            fail("a bool that is neither 0 nor 1", text);
        break;
    case SP_PROP_ENUM:
        if (v->i < 0 || (size_t)v->i >= count_choices(s->choices))
            fail("an enum index outside the choices", text);
        break;
    case SP_PROP_RANGE:
        if (isnan(v->lo) || isnan(v->hi) || v->lo > v->hi)
            fail("a range with LO > HI or NaN was accepted", text);
        if (ranged && (v->lo < s->min || v->hi > s->max))
            fail("a range outside its declared limits was accepted", text);
        break;
    case SP_PROP_FLOATS:
        if (v->nv < 1 || v->nv > SP_PROP_MAX_FLOATS)
            fail("a float list with a bad length was accepted", text);
        for (int k = 0; k < v->nv; k++) {
            if (isnan(v->v[k]))
                fail("NaN accepted in a float list", text);
            if (ranged && (v->v[k] < s->min || v->v[k] > s->max))
                fail("a list value outside its declared range was accepted",
                     text);
        }
        break;
    case SP_PROP_STRING:
        break;
    }
}

static void check_prop(const sp_stage_class *cls, const sp__launch_prop *kv,
                       const char *text)
{
    size_t i = 0;
    while (i < cls->nprops && strcmp(cls->props[i].name, kv->key) != 0)
        i++;
    if (i == cls->nprops) {
        char hint[160];
        sp_suggest(kv->key, cls->nprops, prop_name_at, cls, hint, sizeof hint);
        return;
    }
    const sp_prop_spec *s = &cls->props[i];
    char allowed[512];
    sp_prop_describe_allowed(s, allowed, sizeof allowed);
    if (sp_prop_type_name(s->type)[0] == '?')
        fail("a property of no known type", text);
    sp_prop_value v;
    memset(&v, 0, sizeof v);
    int rc = sp__prop_parse(s, kv->value, &v);
    if (rc == SP_OK) {
        check_value(s, &v, text);
        return;
    }
    if (rc != SP_EINVAL && rc != SP_ERANGE)
        fail("a refused value with a status other than EINVAL/ERANGE", text);
    char want[64];
    snprintf(want, sizeof want, "property '%s'", s->name);
    if (!strstr(sp_errmsg(), want))
        fail("a refused value whose message does not name the property", text);
}

/* Once: every registered class's declared defaults must pass its own
 * checks (a default that does not would fail every pipeline omitting it). */
static void check_defaults(void)
{
    for (size_t c = 0; c < sp_stage_class_count(); c++) {
        const sp_stage_class *cls = sp_stage_class_at(c);
        for (size_t i = 0; i < cls->nprops; i++) {
            const sp_prop_spec *s = &cls->props[i];
            if (!s->def)
                continue;
            sp_prop_value v;
            memset(&v, 0, sizeof v);
            if (sp__prop_parse(s, s->def, &v) != SP_OK)
                fail("a declared default fails its own checks", s->def);
            check_value(s, &v, s->def);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int defaults_checked;
    if (!defaults_checked) {
        check_defaults();
        defaults_checked = 1;
    }
    /* A NUL-terminated exact-size copy: the parser reads to the NUL. */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);

    sp__launch l;
    int rc = sp__launch_parse(text, &l);
    if (rc != SP_OK) {
        int col = sp_pipeline_error_column();
        if (rc != SP_EFORMAT)
            fail("syntax error with a status other than EFORMAT", text);
        if (strncmp(sp_errmsg(), "launch string, column ", 22) != 0)
            fail("syntax error without its column prefix", text);
        if (col < 1 || (size_t)col > len + 1)
            fail("error column outside the string", text);
        if (l.text != NULL || l.nelems != 0)
            fail("a failed parse left its output allocated", text);
        free(text);
        return 0;
    }
    if (l.nelems < 1 || l.nelems > SP__LAUNCH_MAX_STAGES)
        fail("parse succeeded with a bad stage count", text);
    for (size_t e = 0; e < l.nelems; e++) {
        const sp__launch_elem *el = &l.elems[e];
        if (!el->name || !el->name[0] || el->col < 1 || (size_t)el->col > len ||
            el->nprops > SP__LAUNCH_MAX_PROPS)
            fail("parse succeeded with a bad stage element", text);
        for (size_t k = 0; k < el->nprops; k++) {
            const sp__launch_prop *kv = &el->props[k];
            if (!kv->key || !kv->key[0] || !kv->value || kv->key_col < 1 ||
                kv->value_col <= kv->key_col || (size_t)kv->value_col > len + 1)
                fail("parse succeeded with a bad key=value", text);
        }
        const sp_stage_class *cls = sp_stage_class_find(el->name);
        if (cls == NULL) {
            if (strstr(sp_errmsg(), "unknown stage") == NULL)
                fail("unknown stage without its message", text);
            continue;
        }
        for (size_t k = 0; k < el->nprops; k++)
            check_prop(cls, &el->props[k], text);
    }
    sp__launch_free(&l);
    free(text);
    return 0;
}
