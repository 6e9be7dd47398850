/* The projection kernel of the lidar packet decoders, scalar: the
 * reference every other back-end matches bit for bit (lidardec_int.h). */
#include "lidardec_int.h"

size_t sp__ld_project_scalar(const sp__ld_plan *pl, const sp__ld_batch *b,
                             const sp__ld_dst *o)
{
    size_t n = 0;
    for (uint32_t blk = 0; blk < b->nblocks; blk++) {
        uint32_t k0 = blk * b->per_block, s0 = b->slot0[blk];
        for (uint32_t j = 0; j < b->per_block; j++)
            n += (size_t)sp__ld_point(pl, b, blk, k0 + j, s0 + j, o, n);
    }
    return n;
}

void sp__ld_unpack3_scalar(const uint8_t *rec, unsigned n, uint16_t *raw,
                           uint8_t *in)
{
    for (unsigned j = 0; j < n; j++) {
        const uint8_t *u = rec + 3 * j;
        raw[j] = (uint16_t)(u[0] | u[1] << 8);
        in[j] = u[2];
    }
}

void sp__ld_pair_scalar(const sp__ld_pair_rule *r, const uint16_t *r0,
                        const uint8_t *i0, const uint16_t *r1,
                        const uint8_t *i1, unsigned n, uint16_t *raw,
                        uint8_t *in, uint8_t *keep, uint8_t *rt)
{
    for (unsigned c = 0; c < n; c++)
        sp__ld_pair_one(r, r0, i0, r1, i1, c, raw, in, keep, rt);
}
