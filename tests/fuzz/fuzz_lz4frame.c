/* libFuzzer target: the LZ4 frame decoder (io/lz4frame.c) on arbitrary
 * bytes. The first three bytes give the size the container would state
 * (up to 1 MiB) and whether checksums are verified; the rest is the frame.
 * The output buffer is exactly that size on the heap (ASan sees any write
 * past it); an accepted frame must also decode with liblz4's own frame
 * decoder to the same bytes, and a refusal must say "lz4". */
#include <lz4frame.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t want = ((size_t)data[0] | (size_t)data[1] << 8 |
                   (size_t)(data[2] & 0x0F) << 16);
    int verify = (data[2] & 0x80) != 0;
    const uint8_t *src = data + 3;
    size_t n = size - 3;
    uint8_t *in = malloc(n ? n : 1), *out = malloc(want ? want : 1);
    if (!in || !out)
        goto done;
    memcpy(in, src, n); /* exact size: ASan sees reads past the input */
    int rc = sp__lz4f_decompress(in, n, out, want, verify, "f");
    if (rc < 0 && !strstr(sp_errmsg(), "lz4")) {
        fprintf(stderr, "refusal without its cause: %s\n", sp_errmsg());
        abort();
    }
    if (rc == SP_OK && verify) {
        /* liblz4's decoder must agree on a frame we accept with its
         * checksums checked (one frame, no skippable prefix). */
        LZ4F_dctx *d;
        uint8_t *ref = malloc(want ? want : 1);
        if (ref && !LZ4F_isError(LZ4F_createDecompressionContext(
                       &d, LZ4F_VERSION))) {
            size_t o = want, i = n;
            size_t r = LZ4F_decompress(d, ref, &o, in, &i, NULL);
            if (r == 0 && i == n && o == want && memcmp(ref, out, want)) {
                fprintf(stderr, "liblz4 decodes other bytes\n");
                abort();
            }
            LZ4F_freeDecompressionContext(d);
        }
        free(ref);
    }
done:
    free(in);
    free(out);
    return 0;
}
