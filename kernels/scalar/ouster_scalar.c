/* Ouster column decoder, scalar: the reference (ouster_int.h holds the
 * per-pixel spec it runs). */
#include "ouster_int.h"

void sp__ouster_col_scalar(const sp_ouster_plan *p, const uint8_t *px,
                           uint32_t m, sp_ouster_scan *s)
{
    sp__ouster_pixels(p, px, 0, m, s);
}
