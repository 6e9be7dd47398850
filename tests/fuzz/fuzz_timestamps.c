/* libFuzzer target: the timestamps parser on arbitrary bytes with no NUL
 * terminator (an exact-size heap copy, so ASan sees any overrun), counting
 * pass then filling pass as sp_timestamps_load() does. The two passes must
 * agree, accepted times must be non-negative and in order (the parser's
 * promise), and a refusal must be SP_EFORMAT naming the file and line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_kitti.h"

static void check_refusal(int rc)
{
    if (rc != SP_EFORMAT || strncmp(sp_errmsg(), "ts: line ", 9) != 0) {
        fprintf(stderr, "unexpected status %d: %s\n", rc, sp_errmsg());
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    size_t n = 0;
    int rc = sp_timestamps_parse(t, size, "ts", NULL, 0, &n);
    if (rc == SP_OK) {
        int64_t *v = malloc((n ? n : 1) * sizeof *v);
        size_t m = 0;
        if (v) {
            rc = sp_timestamps_parse(t, size, "ts", v, n, &m);
            if (rc != SP_OK || m != n)
                abort(); /* the two passes must agree */
            for (size_t i = 0; i < n; i++)
                if (v[i] < 0 || (i > 0 && v[i] < v[i - 1]))
                    abort();
        }
        free(v);
    } else {
        check_refusal(rc);
    }
    free(t);
    return 0;
}
