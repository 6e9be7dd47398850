/* One conversion on every back-end against the scalar one, byte for byte,
 * shared by the exact and the fast rule's suites. Include after cmocka.h
 * and sp_camtest.h. */
#ifndef SP_CONVERT_CHECK_H
#define SP_CONVERT_CHECK_H

#include "sp_camtest.h"
#include "sp_convert.h"

/* @p d on @p src with each of the @p nk contexts (ks[0] scalar, the
 * reference); outputs padded by @p pad (the reference by pad + 3, so the
 * strides differ). @p what starts the failure message. */
static void convert_check_one(sp_kctx *const *ks, const char *const *names,
                              int nk, const sp_convert_desc *d,
                              const sp_image *src, size_t pad, uint64_t *rng,
                              const char *what)
{
    sp_pixfmt of;
    uint32_t ow, oh;
    assert_int_equal(sp_convert_output(d, src, &of, &ow, &oh), SP_OK);
    camtest_img ref, got;
    assert_int_equal(camtest_img_alloc(&ref, ow, oh, of, pad + 3, rng), 0);
    if (sp_convert(ks[0], d, src, &ref.im) != SP_OK)
        fail_msg("scalar: %s", sp_errmsg());
    for (int b = 1; b < nk; b++) {
        assert_int_equal(camtest_img_alloc(&got, ow, oh, of, pad, rng), 0);
        if (sp_convert(ks[b], d, src, &got.im) != SP_OK)
            fail_msg("%s: %s", names[b], sp_errmsg());
        /* A SIMD level without its own version would fall back to scalar
         * unseen. */
        if (sp_kctx_backend(ks[b]) == SP_BACKEND_SIMD &&
            sp_kctx_last_backend(ks[b]) != SP_BACKEND_SIMD)
            fail_msg("%s: ran %s", names[b],
                     sp_backend_name(sp_kctx_last_backend(ks[b])));
        char where[128];
        if (!camtest_img_equal(&ref.im, &got.im, where, sizeof where))
            fail_msg("%s, %s vs scalar, %ux%u pad %zu %s to %s %s %s: %s", what,
                     names[b], src->width, src->height, pad,
                     sp_pixfmt_name(src->format), sp_convert_to_name(d->to),
                     sp_yuv_matrix_name(d->matrix), sp_yuv_range_name(d->range),
                     where);
        camtest_img_free(&got);
    }
    camtest_img_free(&ref);
}

#endif
