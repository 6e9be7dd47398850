/* The launch-string parser, GStreamer style:
 *
 *     synth frames=100 seed=7 ! queue depth=4 cpu=1 ! npy dir='my out/'
 *
 * Stages are separated by '!'; each is a name followed by key=value pairs.
 * A value is bare (up to the next space or '!') or quoted with '...' (taken
 * literally) or "..." (where \" and \\ are escapes). This file checks syntax
 * only; pipeline.c looks the names up and the properties check the values.
 * Every error names the 1-based column and what was expected there. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"

static _Thread_local int error_column;

void sp__launch_set_error_column(int col)
{
    error_column = col;
}

int sp_pipeline_error_column(void)
{
    return error_column;
}

int sp__launch_prop_fail(int rc, int col, const char *stage)
{
    error_column = col;
    return sp__fail_context(rc, "launch string, column %d: stage '%s': ", col,
                            stage);
}

typedef struct parser {
    const char *s;
    size_t i;
    char *buf; /* output text: each token NUL-terminated */
    size_t used;
} parser;

static int fail_at(size_t i, int status, const char *fmt, ...) SP__PRINTF(3, 4);

static int fail_at(size_t i, int status, const char *fmt, ...)
{
    /* The fixed "launch string, column N: " prefix is what the CLI's caret
     * display and the tests key on. */
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    error_column = (int)i + 1;
    return sp__fail(status, "launch string, column %zu: %s", i + 1, what);
}

