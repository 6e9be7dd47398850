/* voxel's extra channels: each path's sorted data turned into one list of
 * member points per output voxel (input order within a voxel), reduced by
 * the generic sp__extras_reduce(). See voxel_int.h and, for the rules,
 * sp_voxel.h. Only clouds with extras come here, after the standard
 * channels are written. */
#include "voxel_int.h"

typedef struct voxel_lists {
    uint32_t *members; /* NULL: the caller's idx is the member list */
    uint32_t *start, *len;
} voxel_lists;

static int lists_get(sp_kctx *k, size_t n, int members, voxel_lists *v)
{
    size_t c = n ? n : 1;
    v->members = members ? sp__kctx_scratch(k, SP__VOXEL_SLOT_IX, c * 4) : NULL;
    v->start = sp__kctx_scratch(k, SP__VOXEL_SLOT_IY, c * 4);
    v->len = sp__kctx_scratch(k, SP__VOXEL_SLOT_IZ, c * 4);
    if ((members && !v->members) || !v->start || !v->len)
        return SP_ENOMEM;
    return SP_OK;
}

static int finish(const sp__voxel_plan *p, const uint32_t *members,
                  const voxel_lists *v, size_t nv, const sp_points *out)
{
    if (nv != out->count)
        return sp__fail(SP_EINVAL,
                        "voxel: internal error: %zu voxels for the extras, "
                        "%zu written",
                        nv, out->count);
    sp__extras_reduce(p->ex, members, v->start, v->len, nv);
    return SP_OK;
}

int sp__voxel_extras_keys(sp_kctx *k, const sp__voxel_plan *p,
                          const uint64_t *keys, const uint32_t *idx, size_t m,
                          const sp_points *out)
{
    voxel_lists v;
    SP_TRY(lists_get(k, m, 0, &v));
    size_t nv = 0;
    for (size_t s = 0; s < m;) {
        size_t e = s + 1;
        while (e < m && keys[e] == keys[s])
            e++;
        if (e - s >= p->min_points) {
            v.start[nv] = (uint32_t)s;
            v.len[nv] = (uint32_t)(e - s);
            nv++;
        }
        s = e;
    }
    return finish(p, idx, &v, nv, out);
}

int sp__voxel_extras_packed(sp_kctx *k, const sp__voxel_plan *p,
                            const uint64_t *packed, size_t m, int ib,
                            const sp_points *out)
{
    voxel_lists v;
    SP_TRY(lists_get(k, m, 1, &v));
    const uint64_t imask = ib ? (~(uint64_t)0 >> (64 - ib)) : 0;
    for (size_t j = 0; j < m; j++)
        v.members[j] = (uint32_t)(packed[j] & imask);
    size_t nv = 0;
    for (size_t s = 0; s < m;) {
        uint64_t key = packed[s] >> ib;
        size_t e = s + 1;
        while (e < m && packed[e] >> ib == key)
            e++;
        if (e - s >= p->min_points) {
            v.start[nv] = (uint32_t)s;
            v.len[nv] = (uint32_t)(e - s);
            nv++;
        }
        s = e;
    }
    return finish(p, v.members, &v, nv, out);
}

int sp__voxel_extras_runs(sp_kctx *k, const sp__voxel_plan *p,
                          const uint64_t *sorted, const uint32_t *rstart,
                          size_t nr, size_t n, const sp_points *out)
{
    voxel_lists v;
    SP_TRY(lists_get(k, n, 1, &v));
    /* A voxel's runs are consecutive in sorted (stable: in input order);
     * their points are appended, and dropped again if the voxel has fewer
     * than min_points. */
    size_t nv = 0, at = 0;
    for (size_t j = 0; j < nr;) {
        const uint32_t key = (uint32_t)(sorted[j] >> 32);
        const size_t first = at;
        for (; j < nr && (uint32_t)(sorted[j] >> 32) == key; j++) {
            const uint32_t r = (uint32_t)sorted[j];
            for (uint32_t i = rstart[r]; i < rstart[r + 1]; i++)
                v.members[at++] = i;
        }
        if (at - first >= p->min_points) {
            v.start[nv] = (uint32_t)first;
            v.len[nv] = (uint32_t)(at - first);
            nv++;
        } else {
            at = first;
        }
    }
    return finish(p, v.members, &v, nv, out);
}
