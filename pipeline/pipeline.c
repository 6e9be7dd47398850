/* The pipeline: builds stage instances from a parsed launch string,
 * validates every property before anything runs, then pulls frames from
 * the last stage. Early stop and destroy join every queue thread and hand
 * every block back to its pool. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"

#define DEFAULT_WARMUP 16

sp_poolmgr *sp__pipeline_poolmgr(sp_pipeline *p)
{
    return p ? p->mgr : NULL;
}

sp_backend sp__pipeline_backend(const sp_pipeline *p)
{
    return p ? p->backend : SP_BACKEND_AUTO;
}

int sp__stage_stopping(const sp_stage *st)
{
    return st && st->pipe &&
           atomic_load_explicit(&st->pipe->stop, memory_order_relaxed);
}

/* A class's properties, then, on a source, the pacing's (pace.c). */
static size_t prop_count(const sp_stage_class *cls)
{
    size_t n = 0;
    if (cls->is_source)
        sp__pace_specs(&n);
    return cls->nprops + n;
}

static const char *prop_name_at(size_t i, const void *ctx)
{
    const sp_stage_class *cls = ctx;
    size_t n;
    return i < cls->nprops ? cls->props[i].name
                           : sp__pace_specs(&n)[i - cls->nprops].name;
}

static int launch_fail(int col, int status)
{
    sp__launch_set_error_column(col);
    return sp__fail_context(status, "launch string, column %d: ", col);
}

/* Lists a class's property names ("frames, seed, width") for messages. */
static void prop_names(const sp_stage_class *cls, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < prop_count(cls) && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
                                prop_name_at(i, cls));
}

static int stage_props(sp_stage *st, const sp__launch_elem *e)
{
    const sp_stage_class *cls = st->cls;
    const char *text[SP__LAUNCH_MAX_PROPS] = {0};
    int col[SP__LAUNCH_MAX_PROPS] = {0};
    size_t total = 0;

    /* Which given key is which declared property. */
    for (size_t k = 0; k < e->nprops; k++) {
        const sp__launch_prop *kv = &e->props[k];
        size_t i = 0;
        if (cls->is_source) {
            /* rate=, deadline=, drop=: the pipeline's, on any source. */
            int rc = sp__pace_prop(&st->pipe->pace, st->name, kv->key,
                                   kv->value, kv->value_col);
            if (rc < 0)
                return rc;
            if (rc == 1)
                continue;
        }
        while (i < cls->nprops && strcmp(cls->props[i].name, kv->key) != 0)
            i++;
        if (i == cls->nprops) {
            char hint[160], names[512];
            sp_suggest(kv->key, prop_count(cls), prop_name_at, cls, hint,
                       sizeof hint);
            prop_names(cls, names, sizeof names);
            sp__launch_set_error_column(kv->key_col);
            if (prop_count(cls) == 0)
                return sp__fail(SP_ENOTFOUND,
                                "launch string, column %d: stage '%s' has "
                                "no property '%s', it takes none",
                                kv->key_col, st->name, kv->key);
            return sp__fail(SP_ENOTFOUND,
                            "launch string, column %d: stage '%s' has no "
                            "property '%s'%s%s (its properties: %s)",
                            kv->key_col, st->name, kv->key, *hint ? ", " : "",
                            hint, names);
        }
        text[i] = kv->value;
        col[i] = kv->value_col;
    }
    if (cls->is_source)
        sp__pace_note_unpaced(&st->pipe->pace, st);
    /* Defaults fill the rest; a property with neither is required. */
    for (size_t i = 0; i < cls->nprops; i++) {
        const sp_prop_spec *ps = &cls->props[i];
        if (text[i] == NULL && ps->def != NULL) {
            text[i] = ps->def;
            col[i] = e->col;
        }
        if (text[i] == NULL && !ps->optional) {
            sp__launch_set_error_column(e->col);
            /* An enum's choices are what the user has to pick from. */
            return sp__fail(
                SP_EINVAL,
                "launch string, column %d: stage '%s': property '%s' is "
                "required (%s), expected %s=%s",
                e->col, st->name, ps->name, ps->help ? ps->help : "no default",
                ps->name, ps->type == SP_PROP_ENUM ? ps->choices : "...");
        }
        if (text[i] != NULL)
            total += strlen(text[i]) + 1;
    }
    st->prop_text = malloc(total ? total : 1);
    if (st->prop_text == NULL)
        return sp__fail(SP_ENOMEM, "stage '%s': out of memory", st->name);
    char *w = st->prop_text;
    for (size_t i = 0; i < cls->nprops; i++) {
        if (text[i] == NULL)
            continue;
        int rc = sp__prop_parse(&cls->props[i], text[i], &st->props[i]);
        if (rc < 0)
            return sp__launch_prop_fail(rc, col[i], st->name);
        size_t n = strlen(text[i]) + 1;
        memcpy(w, text[i], n);
        st->props[i].s = w;
        w += n;
    }
    return SP_OK;
}

