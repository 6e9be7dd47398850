/* libFuzzer target: the timestamps parser on arbitrary bytes with no NUL
 * terminator, counting pass then filling pass (as sp_timestamps_load). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_kitti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    size_t n = 0;
    if (sp_timestamps_parse(t, size, "ts", NULL, 0, &n) == SP_OK) {
        int64_t *v = malloc((n ? n : 1) * sizeof *v);
        size_t m = 0;
        if (v && sp_timestamps_parse(t, size, "ts", v, n, &m) == SP_OK &&
            m != n)
            abort(); /* the two passes must agree */
        free(v);
    }
    free(t);
    return 0;
}
