/* voxel, the runs path split across threads by work, not by copying the
 * points (sp_voxel.h's sp_voxel_split_*).
 *
 * Share w owns the points [a_w, b_w). Round 0: their extent. Round 1: every
 * share merges the extents in the same order, so all find the grid
 * sp_voxel() would; each writes the keys (and AVX2's quadruples) of its
 * points into the shared arrays, finds its runs -- a run crossing b_w is
 * cut in two, which the reduction handles as it does a voxel's several
 * runs -- at entry offset a_w + 16 w (runs <= points, plus the runs pass's
 * slack), makes their run numbers and starts global, and counts them per
 * slab. A slab is a range of keys: voxels are whole in it. Round 2: slab
 * s gathers the entries of its keys from every share in share order (so
 * a voxel's runs stay in input order), radix-sorts them stably and
 * reduces them into the output at the count of earlier slabs' entries (a
 * bound on their voxels); end closes the gaps. Each voxel's points are
 * thus added in input order from +0, as in sp_voxel(). */
#include <stdlib.h>
#include <string.h>

#include "voxel_int.h"

#define SLACK 16 /* entries between shares' runs (AVX2 stores 8 past) */

struct sp_voxel_split {
    sp__voxel_plan plan;
    sp_points in, out; /* copies; out's arrays are the caller's */
    sp_points *dst;    /* the caller's, for its count */
    sp__kimpl im;
    int n;
    int32_t cz[SP_VOXEL_SPLIT_MAX], cy[SP_VOXEL_SPLIT_MAX];
    uint32_t *keys;
    float *aos; /* AVX2 only */
    uint64_t *ent;
    uint32_t *rstart;
    /* round 0, share w */
    sp__voxel_extent ext[SP_VOXEL_SPLIT_MAX];
    int gave_up; /* begin: no split */
    /* round 1: share 0 */
    int no_grid;                            /* no runs-path grid: no split */
    uint64_t bound[SP_VOXEL_SPLIT_MAX + 1]; /* slab s: [bound[s], bound[s+1]) */
    /* round 1: share w's runs, and per slab */
    size_t nr[SP_VOXEL_SPLIT_MAX];
    size_t cnt[SP_VOXEL_SPLIT_MAX][SP_VOXEL_SPLIT_MAX];
    /* round 2: slab s */
    size_t off[SP_VOXEL_SPLIT_MAX], made[SP_VOXEL_SPLIT_MAX];
};

int sp_voxel_split_create(sp_voxel_split **out)
{
    SP_GUARD(out);
    *out = NULL;
    sp_voxel_split *vs = calloc(1, sizeof *vs);
    if (!vs)
        return sp__fail(SP_ENOMEM, "voxel: split state of %zu bytes",
                        sizeof *vs);
    *out = vs;
    return SP_OK;
}

void sp_voxel_split_destroy(sp_voxel_split *vs)
{
    free(vs);
}

static size_t align64(size_t b)
{
    return (b + 63) & ~(size_t)63;
}

size_t sp_voxel_split_bytes(size_t count, int shares)
{
    if (shares < 1 || shares > SP_VOXEL_SPLIT_MAX || count > UINT32_MAX)
        return 0;
    size_t runs = count + (size_t)SLACK * (size_t)shares + SLACK;
    return align64(count * 4) + align64((count + 4) * 16) + align64(runs * 8) +
           align64(runs * 4);
}

static size_t first_of(const sp_voxel_split *vs, int w)
{
    return vs->in.count * (size_t)w / (size_t)vs->n;
}

/* Points [a, b) of the input as a cloud of their own. */
static sp_points sub_view(const sp_voxel_split *vs, size_t a, size_t b)
{
    sp_points s = vs->in;
    s.x += a;
    s.y += a;
    s.z += a;
    s.intensity += a;
    s.ring = s.ring ? s.ring + a : NULL;
    s.time = s.time ? s.time + a : NULL;
    s.count = s.capacity = b - a;
    return s;
}

