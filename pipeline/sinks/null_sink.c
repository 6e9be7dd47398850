/* The `null` sink: consumes frames and releases them (benchmarks measure
 * everything upstream with it). */
#include "sp_stage.h"

static int null_pull(sp_stage *st, sp_frame **out)
{
    /* The consumed frame goes back to the caller, who releases it;
     * discarded on purpose, so not "unwritten". */
    int rc = sp_stage_pull_upstream(st, out);
    if (rc == SP_OK)
        (*out)->written = 1;
    return rc;
}

const sp_stage_class sp__stage_null = {
    .name = "null",
    .takes = "points, image, tensor (any frame)",
    .gives = "nothing: every frame discarded on purpose",
    .description = "consumes every frame and writes nothing (for benchmarks)",
    .is_sink = 1,
    .pull = null_pull,
};
