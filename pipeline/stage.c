/* What a stage implementation calls: its private state, its properties, its
 * upstream, its pool manager and kernel context; and the timed, counted
 * pull that every stage goes through. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline_int.h"

/* The first frame of each stream a stage produces goes to the pipeline's
 * on_format callback (`run -v`). */
static void report_format(sp_stage *st, const sp_frame *f)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof f->stream && f->stream[i]; i++)
        h = (h ^ (unsigned char)f->stream[i]) * 1099511628211ull;
    int n = st->nformats_seen;
    for (int i = 0; i < n; i++)
        if (st->formats_seen[i] == h)
            return;
    if (n == (int)(sizeof st->formats_seen / sizeof st->formats_seen[0]))
        return;
    st->formats_seen[st->nformats_seen++] = h;
    st->pipe->on_format(st->pipe->on_format_user, st->name, f);
}

int sp__stage_pull(sp_stage *st, sp_frame **out)
{
    uint64_t t0, t1, self;
    int rc;

again:
    *out = NULL;
    st->upstream_ns = 0;
    const uint64_t calls0 = sp__workers_calls(st->workers);
    t0 = sp__now_ns();
    rc = st->cls->pull(st, out);
    if (rc == SP_OK && *out != NULL && st->upstream == NULL) {
        (*out)->t_read_ns = t0;
        /* Waiting for the due time is not the source's own time. */
        st->upstream_ns += sp__pace_wait(st, *out);
    }
    t1 = sp__now_ns();
    /* A filter's own time excludes what its upstream took; a queue's
     * upstream runs on another thread, so its time is the wait. */
    self = t1 - t0;
    self = self > st->upstream_ns ? self - st->upstream_ns : 0;
    /* Only this thread writes it; others may read it (stats). */
    atomic_store_explicit(
        &st->busy_ns,
        atomic_load_explicit(&st->busy_ns, memory_order_relaxed) + self,
        memory_order_relaxed);
    if (rc == SP_OK) {
        if (*out == NULL)
            return sp_stage_fail(st, SP_EINVAL,
                                 "pull() returned SP_OK without a frame");
        if (sp__pace_check(st, *out, t1)) {
            sp_frame_unref(*out);
            goto again;
        }
        atomic_fetch_add_explicit(&st->frames_out, 1, memory_order_relaxed);
        if (sp__workers_calls(st->workers) != calls0)
            atomic_fetch_add_explicit(&st->split, 1, memory_order_relaxed);
        sp__hist_record(&st->hist, self);
        if (st->pipe->on_format)
            report_format(st, *out);
        rc = sp__stage_note_frame(st, *out);
        if (rc < 0) {
            sp_frame_unref(*out);
            *out = NULL;
        }
    } else if (rc < 0) {
        /* The stage where an error starts names itself, once. */
        if (rc != SP_ECANCELED && strncmp(sp_errmsg(), "stage '", 7) != 0)
            sp__fail_context(rc, "stage '%s': ", st->name);
        if (*out != NULL) {
            /* A stage that fails must not hand on a frame; release it so
             * the block still returns to its pool. */
            sp_frame_unref(*out);
            *out = NULL;
        }
    } else if (rc != SP_EOS) {
        return sp_stage_fail(st, SP_EINVAL,
                             "pull() returned status %d, expected SP_OK, "
                             "SP_EOS or an error",
                             rc);
    }
    return rc;
}

int sp__stage_note_frame(sp_stage *st, const sp_frame *f)
{
    size_t b = sp_block_size(f->block);
    if (b <= atomic_load_explicit(&st->max_block, memory_order_relaxed))
        return SP_OK;
    atomic_store_explicit(&st->max_block, b, memory_order_relaxed);
    if (!st->pipe->nqueues)
        return SP_OK;
    int rc = sp__pipeline_budget_check(st->pipe);
    if (rc < 0)
        sp__fail_context(
            rc, "stage '%s': frame %s #%llu (%.1f MiB): ", st->name, f->stream,
            (unsigned long long)f->seq, (double)b / (1 << 20));
    return rc;
}

void *sp_stage_priv(sp_stage *st)
{
    return st ? st->priv : NULL;
}

int sp_stage_pull_upstream(sp_stage *st, sp_frame **out)
{
    uint64_t t0;
    int rc;

    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(st != NULL);
    if (st->upstream == NULL)
        return sp_stage_fail(st, SP_EINVAL,
                             "has no upstream (it is the first stage), "
                             "expected a source here");
    t0 = sp__now_ns();
    rc = sp__stage_pull(st->upstream, out);
    st->upstream_ns += sp__now_ns() - t0;
    if (rc == SP_OK)
        atomic_fetch_add_explicit(&st->frames_in, 1, memory_order_relaxed);
    return rc;
}

sp_poolmgr *sp_stage_poolmgr(sp_stage *st)
{
    return st ? sp__pipeline_poolmgr(st->pipe) : NULL;
}

int sp_stage_kctx_ready(sp_stage *st)
{
    if (st == NULL)
        return sp__fail(SP_EINVAL, "sp_stage_kctx_ready: stage is NULL");
    if (st->kctx != NULL)
        return SP_OK;
    /* Created on first use, in the thread that runs the stage, so a
     * pipeline without kernel stages never touches the kernel runtime. */
    sp_kctx_desc d = {.backend = sp__pipeline_backend(st->pipe)};
    st->kctx = atomic_exchange(&st->pipe->spare_kctx, NULL);
    if (st->kctx != NULL)
        return SP_OK;
    int rc = sp_kctx_create(&d, &st->kctx);
    if (rc < 0) {
        /* sp_kctx_create's message starts "kernel context: ". */
        st->kctx = NULL;
        return sp__fail_context(rc, "stage '%s': ", st->name);
    }
    return SP_OK;
}

sp_kctx *sp_stage_kctx(sp_stage *st)
{
    return sp_stage_kctx_ready(st) < 0 ? NULL : st->kctx;
}

const char *sp_stage_name(const sp_stage *st)
{
    return st ? st->name : "?";
}

const sp_prop_value *sp_stage_prop(const sp_stage *st, const char *name)
{
    /* Unknown names are a bug in the stage, not user input; an unset value
     * keeps the caller from dereferencing NULL. */
    static const sp_prop_value unset;

    if (st == NULL || name == NULL)
        return &unset;
    for (size_t i = 0; i < st->cls->nprops; i++)
        if (strcmp(st->cls->props[i].name, name) == 0)
            return &st->props[i];
    return &unset;
}

int64_t sp_stage_prop_int(const sp_stage *st, const char *name)
{
    return sp_stage_prop(st, name)->i;
}

double sp_stage_prop_float(const sp_stage *st, const char *name)
{
    return sp_stage_prop(st, name)->f;
}

int sp_stage_prop_bool(const sp_stage *st, const char *name)
{
    return sp_stage_prop(st, name)->i != 0;
}

const char *sp_stage_prop_str(const sp_stage *st, const char *name)
{
    return sp_stage_prop(st, name)->s;
}

int sp_stage_fail(sp_stage *st, int status, const char *fmt, ...)
{
    char msg[SP__ERRMSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sp__fail(status, "stage '%s': %s", st ? st->name : "?", msg);
}

void sp__stage_use_workers(struct sp_stage *st, const sp__workers *w)
{
    st->workers = w;
    st->threads = sp__workers_count(w);
}

void sp_stage_count_skipped(sp_stage *st)
{
    if (st != NULL)
        atomic_fetch_add_explicit(&st->skipped, 1, memory_order_relaxed);
}