/* "'x'" for a character, "the end of the string" at the end. */
static const char *found(const parser *p, char *tmp)
{
    char c = p->s[p->i];
    if (c == '\0')
        return "the end of the string";
    tmp[0] = '\'';
    tmp[1] = c;
    tmp[2] = '\'';
    tmp[3] = '\0';
    return tmp;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static int is_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static void skip_space(parser *p)
{
    while (is_space(p->s[p->i]))
        p->i++;
}

static char *emit_begin(parser *p)
{
    return p->buf + p->used;
}

static void emit_char(parser *p, char c)
{
    p->buf[p->used++] = c;
}

static void emit_end(parser *p)
{
    p->buf[p->used++] = '\0';
}

static const char *read_ident(parser *p)
{
    char *start = emit_begin(p);
    while (is_ident(p->s[p->i]))
        emit_char(p, p->s[p->i++]);
    emit_end(p);
    return start;
}

static int read_value(parser *p, const char *key, const char **out)
{
    char tmp[4];
    char *start = emit_begin(p);
    char q = p->s[p->i];

    if (q == '\'' || q == '"') {
        size_t open = p->i++;
        for (;;) {
            char c = p->s[p->i];
            if (c == '\0') {
                char qs[2] = {q, 0};
                return fail_at(open, SP_EFORMAT,
                               "unterminated quote: the %s opened here is "
                               "never closed, expected a closing %s",
                               qs, qs);
            }
            p->i++;
            if (c == q)
                break;
            if (q == '"' && c == '\\' &&
                (p->s[p->i] == '"' || p->s[p->i] == '\\'))
                c = p->s[p->i++];
            emit_char(p, c);
        }
        if (p->s[p->i] != '\0' && !is_space(p->s[p->i]) && p->s[p->i] != '!')
            return fail_at(p->i, SP_EFORMAT,
                           "expected a space or '!' after the closing quote, "
                           "found %s",
                           found(p, tmp));
    } else {
        if (q == '\0' || is_space(q) || q == '!')
            return fail_at(p->i, SP_EFORMAT,
                           "expected a value after '%s=' (quote an empty or "
                           "spaced value: %s='...')",
                           key, key);
        while (p->s[p->i] && !is_space(p->s[p->i]) && p->s[p->i] != '!') {
            char c = p->s[p->i];
            if (c == '\'' || c == '"')
                return fail_at(p->i, SP_EFORMAT,
                               "unexpected quote inside the value of '%s', "
                               "expected the whole value quoted (%s='...')",
                               key, key);
            emit_char(p, c);
            p->i++;
        }
    }
    emit_end(p);
    *out = start;
    return SP_OK;
}

static int parse_elem(parser *p, sp__launch_elem *e, int after_bang)
{
    char tmp[4];

    skip_space(p);
    if (p->s[p->i] == '\0')
        return after_bang
                   ? fail_at(p->i, SP_EFORMAT,
                             "expected a stage name after '!', found the "
                             "end of the string")
                   : fail_at(p->i, SP_EFORMAT,
                             "empty launch string, expected a stage name "
                             "(e.g. 'synth frames=10 ! null')");
    if (p->s[p->i] == '!')
        return fail_at(p->i, SP_EFORMAT, "expected a stage name before '!'");
    if (!is_ident_start(p->s[p->i]))
        return fail_at(p->i, SP_EFORMAT,
                       "expected a stage name (a letter, then letters, "
                       "digits, '_' or '-'), found %s",
                       found(p, tmp));
    e->col = (int)p->i + 1;
    e->name = read_ident(p);
    e->nprops = 0;

    for (;;) {
        size_t had_space = p->i;
        skip_space(p);
        char c = p->s[p->i];
        if (c == '\0' || c == '!')
            return SP_OK;
        if (had_space == p->i)
            return fail_at(p->i, SP_EFORMAT,
                           "expected a space after the stage name '%s', "
                           "found %s",
                           e->name, found(p, tmp));
        if (!is_ident_start(c))
            return fail_at(p->i, SP_EFORMAT,
                           "expected a property (key=value) or '!', found "
                           "%s",
                           found(p, tmp));
        if (e->nprops == SP__LAUNCH_MAX_PROPS)
            return fail_at(p->i, SP_EFORMAT,
                           "too many properties for stage '%s', expected at "
                           "most %d",
                           e->name, SP__LAUNCH_MAX_PROPS);
        sp__launch_prop *kv = &e->props[e->nprops];
        kv->key_col = (int)p->i + 1;
        kv->key = read_ident(p);
        if (p->s[p->i] != '=') {
            if (p->s[p->i] == '\0' || is_space(p->s[p->i]) || p->s[p->i] == '!')
                return fail_at(p->i, SP_EFORMAT,
                               "expected '=' after property name '%s' "
                               "(properties are key=value; a new stage "
                               "needs '!' before it)",
                               kv->key);
            return fail_at(p->i, SP_EFORMAT,
                           "expected '=' after property name '%s', found %s",
                           kv->key, found(p, tmp));
        }
        for (size_t j = 0; j < e->nprops; j++)
            if (strcmp(e->props[j].key, kv->key) == 0)
                return fail_at((size_t)kv->key_col - 1, SP_EFORMAT,
                               "property '%s' is given twice for stage "
                               "'%s', expected it once",
                               kv->key, e->name);
        p->i++;
        kv->value_col = (int)p->i + 1;
        SP_TRY(read_value(p, kv->key, &kv->value));
        e->nprops++;
    }
}

int sp__launch_parse(const char *launch, sp__launch *out)
{
    parser p;
    int rc;

    SP_GUARD(out != NULL);
    memset(out, 0, sizeof *out);
    SP_GUARD(launch != NULL);
    error_column = 0;
    /* Every token is at most its source text plus a NUL, and tokens do not
     * overlap, so twice the length bounds the output. */
    size_t len = strlen(launch);
    p.s = launch;
    p.i = 0;
    p.used = 0;
    p.buf = malloc(2 * len + 2);
    if (p.buf == NULL)
        return sp__fail(SP_ENOMEM, "launch string: out of memory");
    out->text = p.buf;

    int after_bang = 0;
    for (;;) {
        if (out->nelems == SP__LAUNCH_MAX_STAGES) {
            rc =
                fail_at(p.i, SP_EFORMAT, "too many stages, expected at most %d",
                        SP__LAUNCH_MAX_STAGES);
            goto fail;
        }
        rc = parse_elem(&p, &out->elems[out->nelems], after_bang);
        if (rc < 0)
            goto fail;
        out->nelems++;
        if (p.s[p.i] == '\0')
            return SP_OK;
        p.i++; /* the '!' */
        after_bang = 1;
    }
fail:
    sp__launch_free(out);
    return rc;
}

void sp__launch_free(sp__launch *l)
{
    if (l == NULL)
        return;
    free(l->text);
    memset(l, 0, sizeof *l);
}
