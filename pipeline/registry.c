/* The stage-class registry: built-in classes (stages_builtin.h) plus any a
 * program registers, kept sorted by name. Lookups of unknown names suggest
 * the closest registered names by edit distance. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "pipeline_int.h"

#define SP_BUILTIN_STAGE(sym) extern const sp_stage_class sym;
#include "stages_builtin.h"
#undef SP_BUILTIN_STAGE

static const sp_stage_class *const builtins[] = {
#define SP_BUILTIN_STAGE(sym) &sym,
#include "stages_builtin.h"
#undef SP_BUILTIN_STAGE
};

#define MAX_CLASSES 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const sp_stage_class *classes[MAX_CLASSES];
static size_t nclasses;

static int name_ok(const char *s)
{
    if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Checks what the launch parser and property code rely on, so a class with
 * a mistake fails loudly at registration instead of at some user's run. */
static int class_check(const sp_stage_class *cls)
{
    if (!name_ok(cls->name))
        return sp__fail(SP_EINVAL,
                        "stage class '%s': bad name, expected letters, "
                        "digits, '_' or '-' starting with a letter",
                        cls->name ? cls->name : "(null)");
    if (cls->pull == NULL)
        return sp__fail(SP_EINVAL, "stage class '%s': pull() is NULL",
                        cls->name);
    if (cls->nprops > SP__LAUNCH_MAX_PROPS || (cls->nprops && !cls->props))
        return sp__fail(SP_EINVAL,
                        "stage class '%s': %zu properties, expected at most "
                        "%d",
                        cls->name, cls->nprops, SP__LAUNCH_MAX_PROPS);
    for (size_t i = 0; i < cls->nprops; i++) {
        const sp_prop_spec *ps = &cls->props[i];
        sp_prop_value v;
        if (!name_ok(ps->name))
            return sp__fail(SP_EINVAL,
                            "stage class '%s': property %zu has a bad name",
                            cls->name, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cls->props[j].name, ps->name) == 0)
                return sp__fail(SP_EINVAL,
                                "stage class '%s': property '%s' declared "
                                "twice",
                                cls->name, ps->name);
        if (sp__prop_spec_check(ps) < 0)
            return sp__fail_context(SP_EINVAL, "stage class '%s': ", cls->name);
        if (ps->def != NULL && sp__prop_parse(ps, ps->def, &v) < 0)
            return sp__fail_context(
                SP_EINVAL, "stage class '%s': bad default: ", cls->name);
    }
    return SP_OK;
}

static int insert_locked(const sp_stage_class *cls)
{
    size_t pos = 0;

    if (nclasses == MAX_CLASSES)
        return sp__fail(SP_ENOMEM,
                        "stage class '%s': registry full (%d classes)",
                        cls->name, MAX_CLASSES);
    /* One name may serve two roles, a source and a filter or sink (`pcd
     * path=in.pcd ! ... ! pcd dir=out`): the launch string's position picks
     * the role. Within a name the source sorts first. */
    while (pos < nclasses && strcmp(classes[pos]->name, cls->name) < 0)
        pos++;
    for (size_t i = pos;
         i < nclasses && strcmp(classes[i]->name, cls->name) == 0; i++) {
        if (!classes[i]->is_source == !cls->is_source)
            return sp__fail(SP_EBUSY,
                            "stage class '%s': a %s of that name is already "
                            "registered",
                            cls->name, cls->is_source ? "source" : "stage");
        if (classes[i]->is_source)
            pos = i + 1;
    }
    memmove(&classes[pos + 1], &classes[pos],
            (nclasses - pos) * sizeof classes[0]);
    classes[pos] = cls;
    nclasses++;
    return SP_OK;
}

int sp__stage_class_is_builtin(const sp_stage_class *cls)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (builtins[i] == cls)
            return 1;
    return 0;
}

/* A built-in class that fails its checks is left out; its own test suite
 * (and `sensorpipe stages`) then shows it missing. */
static void register_builtins(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (class_check(builtins[i]) == SP_OK)
            insert_locked(builtins[i]);
    pthread_mutex_unlock(&lock);
}

int sp_stage_class_register(const sp_stage_class *cls)
{
    int rc;

    SP_GUARD(cls != NULL);
    pthread_once(&once, register_builtins);
    SP_TRY(class_check(cls));
    pthread_mutex_lock(&lock);
    rc = insert_locked(cls);
    pthread_mutex_unlock(&lock);
    return rc;
}

