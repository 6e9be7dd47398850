/* project: the combined camera matrix, output checks and back-end
 * dispatch. See sp_project.h for the spec. */
#include <math.h>
#include <string.h>

#include "lidar_int.h"

/* Below this many points the OpenCL launch overhead outweighs the gain. */
#define PROJECT_CL_MIN_WORK 200000
#define PROJECT_MAX_SIDE 32768

int sp_project_params_from_calib(const sp_calib *cal, sp_project_params *params)
{
    SP_GUARD(cal != NULL && params != NULL);
    const char *src = cal->source[0] ? cal->source : "calibration";
    if (!cal->has_P)
        return sp__fail(SP_EINVAL,
                        "%s: no camera projection matrix (P0..P3), expected "
                        "one to project points",
                        src);
    if (!cal->has_velo_to_cam)
        return sp__fail(SP_EINVAL,
                        "%s: no lidar to camera transform (Tr_velo_to_cam), "
                        "expected one to project points",
                        src);
    int cam = cal->camera >= 0 && cal->camera < 4 ? cal->camera : 2;
    params->P = cal->P[cam];
    params->R0 = cal->has_R0 ? cal->R0 : NULL;
    params->Tr = cal->velo_to_cam;
    if (cal->width > 0 && cal->height > 0) {
        params->width = cal->width;
        params->height = cal->height;
    }
    return SP_OK;
}

int sp_project_shape(const sp_project_params *params, size_t shape[2])
{
    SP_GUARD(params != NULL && shape != NULL);
    if (params->width <= 0 || params->height <= 0 ||
        params->width > PROJECT_MAX_SIDE || params->height > PROJECT_MAX_SIDE)
        return sp__fail(SP_EINVAL,
                        "project: camera frame %dx%d, expected width and "
                        "height in 1..%d",
                        params->width, params->height, PROJECT_MAX_SIDE);
    shape[0] = (size_t)params->height;
    shape[1] = (size_t)params->width;
    return SP_OK;
}

/* M = P * [R0 0; 0 1] * [Tr; 0 0 0 1] and D = row 2 of [R0 0] * [Tr], in
 * double, rounded to float once. */
static int project_plan_init(sp__project_plan *pl, const sp_project_params *p)
{
    double r0[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    double tr[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    double rt[12], m[12];
    if (p->R0)
        memcpy(r0, p->R0, sizeof r0);
    if (p->Tr)
        memcpy(tr, p->Tr, sizeof tr);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int q = 0; q < 3; q++)
                s += r0[i * 3 + q] * tr[q * 4 + j];
            rt[i * 4 + j] = s;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = j == 3 ? p->P[i * 4 + 3] : 0.0;
            for (int q = 0; q < 3; q++)
                s += p->P[i * 4 + q] * rt[q * 4 + j];
            m[i * 4 + j] = s;
        }
    for (int i = 0; i < 12; i++) {
        if (!isfinite(m[i]) || fabs(m[i]) > 3e38)
            return sp__fail(SP_EINVAL,
                            "project: camera matrix element %d is %g, "
                            "expected a finite float",
                            i, m[i]);
        pl->m[i] = (float)m[i];
    }
    for (int j = 0; j < 4; j++)
        pl->d[j] = (float)rt[8 + j];
    pl->min_depth = p->min_depth > 0 ? (float)p->min_depth : 1e-3f;
    pl->w = (uint32_t)p->width;
    pl->h = (uint32_t)p->height;
    pl->fw = (float)p->width;
    pl->fh = (float)p->height;
    return SP_OK;
}

typedef int (*project_cl_fn)(sp_kctx *, const sp__project_plan *,
                             const sp_points *, float *);

static const sp__ktable project_table = {
    "project",
    {SP__KT_SCALAR(sp__project_scatter_scalar) SP__KT_SSE41(
        sp__project_scatter_sse41) SP__KT_AVX2(sp__project_scatter_avx2)
         SP__KT_NEON(sp__project_scatter_neon)
             SP__KT_OPENCL(sp__project_opencl)},
    PROJECT_CL_MIN_WORK,
    SP__KT_STREAMING | SP__KT_EXACT_DIVIDE,
};

int sp_project_depth(sp_kctx *k, const sp_project_params *params,
                     const sp_points *in, sp_tensor *out)
{
    size_t shape[2];
    SP_GUARD(k != NULL && params != NULL && in != NULL && out != NULL);
    if (!params->P)
        return sp__fail(SP_EINVAL,
                        "project: no projection matrix P, expected a 3x4 "
                        "matrix (from the calibration)");
    SP_TRY(sp_project_shape(params, shape));
    SP_TRY(sp__lidar_check_points("project", in));
    SP_TRY(sp__lidar_check_tensor("project", out, 2, shape));

    sp__project_plan pl;
    SP_TRY(project_plan_init(&pl, params));
    sp__kimpl im = sp__kctx_pick_impl(k, &project_table, in->count);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((project_cl_fn)project_table.fn[im])(k, &pl, in, out->data);
        im = sp__kctx_after_cl(k, &project_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    memset(out->data, 0, shape[0] * shape[1] * sizeof(float));
    ((sp__project_scatter_fn)project_table.fn[im])(&pl, in, out->data);
    return SP_OK;
}