static int stage_new(sp_pipeline *p, const sp__launch_elem *e, size_t index,
                     sp_stage **out)
{
    const sp_stage_class *cls;
    sp_stage *st;
    int same = 0;

    *out = NULL;
    cls = sp_stage_class_find_role(e->name, index == 0);
    if (cls == NULL)
        return launch_fail(e->col, SP_ENOTFOUND);
    if (index == 0 && !cls->is_source) {
        sp__launch_set_error_column(e->col);
        return sp__fail(SP_EINVAL,
                        "launch string, column %d: '%s' is not a source, "
                        "expected the first stage to be a source (`sensorpipe "
                        "stages` lists them)",
                        e->col, e->name);
    }
    if (index > 0 && cls->is_source) {
        sp__launch_set_error_column(e->col);
        return sp__fail(SP_EINVAL,
                        "launch string, column %d: '%s' is a source, "
                        "expected it first (a pipeline has one source)",
                        e->col, e->name);
    }
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return sp__fail(SP_ENOMEM, "stage '%s': out of memory", e->name);
    *out = st; /* the caller frees it on failure */
    st->cls = cls;
    st->col = e->col;
    st->index = (int)index;
    st->pipe = p;
    st->upstream = index ? p->stages[index - 1] : NULL;
    for (size_t i = 0; i < index; i++)
        same += p->stages[i]->cls == cls;
    if (same)
        snprintf(st->name, sizeof st->name, "%s#%d", cls->name, same + 1);
    else
        snprintf(st->name, sizeof st->name, "%s", cls->name);
    st->props = calloc(cls->nprops ? cls->nprops : 1, sizeof *st->props);
    st->priv = calloc(1, cls->priv_size ? cls->priv_size : 1);
    if (st->props == NULL || st->priv == NULL)
        return sp__fail(SP_ENOMEM, "stage '%s': out of memory", st->name);
    return stage_props(st, e);
}

static void stage_free(sp_stage *st)
{
    if (st == NULL)
        return;
    sp_kctx_destroy(st->kctx);
    free(st->prop_text);
    free(st->props);
    free(st->priv);
    free(st);
}

static int finish(sp_pipeline *p, int rc);

static int has_stage_prefix(void)
{
    return strncmp(sp_errmsg(), "stage '", 7) == 0;
}

