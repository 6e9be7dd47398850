/* Internal to kernels/: carrying a cloud's extra channels (sp_points.h)
 * through the point filters. The filters decide which points survive with
 * their own tuned code for the standard channels; the extras follow from
 * that decision, expressed once as point indices, by two generic passes:
 *
 *   gather  (crop, ground): out row j = in row idx[j], byte for byte;
 *   reduce  (voxel): out row v from the voxel's member points, in input
 *           order, by each extra's kind (the rules are in sp_voxel.h).
 *
 * Both are scalar: a gather from an index list is bound by its random
 * loads, which vector gathers do not speed up, and the reduction adds in a
 * fixed order so every back-end gets the same bits. A cloud without extras
 * never reaches them (x->n == 0). */
#ifndef SP_EXTRAS_INT_H
#define SP_EXTRAS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_points.h"

/* One output extra and the input extra it comes from. */
typedef struct sp__extra_col {
    const uint8_t *src; /* the input's array */
    uint8_t *dst;       /* the output's array */
    size_t stride;      /* bytes per point: element size x count */
    sp_field_type type;
    sp_field_kind kind; /* the input's */
    uint32_t count;
} sp__extra_col;

typedef struct sp__extras {
    unsigned n; /* columns; 0 when the output has no extras */
    sp__extra_col col[SP_POINTS_MAX_EXTRA];
} sp__extras;

/* Pairs every extra of @p out with the input's extra of the same name.
 * The input's extras the output lacks are dropped (as ring and time are).
 * SP_EINVAL, with @p what (the kernel) and the field named, when the
 * output has an extra the input lacks, of another type or count, or either
 * cloud has a NULL array where it has points or room for them. */
int sp__extras_plan(const char *what, const sp_points *in, const sp_points *out,
                    sp__extras *x);

/* Out rows [0, m) = in rows idx[0..m), every column. */
void sp__extras_gather(const sp__extras *x, const uint32_t *idx, size_t m);

/* Out row v, for v < nv, reduced from the in rows
 * members[start[v] .. start[v] + len[v]) (len[v] >= 1, in input order). */
void sp__extras_reduce(const sp__extras *x, const uint32_t *members,
                       const uint32_t *start, const uint32_t *len, size_t nv);

#endif