size_t sp_stage_class_count(void)
{
    size_t n;

    pthread_once(&once, register_builtins);
    pthread_mutex_lock(&lock);
    n = nclasses;
    pthread_mutex_unlock(&lock);
    return n;
}

const sp_stage_class *sp_stage_class_at(size_t i)
{
    const sp_stage_class *c = NULL;

    pthread_once(&once, register_builtins);
    pthread_mutex_lock(&lock);
    if (i < nclasses)
        c = classes[i];
    pthread_mutex_unlock(&lock);
    return c;
}

static const char *class_name_at(size_t i, const void *ctx)
{
    (void)ctx;
    const sp_stage_class *c = sp_stage_class_at(i);
    return c ? c->name : "";
}

const sp_stage_class *sp_stage_class_find(const char *name)
{
    return sp_stage_class_find_role(name, -1);
}

const sp_stage_class *sp_stage_class_find_role(const char *name, int source)
{
    const sp_stage_class *c = NULL;
    char hint[256];

    if (name == NULL) {
        sp__fail(SP_EINVAL, "sp_stage_class_find: name is NULL");
        return NULL;
    }
    pthread_once(&once, register_builtins);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nclasses; i++)
        if (strcmp(classes[i]->name, name) == 0) {
            /* The first of the name unless the other role was asked for
             * and exists. */
            if (c == NULL || (source >= 0 && !classes[i]->is_source == !source))
                c = classes[i];
            if (source < 0 || !c->is_source == !source)
                break;
        }
    pthread_mutex_unlock(&lock);
    if (c != NULL)
        return c;
    sp_suggest(name, sp_stage_class_count(), class_name_at, NULL, hint,
               sizeof hint);
    sp__fail(SP_ENOTFOUND, "unknown stage '%s'%s%s", name, *hint ? ", " : "",
             *hint ? hint
                   : " (`sensorpipe stages` lists the stages there are)");
    return NULL;
}

int sp__edit_distance(const char *a, const char *b, int cap)
{
    /* Two rows of the classic dynamic programme; names are short, so
     * longer inputs are simply "far". */
    int prev[65], cur[65];
    size_t la = strlen(a), lb = strlen(b);

    if (la > 64 || lb > 64)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int rowmin;
        cur[0] = (int)i;
        rowmin = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) !=
                       tolower((unsigned char)b[j - 1]);
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > cap)
            return cap + 1;
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb] > cap ? cap + 1 : prev[lb];
}

void sp_suggest(const char *word, size_t n,
                const char *(*at)(size_t i, const void *ctx), const void *ctx,
                char *buf, size_t cap)
{
    /* Close means within a third of the word's length (at least 2 edits),
     * or the word is a prefix of the candidate ("vox" -> "voxel"); of
     * those, the closest are offered. */
    enum { KEEP = 3 };
    const char *best[KEEP];
    int bestd[KEEP];
    size_t nbest = 0;
    size_t wl = strlen(word);
    int limit = (int)(wl / 3) > 2 ? (int)(wl / 3) : 2;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *c = at(i, ctx);
        int d = sp__edit_distance(word, c, limit);
        if (d > limit && wl >= 2 && strncmp(c, word, wl) == 0)
            d = limit;
        if (d > limit)
            continue;
        size_t pos = nbest;
        while (pos > 0 && bestd[pos - 1] > d)
            pos--;
        if (pos >= KEEP)
            continue;
        if (nbest < KEEP)
            nbest++;
        memmove(&best[pos + 1], &best[pos], (nbest - 1 - pos) * sizeof best[0]);
        memmove(&bestd[pos + 1], &bestd[pos],
                (nbest - 1 - pos) * sizeof bestd[0]);
        best[pos] = c;
        bestd[pos] = d;
    }
    /* Only the closest (ties kept, as git does): "frame" is one edit from
     * "frames" and two from "rate", and offering both only blurs it. */
    while (nbest > 1 && bestd[nbest - 1] > bestd[0])
        nbest--;
    sp__suggest_text(best, nbest, buf, cap);
}

void sp__suggest_text(const char *const *names, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (n == 0)
        return;
    size_t len = (size_t)snprintf(buf, cap, "did you mean ");
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s'%s'",
                                i == 0       ? ""
                                : i + 1 == n ? " or "
                                             : ", ",
                                names[i]);
    if (len < cap)
        snprintf(buf + len, cap - len, "?");
}