int sp_pipeline_create(const char *launch, const sp_pipeline_opts *opts,
                       sp_pipeline **out)
{
    static const sp_pipeline_opts defaults;
    sp__launch l;
    sp_pipeline *p;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(launch != NULL);
    if (opts == NULL)
        opts = &defaults;
    sp__launch_set_error_column(0);
    if ((unsigned)opts->backend > SP_BACKEND_OPENCL)
        return sp__fail(SP_EINVAL,
                        "sp_pipeline_create: back-end %d, expected auto, "
                        "scalar, simd or opencl",
                        (int)opts->backend);
    SP_TRY(sp__launch_parse(launch, &l));

    p = calloc(1, sizeof *p);
    if (p == NULL) {
        sp__launch_free(&l);
        return sp__fail(SP_ENOMEM, "pipeline: out of memory");
    }
    p->backend = opts->backend;
    p->warmup = opts->warmup_frames ? opts->warmup_frames : DEFAULT_WARMUP;
    p->on_format = opts->on_format;
    p->realtime = opts->realtime;
    p->on_format_user = opts->on_format_user;
    p->count_unwritten = -1;
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->notes_lock, NULL);
    atomic_init(&p->spare_kctx, NULL);

    /* Every class and every property is checked before any init() runs
     * or any memory is pinned. */
    for (size_t i = 0; i < l.nelems; i++) {
        sp_stage *st = NULL;
        rc = stage_new(p, &l.elems[i], i, &st);
        if (st != NULL)
            p->stages[p->nstages++] = st;
        if (st != NULL && st->cls == &sp__stage_queue)
            p->nqueues++;
        if (rc < 0)
            goto fail;
    }
    sp__launch_free(&l);
    /* Positions are of no use past this point: init errors have none. */

    /* An explicit back-end that this machine cannot provide fails here,
     * before any stage starts, rather than at the first kernel call. */
    if (p->backend == SP_BACKEND_SIMD || p->backend == SP_BACKEND_OPENCL) {
        sp_kctx_desc kd = {.backend = p->backend};
        sp_kctx *k = NULL;
        rc = sp_kctx_create(&kd, &k);
        if (rc < 0) {
            sp__fail_context(
                rc, "kernel back-end '%s': ", sp_backend_name(p->backend));
            goto fail;
        }
        atomic_store(&p->spare_kctx, k);
    }

    if (opts->poolmgr != NULL) {
        p->mgr = opts->poolmgr;
    } else {
        sp_poolmgr_desc d = {.budget_bytes = opts->budget_bytes};
        rc = sp_poolmgr_create(&d, &p->mgr);
        if (rc < 0)
            goto fail;
        p->own_mgr = 1;
    }
    for (size_t i = 0; i < p->nstages; i++) {
        sp_stage *st = p->stages[i];
        /* Marked before init() runs: a failed init() is followed by the
         * stage's fini() like a successful one, so what it set up before
         * failing (a reader, a file, a thread) is released the same way.
         * Every fini() therefore copes with a partial init. */
        st->inited = 1;
        if (st->cls->init != NULL) {
            rc = st->cls->init(st);
            if (rc < 0) {
                if (!has_stage_prefix())
                    sp__fail_context(rc, "stage '%s': ", st->name);
                /* fini() then sees the run as failed, not stopped: a sink
                 * removes what it began instead of finishing it. */
                finish(p, rc);
                goto fail;
            }
        }
    }
    p->alloc_counted = sp_alloc_counter_active();
    *out = p;
    return SP_OK;

fail:
    sp__launch_free(&l);
    {
        /* Keep the message: destroy may overwrite it. */
        char msg[SP__ERRMSG_MAX];
        int col = sp_pipeline_error_column();
        snprintf(msg, sizeof msg, "%s", sp_errmsg());
        sp_pipeline_destroy(p);
        sp__launch_set_error_column(col);
        sp__fail(rc, "%s", msg);
    }
    return rc;
}

/* Checked when frame sizes become known — each stage's first frame, and a
 * larger one later — not at start: sizes come from the input (a file's
 * header is read when its frame is pulled) and differ from stage to stage
 * (a debayered image is three times its mosaic), so at start there is
 * nothing to check against. Only pipelines with queues are checked: without
 * one, every frame in flight is held by the one thread that asks for the
 * next block, and a budget too small fails at once, naming the stage. */
int sp__pipeline_budget_check(sp_pipeline *p)
{
    uint64_t budget = sp_poolmgr_budget(p->mgr);
    uint64_t est = 0, prev = 0, biggest = 0, queued = 0, held = 0;
    uint64_t qframes = 0;
    char qlist[256];
    size_t qlen = 0;
    qlist[0] = '\0';
    for (size_t i = 0; i < p->nstages; i++) {
        sp_stage *st = p->stages[i];
        size_t s = atomic_load_explicit(&st->max_block, memory_order_relaxed);
        if (s)
            est = s;
        if (est > biggest)
            biggest = est;
        if (st->cls == &sp__stage_queue) {
            uint64_t d = (uint64_t)sp_stage_prop_int(st, "depth");
            qframes += d;
            queued += d * prev;
            if (qlen < sizeof qlist) {
                int w = snprintf(qlist + qlen, sizeof qlist - qlen,
                                 "%s'%s' depth=%llu", qlen ? ", " : "",
                                 st->name, (unsigned long long)d);
                if (w > 0)
                    qlen += (size_t)w;
            }
        }
        held += est;
        prev = est;
    }
    uint64_t need = queued + held;
    if (need <= budget)
        return SP_OK;
    double mib = 1024.0 * 1024.0;
    return sp__fail(SP_EBUDGET,
                    "the pool budget of %.1f MiB cannot hold what the "
                    "pipeline may hold at once: queue%s %s hold%s up to %llu "
                    "frames, plus one frame for each of the %zu stages, with "
                    "frames of up to %.1f MiB: %.1f MiB; expected a budget of "
                    "at least %.0f MiB (the CLI's --pool-mb), smaller queue "
                    "depths or fewer queues",
                    (double)budget / mib, p->nqueues == 1 ? "" : "s", qlist,
                    p->nqueues == 1 ? "s" : "", (unsigned long long)qframes,
                    p->nstages, (double)biggest / mib, (double)need / mib,
                    (double)((need + (1u << 20) - 1) >> 20));
}

