/* Pipeline statistics: per-stage latency histograms (fixed size, no
 * allocation per sample), the figures of every pool, peak RSS and the heap
 * allocations made after warm-up; reported as a table or as JSON. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "json_int.h"
#include "pipeline_int.h"

uint64_t sp__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Buckets 0..15 hold the values 0..15 exactly; above, each power of two
 * [2^e, 2^(e+1)) is split into SP__HIST_SUB equal buckets. */
static size_t bucket_of(uint64_t v)
{
    if (v < 2 * SP__HIST_SUB)
        return (size_t)v;
    int e = 63 - __builtin_clzll(v);
    size_t sub = (size_t)(v >> (e - 3)) & (SP__HIST_SUB - 1);
    return 2 * SP__HIST_SUB + (size_t)(e - 4) * SP__HIST_SUB + sub;
}

static uint64_t bucket_mid(size_t idx)
{
    if (idx < 2 * SP__HIST_SUB)
        return idx;
    int e = (int)((idx - 2 * SP__HIST_SUB) / SP__HIST_SUB) + 4;
    uint64_t sub = (idx - 2 * SP__HIST_SUB) % SP__HIST_SUB;
    uint64_t width = (uint64_t)1 << (e - 3);
    return ((SP__HIST_SUB + sub) << (e - 3)) + width / 2;
}

/* Relaxed loads and stores: one writer, so no read-modify-write is
 * needed, and a reader on another thread sees each figure whole. */
#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define STORE(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

void sp__hist_record(sp__hist *h, uint64_t ns)
{
    uint64_t n = LOAD(h->count);
    if (n == 0 || ns < LOAD(h->min_ns))
        STORE(h->min_ns, ns);
    if (ns > LOAD(h->max_ns))
        STORE(h->max_ns, ns);
    STORE(h->sum_ns, LOAD(h->sum_ns) + ns);
    if (n > 0) {
        uint64_t last = LOAD(h->last_ns);
        STORE(h->jitter_sum,
              LOAD(h->jitter_sum) + (ns > last ? ns - last : last - ns));
    }
    STORE(h->last_ns, ns);
    size_t b = bucket_of(ns);
    STORE(h->bucket[b], LOAD(h->bucket[b]) + 1);
    STORE(h->count, n + 1);
}

uint64_t sp__hist_quantile(const sp__hist *h, double q)
{
    uint64_t rank, seen = 0;
    uint64_t count = LOAD(h->count), lo = LOAD(h->min_ns), hi = LOAD(h->max_ns);

    if (count == 0)
        return 0;
    /* The smallest value with at least q of the samples at or below it. */
    rank = (uint64_t)(q * (double)count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank >= count)
        return hi; /* the top sample is known exactly */
    for (size_t i = 0; i < SP__HIST_BUCKETS; i++) {
        seen += LOAD(h->bucket[i]);
        if (seen >= rank) {
            uint64_t v = bucket_mid(i);
            if (v < lo)
                v = lo;
            if (v > hi)
                v = hi;
            return v;
        }
    }
    return hi; /* read while a sample was being added */
}

uint64_t sp__hist_jitter(const sp__hist *h)
{
    uint64_t n = LOAD(h->count);
    return n > 1 ? LOAD(h->jitter_sum) / (n - 1) : 0;
}

uint64_t sp__hist_bucket_low(size_t idx)
{
    if (idx < 2 * SP__HIST_SUB)
        return idx;
    int e = (int)((idx - 2 * SP__HIST_SUB) / SP__HIST_SUB) + 4;
    uint64_t sub = (idx - 2 * SP__HIST_SUB) % SP__HIST_SUB;
    if (e > 63)
        return UINT64_MAX; /* past the last bucket a 64-bit value reaches */
    return (SP__HIST_SUB + sub) << (e - 3);
}

