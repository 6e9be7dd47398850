// The kernel contexts the image comparisons (opencv_compare, libyuv_compare)
// time: scalar, and the widest SIMD level this CPU has. The caller destroys
// each context.
#ifndef SP_COMPARE_BACKENDS_H
#define SP_COMPARE_BACKENDS_H

#include <vector>

#include "sp_kernels.h"
#include "sp_status.h"

struct Backend {
    const char *name;
    sp_kctx *k;
};

inline std::vector<Backend> make_backends()
{
    std::vector<Backend> v;
    sp_kctx *k;
    sp_kctx_desc d{};
    d.backend = SP_BACKEND_SCALAR;
    if (sp_kctx_create(&d, &k) == SP_OK)
        v.push_back({"scalar", k});
    d.backend = SP_BACKEND_SIMD;
    if (sp_simd_detect() != SP_SIMD_NONE && sp_kctx_create(&d, &k) == SP_OK)
        v.push_back({sp_simd_level_name(sp_simd_detect()), k});
    return v;
}

#endif