int sp_voxel_split_begin(sp_voxel_split *vs, sp_kctx *k,
                         const sp_voxel_params *params, const sp_points *in,
                         sp_points *out, int shares, const int32_t *cut_z,
                         const int32_t *cut_y, void *buf, size_t bytes)
{
    SP_GUARD(vs && k && params && in && out);
    SP_GUARD(shares >= 1 && shares <= SP_VOXEL_SPLIT_MAX);
    SP_GUARD(shares == 1 || (cut_z && cut_y));
    vs->gave_up = 1;
    size_t n = in->count;
    /* What sp_voxel() refuses or runs another way, it does itself. */
    if (n == 0 || n > UINT32_MAX - (size_t)SLACK * (SP_VOXEL_SPLIT_MAX + 2) ||
        !in->x || !in->y || !in->z || !in->intensity || !out->x || !out->y ||
        !out->z || !out->intensity || in->nextra || out->nextra ||
        out->capacity < n ||
        sp__voxel_overlaps(in->x, out->x, n * sizeof(float)))
        return 1;
    if (sp__voxel_make_plan(params, in, out, &vs->plan) < 0) {
        sp_errmsg_clear();
        return 1;
    }
    vs->plan.ex = NULL;
    size_t need = sp_voxel_split_bytes(n, shares);
    SP_GUARD(buf && bytes >= need && ((uintptr_t)buf & 63) == 0);
    vs->in = *in;
    vs->out = *out;
    vs->dst = out;
    vs->n = shares;
    for (int c = 0; c + 1 < shares; c++) {
        vs->cz[c] = cut_z[c];
        vs->cy[c] = cut_y[c];
    }
    vs->im = sp__voxel_cpu_impl(k);
    char *b = buf;
    size_t runs = n + (size_t)SLACK * (size_t)shares + SLACK;
    vs->keys = (uint32_t *)b;
    b += align64(n * 4);
    vs->aos = vs->im == SP__KIMPL_AVX2 ? (float *)b : NULL;
    b += align64((n + 4) * 16);
    vs->ent = (uint64_t *)b;
    b += align64(runs * 8);
    vs->rstart = (uint32_t *)b;
    vs->gave_up = 0;
    return SP_OK;
}

void sp_voxel_split_extent(sp_voxel_split *vs, int w)
{
    if (vs->gave_up)
        return;
    sp_points s = sub_view(vs, first_of(vs, w), first_of(vs, w + 1));
    sp__voxel_extent_init(&vs->ext[w]);
    if (s.count)
        sp__voxel_extent_by(vs->im, &s, &vs->ext[w]);
}

/* Slab s's first key: the cut (z, y) as the first key of its (z, y) pair
 * within the grid, clamped to the grid. */
static uint64_t cut_key(const sp__voxel_grid *g, int32_t cz, int32_t cy)
{
    int64_t dz = (int64_t)cz - g->lo[2], dy = (int64_t)cy - g->lo[1];
    if (dz < 0)
        return 0;
    if ((uint64_t)dz >= g->span[2])
        return g->total;
    dy = dy < 0 ? 0 : (uint64_t)dy > g->span[1] ? (int64_t)g->span[1] : dy;
    return ((uint64_t)dz * g->span[1] + (uint64_t)dy) * g->span[0];
}

void sp_voxel_split_keys(sp_voxel_split *vs, int w)
{
    /* Every share reads begin's verdict; only share 0 writes the next. */
    if (vs->gave_up)
        return;
    const int n = vs->n;
    sp__voxel_extent e;
    sp__voxel_extent_init(&e);
    for (int u = 0; u < n; u++) {
        for (int a = 0; a < 3; a++) {
            e.min[a] =
                vs->ext[u].min[a] < e.min[a] ? vs->ext[u].min[a] : e.min[a];
            e.max[a] =
                vs->ext[u].max[a] > e.max[a] ? vs->ext[u].max[a] : e.max[a];
        }
        e.valid += vs->ext[u].valid;
    }
    sp__voxel_grid g;
    int give_up = e.valid == 0 ||
                  sp__voxel_make_grid(&vs->plan, &e, vs->in.count, &g) ||
                  g.total >= SP__VOXEL_NOKEY;
    uint64_t bound[SP_VOXEL_SPLIT_MAX + 1];
    if (!give_up) {
        bound[0] = 0;
        for (int s = 1; s < n; s++) {
            uint64_t b = cut_key(&g, vs->cz[s - 1], vs->cy[s - 1]);
            bound[s] = b < bound[s - 1] ? bound[s - 1] : b;
        }
        bound[n] = g.total;
    }
    if (w == 0) {
        vs->no_grid = give_up;
        if (!give_up)
            memcpy(vs->bound, bound, sizeof bound);
    }
    if (give_up)
        return;

    const size_t a = first_of(vs, w), b = first_of(vs, w + 1), m = b - a;
    sp_points s = sub_view(vs, a, b);
    size_t cnt[SP_VOXEL_SPLIT_MAX] = {0};
    if (m) {
        sp__voxel_keys32_by(vs->im, &vs->plan, &g, &s, vs->keys + a,
                            vs->aos ? vs->aos + 4 * a : NULL);
    }
    /* The reduction reads 4 points past a run's start: zeros after the
     * last point, written once, by the share that ends the cloud. */
    if (vs->aos && w == n - 1)
        memset(vs->aos + 4 * vs->in.count, 0, 16 * sizeof *vs->aos);
    size_t nr = 0;
    if (m) {
        const size_t base = a + (size_t)SLACK * (size_t)w;
        uint64_t *ent = vs->ent + base;
        uint32_t *rstart = vs->rstart + base;
        nr = sp__voxel_find_runs(vs->keys + a, m, vs->aos != NULL, ent, rstart);
        /* Global run numbers and starts; the runs of each slab. */
        const uint64_t total = g.total;
        for (size_t r = 0; r < nr; r++) {
            const uint64_t v = ent[r] + base;
            const uint64_t key = v >> 32;
            ent[r] = v;
            rstart[r] += (uint32_t)a;
            if (key < total) {
                int sl = 0;
                for (int c = 1; c < n; c++)
                    sl += key >= bound[c];
                cnt[sl]++;
            }
        }
        rstart[nr] += (uint32_t)a;
    }
    vs->nr[w] = nr;
    memcpy(vs->cnt[w], cnt, (size_t)n * sizeof *cnt);
}

