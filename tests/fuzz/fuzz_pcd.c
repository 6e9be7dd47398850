/* libFuzzer target: the PCD header parser and the data decoder (ascii,
 * binary, binary_compressed/LZF) on arbitrary bytes, as one file. The
 * decoder gets exactly the bytes after the header (no NUL, no slack), so
 * ASan catches any read past them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sp__iobuf scratch;
    sp_pcd_header h;
    size_t n = size < SP_PCD_MAX_HEADER ? size : SP_PCD_MAX_HEADER;
    if (sp_pcd_header_parse((const char *)data, n, "fuzz.pcd", &h) != SP_OK)
        return 0;
    if (sp_pcd_header_check(&h, size, "fuzz.pcd") != SP_OK)
        return 0;
    /* Keep memory bounded the way a caller would: points checked against
     * the file above; compressed sizes are checked inside the decoder. */
    if (h.points > (1u << 20))
        return 0;
    size_t len = size - h.data_offset;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + h.data_offset, len);
    size_t cap = (size_t)h.points;
    sp_points p = {0};
    float *mem = calloc(cap ? cap * 6 : 1, sizeof(float));
    if (mem) {
        p.x = mem;
        p.y = mem + cap;
        p.z = mem + 2 * cap;
        p.intensity = mem + 3 * cap;
        p.time = mem + 4 * cap;
        p.ring = (uint16_t *)(mem + 5 * cap);
        p.capacity = cap;
        p.fields = SP_POINTS_RING | SP_POINTS_TIME;
        sp__pcd_decode(&h, copy, len, "fuzz.pcd", &p, &scratch);
    }
    free(mem);
    free(copy);
    return 0;
}
