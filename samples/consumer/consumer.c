/* An embedding program: takes frame memory from a pool manager, lays a point
 * cloud over it, and hands it back, as a perception process on a car would.
 * Built against an installed sensorpipe (find_package or pkg-config). */
#include <stdio.h>
#include <string.h>

#include <sensorpipe.h>

int main(void)
{
    sp_poolmgr_desc desc = {.budget_bytes = 64u << 20};
    sp_poolmgr *mgr = NULL;
    sp_block *blk = NULL;
    sp_points pts;
    int rc;

    if ((rc = sp_poolmgr_create(&desc, &mgr)) < 0)
        goto fail;
    for (int frame = 0; frame < 3; frame++) {
        size_t need = sp_points_block_size(120000, SP_POINTS_RING);
        if ((rc = sp_poolmgr_acquire(mgr, need, &blk)) < 0)
            goto fail;
        rc = sp_points_init(&pts, sp_block_data(blk), sp_block_size(blk),
                            120000, SP_POINTS_RING);
        if (rc < 0)
            goto fail;
        pts.count = 1;
        pts.x[0] = (float)frame;
        sp_block_unref(blk);
        blk = NULL;
    }
    sp_pool_stats st;
    if ((rc = sp_poolmgr_stats_get(mgr, 0, &st)) < 0)
        goto fail;
    printf("consumer: %llu acquires, %llu reused, %llu block(s)\n",
           (unsigned long long)st.acquires, (unsigned long long)st.reuses,
           (unsigned long long)st.blocks);
    if ((rc = sp_poolmgr_destroy(mgr)) < 0)
        goto fail;
    return st.acquires == 3 && st.reuses == 2 ? 0 : 1;
fail:
    fprintf(stderr, "consumer: %s: %s\n", sp_status_name(rc), sp_errmsg());
    return 1;
}
