/* Internal to pipeline/stages/: the voxel stage's state and its threads=
 * split (voxel_split.c): one frame cut into slabs of whole (z, y) voxel
 * rows, each voxelised on its own thread. */
#ifndef SP_VOXEL_SPLIT_INT_H
#define SP_VOXEL_SPLIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "par_int.h"
#include "sp_voxel.h"

typedef struct sp__voxel_stage {
    sp_voxel_params params;
    /* the frame in flight, for the shares */
    const sp_points *in;
    sp_points *out;
    sp_points slab; /* the slabs back to back, in par.buf[0] */
    int32_t *sid;   /* per point: its slab */
    int ncut;       /* cuts: slabs - 1 */
    float cz0[SP__WORKERS_MAX], cz1[SP__WORKERS_MAX], cy[SP__WORKERS_MAX];
    int huge[SP__WORKERS_MAX]; /* share saw an index >= 2^30 */
    /* count[w][s]: share w's points of slab s; at[w][s]: where they go */
    size_t count[SP__WORKERS_MAX][SP__WORKERS_MAX];
    size_t at[SP__WORKERS_MAX][SP__WORKERS_MAX];
    size_t off[SP__WORKERS_MAX + 1]; /* slab s: [off[s], off[s + 1]) */
    size_t made[SP__WORKERS_MAX];    /* share s: voxels it wrote */
    /* share s's part of the points (learn_parts()), and the points of its
     * last slab and the ns it took to voxelise them */
    double part[SP__WORKERS_MAX];
    int part_n; /* the share count part[] was learnt for */
    size_t slab_n[SP__WORKERS_MAX];
    long long slab_ns[SP__WORKERS_MAX];
    int gave_up;         /* an index past 2^30: no share went on */
    const char *why_one; /* why the split gave a frame back (returned 1) */
    sp__par par;
} sp__voxel_stage;

/* Voxelises @p p into @p o on @p n > 1 shares of v->par (o is out of
 * place, has room for p->count points, and neither has extra channels).
 * Returns SP_OK, a negative status with its message, or 1 when the frame
 * is to run on one thread instead (v->why_one says why): no cut of a
 * sample separates anything, or a point's index reaches 2^30. */
int sp__voxel_split(sp__voxel_stage *v, const sp_points *p, sp_points *o,
                    int n);

#endif