uint64_t sp__pipeline_pool_grows(const sp_pipeline *p)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp_poolmgr_pool_count(p->mgr); i++) {
        sp_pool_stats s;
        if (sp_poolmgr_stats_get(p->mgr, i, &s) == 0)
            n += s.grows;
    }
    return n;
}

static int finish(sp_pipeline *p, int rc)
{
    p->done = 1;
    p->done_status = rc;
    p->t_end = sp__now_ns();
    if (p->alloc_counted) {
        p->alloc_end = sp__alloc_count();
        p->grows_end = sp__pipeline_pool_grows(p);
        p->alloc_end_set = 1;
    }
    if (rc < 0)
        snprintf(p->done_msg, sizeof p->done_msg, "%s", sp_errmsg());
    return rc;
}

/* Whether frames out of the last stage are checked for a sink's mark:
 * the last stage is a sink, and every sink is a built-in one (a class
 * registered by the caller does not mark what it writes). */
static int counts_unwritten(const sp_pipeline *p)
{
    if (!p->stages[p->nstages - 1]->cls->is_sink)
        return 0;
    for (size_t i = 0; i < p->nstages; i++)
        if (p->stages[i]->cls->is_sink &&
            !sp__stage_class_is_builtin(p->stages[i]->cls))
            return 0;
    return 1;
}

/* A frame out of the last stage that no sink wrote: counted by payload,
 * its stream kept among the payload's first few. */
static void count_unwritten(sp_pipeline *p, const sp_frame *f)
{
    if (p->count_unwritten < 0)
        p->count_unwritten = counts_unwritten(p);
    unsigned pay = (unsigned)f->payload;
    if (!p->count_unwritten || f->written || pay > 3)
        return;
    p->unwritten[pay]++;
    sp__seen_add(&p->unwritten_seen[pay], 0, f->stream);
}

int sp_pipeline_pull(sp_pipeline *p, sp_frame **out)
{
    sp_stage *last;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(p != NULL);
    if (p->done)
        return p->done_status < 0 ? sp__fail(p->done_status, "%s", p->done_msg)
                                  : p->done_status;
    if (atomic_load(&p->stop)) {
        sp__fail(SP_ECANCELED, "pipeline stopped after %llu frames",
                 (unsigned long long)p->frames);
        return finish(p, SP_ECANCELED);
    }
    if (p->t_start == 0)
        p->t_start = sp__now_ns();
    last = p->stages[p->nstages - 1];
    rc = sp__stage_pull(last, out);
    if (rc == SP_OK) {
        p->frames++;
        count_unwritten(p, *out);
        if ((*out)->t_read_ns != 0) {
            uint64_t now = sp__now_ns();
            sp__hist_record(
                &p->e2e, now > (*out)->t_read_ns ? now - (*out)->t_read_ns : 0);
        }
        if (p->alloc_counted && p->frames == p->warmup) {
            p->grows_base = sp__pipeline_pool_grows(p);
            p->alloc_base = sp__alloc_count();
        }
        return SP_OK;
    }
    if (rc == SP_ECANCELED || (rc < 0 && atomic_load(&p->stop)))
        sp__fail(SP_ECANCELED, "pipeline stopped after %llu frames",
                 (unsigned long long)p->frames);
    return finish(p, rc < 0 && atomic_load(&p->stop) ? SP_ECANCELED : rc);
}

int sp_pipeline_run(sp_pipeline *p)
{
    sp_frame *f;
    int rc;

    SP_GUARD(p != NULL);
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK)
        sp_frame_unref(f);
    return rc == SP_EOS ? SP_OK : rc;
}