int sp_voxel_split_reduce(sp_voxel_split *vs, sp_kctx *k, int s)
{
    const int n = vs->n;
    vs->made[s] = 0;
    if (vs->gave_up || vs->no_grid)
        return SP_OK;
    size_t off = 0, m = 0;
    for (int t = 0; t < s; t++)
        for (int w = 0; w < n; w++)
            off += vs->cnt[w][t];
    for (int w = 0; w < n; w++)
        m += vs->cnt[w][s];
    vs->off[s] = off;
    if (m == 0)
        return SP_OK;
    uint64_t *buf = sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX2, (2 * m + 16) * 8);
    uint32_t *hist =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_WORDS * 4);
    if (!buf || !hist)
        return SP_ENOMEM;
    const uint64_t lo = vs->bound[s], span = vs->bound[s + 1] - lo;
    const uint64_t rel = lo << 32;
    size_t j = 0;
    /* Keys relative to the slab's first: fewer bits to sort. Every entry
     * is stored, j advances on a slab's (no branch); NOKEY and other
     * slabs' keys fall outside [0, span) as unsigned differences. */
    for (int w = 0; w < n; w++) {
        const uint64_t *ent =
            vs->ent + first_of(vs, w) + (size_t)SLACK * (size_t)w;
        const size_t nr = vs->nr[w];
        for (size_t r = 0; r < nr; r++) {
            const uint64_t v = ent[r];
            buf[j] = v - rel;
            j += (v >> 32) - lo < span;
        }
    }
    uint64_t *sorted = sp__voxel_radix_packed(
        buf, buf + m + 8, m, 32, sp__voxel_bit_length(span - 1), hist);
    sorted[m] = (uint64_t)SP__VOXEL_NOKEY << 32;
    sp_points o = vs->out;
    o.x += off;
    o.y += off;
    o.z += off;
    o.intensity += off;
    o.ring = o.ring ? o.ring + off : NULL;
    o.time = o.time ? o.time + off : NULL;
    o.capacity = m;
    o.count = 0;
    size_t made = sp__voxel_runs_reduce(&vs->plan, &vs->in, vs->aos, sorted,
                                        vs->rstart, m, &o);
    if (made == (size_t)-1) /* cannot happen: a voxel per entry fits */
        return sp__fail(SP_ERANGE,
                        "voxel: slab %d: more voxels than its %zu "
                        "runs",
                        s, m);
    vs->made[s] = made;
    return SP_OK;
}

int sp_voxel_split_end(sp_voxel_split *vs)
{
    if (!vs || vs->gave_up || vs->no_grid)
        return 1;
    sp_points *o = &vs->out;
    size_t to = 0;
    for (int s = 0; s < vs->n; s++) {
        size_t from = vs->off[s], c = vs->made[s];
        if (from != to && c) {
            memmove(o->x + to, o->x + from, c * sizeof *o->x);
            memmove(o->y + to, o->y + from, c * sizeof *o->y);
            memmove(o->z + to, o->z + from, c * sizeof *o->z);
            memmove(o->intensity + to, o->intensity + from, c * sizeof(float));
            if (vs->plan.time)
                memmove(o->time + to, o->time + from, c * sizeof *o->time);
            if (vs->plan.ring)
                memmove(o->ring + to, o->ring + from, c * sizeof *o->ring);
        }
        to += c;
    }
    vs->dst->count = to;
    return SP_OK;
}