void sp__hist_fill(const sp__hist *h, sp_stage_stats *s)
{
    uint64_t n = LOAD(h->count);
    s->latency_samples = n;
    s->mean_ns = n ? LOAD(h->sum_ns) / n : 0;
    s->p50_ns = sp__hist_quantile(h, 0.50);
    s->p90_ns = sp__hist_quantile(h, 0.90);
    s->p99_ns = sp__hist_quantile(h, 0.99);
    s->p999_ns = sp__hist_quantile(h, 0.999);
    s->max_ns = LOAD(h->max_ns);
    s->jitter_ns = sp__hist_jitter(h);
}

int sp_pipeline_stats_get(const sp_pipeline *p, sp_pipeline_stats *out)
{
    struct rusage ru;

    SP_GUARD(p != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->frames = p->frames;
    if (p->t_start) {
        uint64_t end = p->t_end ? p->t_end : sp__now_ns();
        out->wall_s = (double)(end - p->t_start) * 1e-9;
    }
    out->fps = out->wall_s > 0 ? (double)out->frames / out->wall_s : 0;
    snprintf(out->backend, sizeof out->backend, "%s",
             sp_backend_name(p->backend));
    out->nstages = p->nstages;
    out->rate = p->pace.rate;
    out->deadline_ns = p->pace.deadline_ns;
    out->drop_late = p->pace.drop_late;
    out->max_gap_ns = p->pace.max_gap_ns;
    out->gaps_cut_ns =
        atomic_load_explicit(&p->pace.cut_ns, memory_order_relaxed);
    for (size_t i = 0; i < p->nstages; i++) {
        const sp_stage *st = p->stages[i];
        sp_stage_stats *s = &out->stages[i];
        snprintf(s->name, sizeof s->name, "%s", st->name);
        snprintf(s->cls, sizeof s->cls, "%s", st->cls->name);
        s->frames_in = atomic_load(&st->frames_in);
        s->frames_out = atomic_load(&st->frames_out);
        s->skipped = atomic_load(&st->skipped);
        s->threads = st->threads > 1 ? st->threads : 1;
        s->frames_split = atomic_load(&st->split);
        sp__hist_fill(&st->hist, s);
        s->late_p50_ns = sp__hist_quantile(&st->late, 0.50);
        s->late_p99_ns = sp__hist_quantile(&st->late, 0.99);
        s->late_max_ns = LOAD(st->late.max_ns);
        s->missed = atomic_load(&st->missed);
        s->dropped_late = atomic_load(&st->dropped_late);
        s->busy_s = (double)LOAD(st->busy_ns) * 1e-9;
        s->fps = s->busy_s > 0 ? (double)s->frames_out / s->busy_s : 0;
    }
    snprintf(out->e2e.name, sizeof out->e2e.name, "end to end");
    snprintf(out->e2e.cls, sizeof out->e2e.cls, "-");
    out->e2e.frames_out = out->frames;
    sp__hist_fill(&p->e2e, &out->e2e);
    size_t np = sp_poolmgr_pool_count(p->mgr);
    if (np > SP_PIPELINE_MAX_POOLS)
        np = SP_PIPELINE_MAX_POOLS;
    for (size_t i = 0; i < np; i++)
        if (sp_poolmgr_stats_get(p->mgr, i, &out->pools[out->npools]) == 0)
            out->npools++;
    out->pool_budget_bytes = sp_poolmgr_budget(p->mgr);
    out->pool_reserved_bytes = sp_poolmgr_reserved(p->mgr);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        out->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
    out->warmup_frames = p->warmup;
    out->alloc_counted = p->alloc_counted && p->frames > p->warmup;
    if (out->alloc_counted) {
        uint64_t end = p->alloc_end_set ? p->alloc_end : sp__alloc_count();
        out->frames_after_warmup = p->frames - p->warmup;
        out->heap_allocs_after_warmup = end - p->alloc_base;
        out->pool_grows_after_warmup =
            (p->alloc_end_set ? p->grows_end : sp__pipeline_pool_grows(p)) -
            p->grows_base;
    }
    return SP_OK;
}

/* ---- report writer: snprintf semantics over one buffer ---- */

typedef struct writer {
    char *buf;
    size_t cap, len;
} writer;

static void put(writer *w, const char *fmt, ...) SP__PRINTF(2, 3);

static void put(writer *w, const char *fmt, ...)
{
    va_list ap;
    char dummy[1];
    char *dst = w->len < w->cap ? w->buf + w->len : dummy;
    size_t room = w->len < w->cap ? w->cap - w->len : 0;

    va_start(ap, fmt);
    int n = vsnprintf(room ? dst : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        w->len += (size_t)n;
}

static void put_pools(writer *w, const sp_pipeline *p, sp_report_format fmt)
{
    size_t room = w->len < w->cap ? w->cap - w->len : 0;
    int n = sp_poolmgr_report(p->mgr, fmt, room ? w->buf + w->len : NULL, room);
    if (n > 0)
        w->len += (size_t)n;
    /* A truncated report leaves its NUL at the end of the buffer. */
}

static const char *alloc_na_reason(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return "sanitizer build";
#else
    return "no allocation counter registered";
#endif
}

static void report_table(writer *w, const sp_pipeline *p,
                         const sp_pipeline_stats *s)
{
    put(w, "%llu frames in %.3f s (%.1f frames/s), kernel back-end %s\n",
        (unsigned long long)s->frames, s->wall_s, s->fps, s->backend);
    put(w, "latency per frame in ms: a stage's own time (its upstream's "
           "excluded); end to end: from its source starting to read it to the "
           "last stage handing it on; jitter: mean |difference| of consecutive "
           "latencies\n");
    put(w, "%-16s %-8s %10s %10s %7s %9s %9s %9s %9s %9s %9s %9s %10s\n",
        "stage", "class", "frames in", "frames out", "skipped", "mean", "p50",
        "p90", "p99", "p99.9", "max", "jitter", "own fps");
    for (size_t i = 0; i <= s->nstages; i++) {
        const sp_stage_stats *t = i < s->nstages ? &s->stages[i] : &s->e2e;
        if (i == s->nstages && t->latency_samples == 0)
            break;
        put(w,
            "%-16s %-8s %10llu %10llu %7llu %9.3f %9.3f %9.3f %9.3f %9.3f "
            "%9.3f %9.3f %10.1f\n",
            t->name, t->cls, (unsigned long long)t->frames_in,
            (unsigned long long)t->frames_out, (unsigned long long)t->skipped,
            (double)t->mean_ns * 1e-6, (double)t->p50_ns * 1e-6,
            (double)t->p90_ns * 1e-6, (double)t->p99_ns * 1e-6,
            (double)t->p999_ns * 1e-6, (double)t->max_ns * 1e-6,
            (double)t->jitter_ns * 1e-6, t->fps);
    }
    for (size_t i = 0; i < s->nstages; i++) {
        const sp_stage_stats *t = &s->stages[i];
        if (t->threads > 1)
            put(w, "threads=%d: %s split %llu of its %llu frames\n", t->threads,
                t->name, (unsigned long long)t->frames_split,
                (unsigned long long)t->frames_out);
    }
    if (s->rate > 0) {
        char dl[48] = "none";
        if (s->deadline_ns)
            snprintf(dl, sizeof dl, "%.3f ms", (double)s->deadline_ns * 1e-6);
        put(w,
            "lateness in ms (handed on minus due time, rate=%g, deadline=%s"
            "%s):\n",
            s->rate, dl, s->drop_late ? ", drop=late" : "");
        if (s->max_gap_ns)
            put(w,
                "gaps over max_gap=%.3f s shortened to it: %.3f s of the "
                "log's time left out\n",
                (double)s->max_gap_ns * 1e-9, (double)s->gaps_cut_ns * 1e-9);
        put(w, "%-16s %9s %9s %9s %10s %10s\n", "stage", "p50", "p99", "max",
            "missed", "dropped");
        for (size_t i = 0; i < s->nstages; i++) {
            const sp_stage_stats *t = &s->stages[i];
            put(w, "%-16s %9.3f %9.3f %9.3f %10llu %10llu\n", t->name,
                (double)t->late_p50_ns * 1e-6, (double)t->late_p99_ns * 1e-6,
                (double)t->late_max_ns * 1e-6, (unsigned long long)t->missed,
                (unsigned long long)t->dropped_late);
        }
    }
    put(w, "pools:\n");
    put_pools(w, p, SP_REPORT_TABLE);
    if (w->len > 0 && w->len <= w->cap && w->buf[w->len - 1] != '\n')
        put(w, "\n");
    put(w,
        "memory: peak RSS %.1f MiB, pool budget %.1f MiB, reserved %.1f "
        "MiB\n",
        (double)s->peak_rss_bytes / 1048576.0,
        (double)s->pool_budget_bytes / 1048576.0,
        (double)s->pool_reserved_bytes / 1048576.0);
    if (s->alloc_counted)
        put(w,
            "heap allocations after warm-up (%u frames): %llu in %llu "
            "frames (%.3f per frame; pool blocks added: %llu)\n",
            s->warmup_frames, (unsigned long long)s->heap_allocs_after_warmup,
            (unsigned long long)s->frames_after_warmup,
            (double)s->heap_allocs_after_warmup /
                (double)s->frames_after_warmup,
            (unsigned long long)s->pool_grows_after_warmup);
    else if (p->alloc_counted)
        put(w,
            "heap allocations after warm-up: n/a (only %llu frames, warm-up "
            "is %u)\n",
            (unsigned long long)s->frames, s->warmup_frames);
    else
        put(w, "heap allocations after warm-up: n/a (%s)\n", alloc_na_reason());
}

/* @p s as a JSON string (notes hold file names, which may hold anything). */
static void put_json_str(writer *w, const char *s)
{
    size_t room = w->len < w->cap ? w->cap - w->len : 0;
    w->len += sp__json_str(room ? w->buf + w->len : NULL, room, s);
}

/* The notes as [{"text": ..., "times": N}]: a tool reading the JSON gets
 * what a person reads on stderr. Under the notes' lock: a report may be
 * taken while stages still add notes. */
static void put_notes(writer *w, const sp_pipeline *p)
{
    pthread_mutex_t *lock = &((sp_pipeline *)p)->notes_lock;
    pthread_mutex_lock(lock);
    put(w, " \"notes\": [");
    size_t n = sp_pipeline_note_count(p);
    for (size_t i = 0; i < n; i++) {
        uint64_t times = 0;
        const char *text = sp_pipeline_note(p, i, &times);
        put(w, "%s{\"text\": ", i ? ", " : "");
        put_json_str(w, text ? text : "");
        put(w, ", \"times\": %llu}", (unsigned long long)times);
    }
    put(w, "],\n");
    pthread_mutex_unlock(lock);
}

/* The latency figures beyond the original four. */
static void put_more(writer *w, const sp_stage_stats *t)
{
    put(w, "\"p90_ns\": %llu, \"p999_ns\": %llu, \"jitter_ns\": %llu",
        (unsigned long long)t->p90_ns, (unsigned long long)t->p999_ns,
        (unsigned long long)t->jitter_ns);
}

static void report_json(writer *w, const sp_pipeline *p,
                        const sp_pipeline_stats *s)
{
    put(w,
        "{\"frames\": %llu, \"wall_s\": %.6f, \"fps\": %.3f, \"backend\": "
        "\"%s\", \"rate\": %g, \"deadline_ns\": %llu, \"drop_late\": %s,"
        " \"max_gap_ns\": %llu, \"gaps_cut_ns\": %llu,\n \"stages\": [",
        (unsigned long long)s->frames, s->wall_s, s->fps, s->backend, s->rate,
        (unsigned long long)s->deadline_ns, s->drop_late ? "true" : "false",
        (unsigned long long)s->max_gap_ns, (unsigned long long)s->gaps_cut_ns);
    for (size_t i = 0; i < s->nstages; i++) {
        const sp_stage_stats *t = &s->stages[i];
        put(w,
            "%s\n  {\"name\": \"%s\", \"class\": \"%s\", \"frames_in\": %llu, "
            "\"frames_out\": %llu, \"skipped\": %llu, \"mean_ns\": %llu, "
            "\"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu, ",
            i ? "," : "", t->name, t->cls, (unsigned long long)t->frames_in,
            (unsigned long long)t->frames_out, (unsigned long long)t->skipped,
            (unsigned long long)t->mean_ns, (unsigned long long)t->p50_ns,
            (unsigned long long)t->p99_ns, (unsigned long long)t->max_ns);
        put_more(w, t);
        put(w,
            ", \"late_p50_ns\": %llu, \"late_p99_ns\": %llu, "
            "\"late_max_ns\": %llu, \"missed\": %llu, \"dropped_late\": %llu",
            (unsigned long long)t->late_p50_ns,
            (unsigned long long)t->late_p99_ns,
            (unsigned long long)t->late_max_ns, (unsigned long long)t->missed,
            (unsigned long long)t->dropped_late);
        put(w, ", \"threads\": %d, \"frames_split\": %llu", t->threads,
            (unsigned long long)t->frames_split);
        put(w, ", \"busy_s\": %.6f, \"fps\": %.3f}", t->busy_s, t->fps);
    }
    put(w,
        "],\n \"end_to_end\": {\"frames\": %llu, \"mean_ns\": %llu, "
        "\"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu, ",
        (unsigned long long)s->e2e.latency_samples,
        (unsigned long long)s->e2e.mean_ns, (unsigned long long)s->e2e.p50_ns,
        (unsigned long long)s->e2e.p99_ns, (unsigned long long)s->e2e.max_ns);
    put_more(w, &s->e2e);
    put(w, "},\n \"pools\": ");
    put_pools(w, p, SP_REPORT_JSON);
    put(w,
        ",\n \"memory\": {\"peak_rss_bytes\": %llu, \"pool_budget_bytes\": "
        "%llu, \"pool_reserved_bytes\": %llu},\n",
        (unsigned long long)s->peak_rss_bytes,
        (unsigned long long)s->pool_budget_bytes,
        (unsigned long long)s->pool_reserved_bytes);
    put_notes(w, p);
    if (s->alloc_counted)
        put(w,
            " \"heap_allocs_after_warmup\": {\"counted\": true, "
            "\"warmup_frames\": %u, \"frames_after_warmup\": %llu, "
            "\"allocs\": %llu, \"pool_grows\": %llu}}\n",
            s->warmup_frames, (unsigned long long)s->frames_after_warmup,
            (unsigned long long)s->heap_allocs_after_warmup,
            (unsigned long long)s->pool_grows_after_warmup);
    else
        put(w,
            " \"heap_allocs_after_warmup\": {\"counted\": false, "
            "\"warmup_frames\": %u, \"reason\": \"%s\"}}\n",
            s->warmup_frames,
            p->alloc_counted ? "fewer frames than the warm-up"
                             : alloc_na_reason());
}

int sp_pipeline_report(const sp_pipeline *p, sp_report_format format, char *buf,
                       size_t cap)
{
    /* The stats struct is large (pools); keep it off small thread stacks
     * but out of the heap: one per thread is plenty. */
    static _Thread_local sp_pipeline_stats s;
    writer w = {buf, cap, 0};

    SP_GUARD(p != NULL);
    SP_GUARD(buf != NULL || cap == 0);
    SP_TRY(sp_pipeline_stats_get(p, &s));
    if (cap)
        buf[0] = '\0';
    if (format == SP_REPORT_JSON)
        report_json(&w, p, &s);
    else
        report_table(&w, p, &s);
    if (cap && w.len >= cap)
        buf[cap - 1] = '\0';
    return w.len > (size_t)0x7fffffff ? SP_ERANGE : (int)w.len;
}