void sp_pipeline_stop(sp_pipeline *p)
{
    if (p != NULL)
        atomic_store(&p->stop, 1);
}

void sp__seen_add(sp__seen *s, int tag, const char *name)
{
    for (int k = 0; k < s->n; k++)
        if (s->tag[k] == tag && !strcmp(s->name[k], name))
            return;
    if (s->n == 4)
        return;
    s->tag[s->n] = tag;
    snprintf(s->name[s->n], sizeof s->name[0], "%s", name);
    s->n++;
}

void sp__seen_join(const sp__seen *s, int payloads, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < s->n && len < cap; k++)
        len += (size_t)snprintf(
            buf + len, cap - len, "%s%s%s%s", k ? ", " : "",
            payloads ? sp_payload_name((sp_payload)s->tag[k]) : "",
            payloads ? " on stream " : "", s->name[k]);
    if (s->n == 4 && len < cap)
        snprintf(buf + len, cap - len, ", ...");
}

/* A filter whose streams= took none of the frames of its kind that came
 * (a misspelt name, another log's topic) changed nothing: said, with the
 * streams it saw. Its threads are joined by now. */
static void note_streams_unmatched(sp_stage *st)
{
    if (st->streams_taken || !st->streams_passed)
        return;
    char seen[SP__SEEN_TEXT];
    sp__seen_join(&st->streams_seen, 0, seen, sizeof seen);
    sp_stage_note(st,
                  "streams=%s took none of the %llu %s frame%s that came "
                  "(their streams: %s): %s through unchanged",
                  sp_stage_prop_str(st, "streams"),
                  (unsigned long long)st->streams_passed,
                  sp_payload_name(st->streams_payload),
                  st->streams_passed == 1 ? "" : "s", seen,
                  st->streams_passed == 1 ? "it passed" : "they passed");
}

/* A filter that saw frames, none of them of the payload it works on (a
 * folder of images into voxel, a lidar-only log into resize), changed
 * nothing: said, with what came instead. */
static void note_kind_unmatched(sp_stage *st)
{
    if (st->kind_taken || !st->kind_other)
        return;
    char seen[SP__SEEN_TEXT];
    sp__seen_join(&st->other_seen, 1, seen, sizeof seen);
    sp_stage_note(st,
                  "works on %s frames and none came: the %llu frame%s that "
                  "came (%s) passed through unchanged",
                  sp_payload_name(st->kind_payload),
                  (unsigned long long)st->kind_other,
                  st->kind_other == 1 ? "" : "s", seen);
}

/* Frames that went through every sink of the pipeline unwritten (points
 * into a png sink alone): said on the last stage, per payload, with the
 * sinks that write that payload. */
static void note_unwritten(sp_pipeline *p)
{
    static const char *const writers[4] = {
        "npy, pcd, kittibin and mcap write points",
        "npy, png and mcap write images", "npy and png write tensors",
        ("no sink writes raw packets: decode them first with `lidar "
         "model=...`")};
    for (int pay = 0; pay < 4; pay++) {
        if (p->unwritten[pay] == 0)
            continue;
        char seen[SP__SEEN_TEXT];
        sp__seen_join(&p->unwritten_seen[pay], 0, seen, sizeof seen);
        uint64_t n = p->unwritten[pay];
        sp_stage_note(p->stages[p->nstages - 1],
                      "%llu %s frame%s (stream%s %s) reached the end of the "
                      "pipeline and no sink in it wrote %s (%s)",
                      (unsigned long long)n, sp_payload_name((sp_payload)pay),
                      n == 1 ? "" : "s",
                      p->unwritten_seen[pay].n > 1 ? "s" : "", seen,
                      n == 1 ? "it" : "them", writers[pay]);
    }
}

