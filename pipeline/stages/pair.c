/* Pairing a frame with its partner from the same sample (see pair_int.h):
 * primaries wait in a short list, partners and other frames are handed on
 * as they come, and a primary leaves the list with the partner nearest in
 * time once no nearer one can arrive. */
#include <string.h>

#include "filter_int.h"
#include "pair_int.h"

/* |a - b| without overflow for any two int64 values. */
static uint64_t time_dist(int64_t a, int64_t b)
{
    return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

static int is_primary(const sp__pair *pr, const sp_frame *f)
{
    return f->payload == pr->primary_payload &&
           sp__stream_in_list(pr->primary_streams, f->stream);
}

static int is_partner(const sp__pair *pr, const sp_frame *f)
{
    return f->payload == pr->partner_payload &&
           sp__stream_in_list(pr->partner_streams, f->stream);
}

/* The nearer of @p before and @p after within the window; ties go to the
 * one with the primary's seq, then to the earlier. */
static sp_frame *choose(const sp__pair *pr, const sp_frame *p, sp_frame *before,
                        sp_frame *after)
{
    sp_frame *best = NULL;
    uint64_t bd = 0;
    sp_frame *cand[2] = {before, after};
    for (int i = 0; i < 2; i++) {
        sp_frame *c = cand[i];
        if (!c)
            continue;
        uint64_t d = time_dist(c->timestamp_ns, p->timestamp_ns);
        if (d > (uint64_t)pr->sync_ns)
            continue;
        if (!best || d < bd ||
            (d == bd && c->seq == p->seq && best->seq != p->seq)) {
            best = c;
            bd = d;
        }
    }
    return best;
}

static void push(sp__pair *pr, sp_frame *f, sp_frame *partner)
{
    /* Room is certain: at most SP__PAIR_HELD primaries and one more frame
     * are queued per upstream frame, and the queue is empty before the
     * next one is pulled. */
    int at = (pr->out_head + pr->nout) % SP__PAIR_OUT;
    if (partner)
        sp_frame_ref(partner);
    pr->out[at].f = f;
    pr->out[at].partner = partner;
    pr->nout++;
}

/* The oldest waiting primary leaves with the best of prev and @p after. */
static void release_oldest(sp__pair *pr, sp_frame *after)
{
    sp__pair_item it = pr->held[0];
    memmove(pr->held, pr->held + 1, (size_t)(pr->nheld - 1) * sizeof it);
    pr->nheld--;
    push(pr, it.f, choose(pr, it.f, pr->prev, after));
}

int sp__pair_next(sp_stage *st, sp__pair *pr, sp_frame **out)
{
    *out = NULL;
    sp_frame_unref(pr->current);
    pr->current = NULL;
    for (;;) {
        if (pr->nout) {
            sp__pair_item it = pr->out[pr->out_head];
            pr->out_head = (pr->out_head + 1) % SP__PAIR_OUT;
            pr->nout--;
            pr->current = it.partner;
            *out = it.f;
            return SP_OK;
        }
        if (pr->eos)
            return SP_EOS;
        sp_frame *f = NULL;
        int rc = sp_stage_pull_upstream(st, &f);
        if (rc == SP_EOS) {
            while (pr->nheld)
                release_oldest(pr, NULL);
            pr->eos = 1;
            continue;
        }
        if (rc != SP_OK)
            return rc;
        if (is_partner(pr, f)) {
            while (pr->nheld)
                release_oldest(pr, f);
            sp_frame_ref(f);
            sp_frame_unref(pr->prev);
            pr->prev = f;
            push(pr, f, NULL);
            continue;
        }
        /* A frame more than the window after a waiting primary: no
         * partner still to come can be near enough to that one. */
        while (pr->nheld && f->timestamp_ns > pr->held[0].f->timestamp_ns &&
               time_dist(f->timestamp_ns, pr->held[0].f->timestamp_ns) >
                   (uint64_t)pr->sync_ns)
            release_oldest(pr, NULL);
        if (is_primary(pr, f)) {
            /* The partner already seen is as near as can be (same time,
             * same seq): nothing later can beat it, so no wait. */
            if (!pr->nheld && pr->prev &&
                pr->prev->timestamp_ns == f->timestamp_ns &&
                pr->prev->seq == f->seq) {
                push(pr, f, pr->prev);
                continue;
            }
            if (pr->nheld == SP__PAIR_HELD)
                release_oldest(pr, NULL);
            pr->held[pr->nheld].f = f;
            pr->held[pr->nheld].partner = NULL;
            pr->nheld++;
            continue;
        }
        push(pr, f, NULL);
    }
}

const sp_frame *sp__pair_partner(const sp__pair *pr)
{
    return pr->current;
}

void sp__pair_clear(sp__pair *pr)
{
    for (int i = 0; i < pr->nheld; i++)
        sp_frame_unref(pr->held[i].f);
    pr->nheld = 0;
    while (pr->nout) {
        sp__pair_item *it = &pr->out[pr->out_head];
        sp_frame_unref(it->f);
        sp_frame_unref(it->partner);
        pr->out_head = (pr->out_head + 1) % SP__PAIR_OUT;
        pr->nout--;
    }
    sp_frame_unref(pr->prev);
    sp_frame_unref(pr->current);
    pr->prev = pr->current = NULL;
}