void sp_pipeline_close(sp_pipeline *p)
{
    if (p == NULL || p->closed)
        return;
    atomic_store(&p->stop, 1);
    if (!p->done) {
        /* Closed before the end: a stop, as far as every stage knows. */
        p->closed_early = 1;
        sp__fail(SP_ECANCELED, "pipeline closed after %llu frames",
                 (unsigned long long)p->frames);
        finish(p, SP_ECANCELED);
    }
    /* Downstream first: a queue's fini() joins the thread that runs the
     * stages upstream of it, so those are idle before their own fini(). */
    for (size_t i = p->nstages; i-- > 0;) {
        sp_stage *st = p->stages[i];
        if (st->inited && st->cls->fini != NULL)
            st->cls->fini(st);
        st->inited = 0;
    }
    for (size_t i = 0; i < p->nstages; i++) {
        note_streams_unmatched(p->stages[i]);
        note_kind_unmatched(p->stages[i]);
    }
    note_unwritten(p);
    p->closed = 1;
}

int sp__stage_run_status(const sp_stage *st)
{
    const sp_pipeline *p = st->pipe;
    if (!p->done)
        return SP_ECANCELED; /* fini() outside close(): treat as a stop */
    return p->done_status == SP_EOS ? SP_OK : p->done_status;
}

void sp_stage_note(sp_stage *st, const char *fmt, ...)
{
    char text[SP_PIPELINE_NOTE_MAX];
    int n = snprintf(text, sizeof text, "stage '%s': ", st->name);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof text)
        vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
    va_end(ap);
    sp_pipeline *p = st->pipe;
    pthread_mutex_lock(&p->notes_lock);
    size_t i = 0;
    while (i < p->nnotes && strcmp(p->notes[i], text) != 0)
        i++;
    if (i < p->nnotes) {
        p->note_repeats[i]++;
    } else if (p->nnotes < SP_PIPELINE_MAX_NOTES) {
        memcpy(p->notes[p->nnotes], text, sizeof text);
        p->note_repeats[p->nnotes++] = 1;
    } else {
        p->notes_dropped++;
    }
    pthread_mutex_unlock(&p->notes_lock);
}

size_t sp_pipeline_note_count(const sp_pipeline *p)
{
    return p ? p->nnotes + (p->notes_dropped ? 1 : 0) : 0;
}

const char *sp_pipeline_note(const sp_pipeline *p, size_t i, uint64_t *repeats)
{
    if (repeats)
        *repeats = 0;
    if (!p || i > p->nnotes || (i == p->nnotes && !p->notes_dropped))
        return NULL;
    if (i == p->nnotes) {
        if (repeats)
            *repeats = p->notes_dropped;
        return "more notes than the pipeline keeps: the rest were counted "
               "only";
    }
    if (repeats)
        *repeats = p->note_repeats[i];
    return p->notes[i];
}

int sp_pipeline_destroy(sp_pipeline *p)
{
    int rc = SP_OK;

    if (p == NULL)
        return SP_OK;
    sp_pipeline_close(p);
    for (size_t i = 0; i < p->nstages; i++)
        stage_free(p->stages[i]);
    sp_kctx_destroy(atomic_exchange(&p->spare_kctx, NULL));
    if (p->own_mgr) {
        rc = sp_poolmgr_destroy(p->mgr);
        if (rc < 0) {
            /* Frames still held by the caller keep their blocks; the
             * manager must outlive them, so it is left allocated. */
            sp__fail_context(rc, "sp_pipeline_destroy: frames still held, "
                                 "pool manager not freed: ");
        }
    }
    pthread_mutex_destroy(&p->notes_lock);
    free(p);
    return rc;
}

int sp_pipeline_length(const sp_pipeline *p, uint64_t *frames)
{
    SP_GUARD(frames != NULL);
    *frames = 0;
    SP_GUARD(p != NULL && p->nstages > 0);
    sp_stage *src = p->stages[0];
    if (src->cls->length == NULL || !src->inited)
        return sp__fail(SP_EUNSUPPORTED,
                        "stage '%s': cannot say how many frames it gives",
                        src->name);
    return src->cls->length(src, frames);
}

int sp_pipeline_has_sink(const sp_pipeline *p)
{
    return p && p->nstages && p->stages[p->nstages - 1]->cls->is_sink;
}

size_t sp_pipeline_stage_count(const sp_pipeline *p)
{
    return p ? p->nstages : 0;
}

const char *sp_pipeline_stage_name(const sp_pipeline *p, size_t i)
{
    return p && i < p->nstages ? p->stages[i]->name : NULL;
}

sp_poolmgr *sp_pipeline_poolmgr(const sp_pipeline *p)
{
    return p ? p->mgr : NULL;
}
