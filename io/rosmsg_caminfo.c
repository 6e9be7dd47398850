/* sensor_msgs/CameraInfo, and the sp_calib it gives (see sp_rosmsg.h).
 * ROS1 names the matrices D, K, R, P and ROS 2 d, k, r, p; the layout is
 * the same: string distortion_model, float64[] D, float64[9] K,
 * float64[9] R, float64[12] P, uint32 binning_x, binning_y, then
 * RegionOfInterest {uint32 x_offset, y_offset, height, width; bool
 * do_rectify}. */
#include <stdio.h>
#include <string.h>

#include "rosmsg_cursor_int.h"

int sp_rosmsg_caminfo_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                            sp_caminfo_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    sp_caminfo_msg *m = out;
    sp__rcur c;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "CameraInfo"));
    SP_TRY(sp__rcur_header(&c, &m->header));
    SP_TRY(sp__rcur_u32(&c, &m->height, "height"));
    SP_TRY(sp__rcur_u32(&c, &m->width, "width"));
    SP_TRY(sp__rcur_string_into(&c, m->distortion_model,
                                sizeof m->distortion_model, NULL,
                                "distortion_model"));
    const uint8_t *d;
    SP_TRY(sp__rcur_seq(&c, &m->nD, 8, &d, "D"));
    size_t keep = m->nD < 16 ? m->nD : 16;
    for (size_t i = 0; i < keep; i++) {
        uint64_t u;
        memcpy(&u, d + 8 * i, 8);
        if (c.swap)
            u = __builtin_bswap64(u);
        memcpy(&m->D[i], &u, 8);
    }
    SP_TRY(sp__rcur_f64_array(&c, m->K, 9, "K"));
    SP_TRY(sp__rcur_f64_array(&c, m->R, 9, "R"));
    SP_TRY(sp__rcur_f64_array(&c, m->P, 12, "P"));
    SP_TRY(sp__rcur_u32(&c, &m->binning_x, "binning_x"));
    SP_TRY(sp__rcur_u32(&c, &m->binning_y, "binning_y"));
    SP_TRY(sp__rcur_u32(&c, &m->roi_x, "roi.x_offset"));
    SP_TRY(sp__rcur_u32(&c, &m->roi_y, "roi.y_offset"));
    SP_TRY(sp__rcur_u32(&c, &m->roi_h, "roi.height"));
    SP_TRY(sp__rcur_u32(&c, &m->roi_w, "roi.width"));
    uint8_t b;
    SP_TRY(sp__rcur_u8(&c, &b, "roi.do_rectify"));
    m->roi_rectify = b != 0;
    return SP_OK;
}

static int all_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0)
            return 0;
    return 1;
}

int sp_rosmsg_caminfo_to_calib(const sp_caminfo_msg *m, const char *source,
                               sp_calib *out)
{
    SP_GUARD(m != NULL && out != NULL);
    if (!source)
        source = "CameraInfo";
    static const struct {
        const char *name;
        int model;
        uint32_t ncoef;
    } models[] = {
        {"plumb_bob", SP_DIST_PLUMB_BOB, 5},
        {"rational_polynomial", SP_DIST_RATIONAL, 8},
        {"equidistant", SP_DIST_EQUIDISTANT, 4},
    };
    uint32_t nd = m->nD < 16 ? m->nD : 16;
    int model = -1;
    uint32_t ncoef = 0;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        if (!strcmp(m->distortion_model, models[i].name)) {
            model = models[i].model;
            ncoef = models[i].ncoef;
        }
    }
    /* Simulators publish no model and no coefficients: no distortion. */
    if (model < 0 && m->distortion_model[0] == '\0' && all_zero(m->D, nd)) {
        model = SP_DIST_PLUMB_BOB;
        ncoef = 5;
    }
    if (model < 0)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: distortion_model '%s', expected plumb_bob, "
                        "rational_polynomial or equidistant",
                        source, m->distortion_model);
    /* Fewer coefficients than the model has are zeros (a 4-coefficient
     * plumb_bob has no k3); more are refused unless they are zero. */
    if (m->nD > 16 || (nd > ncoef && !all_zero(m->D + ncoef, nd - ncoef)))
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: %s with %u coefficients, expected at most %u "
                        "(the others are not supported)",
                        source, m->distortion_model, m->nD, ncoef);
    /* Binning and a region of interest change which pixels K describes;
     * nothing downstream knows that, so refuse rather than mis-project. */
    if (m->binning_x > 1 || m->binning_y > 1)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: binning %ux%u, expected 0 or 1 (binning is not "
                        "supported)",
                        source, m->binning_x, m->binning_y);
    int full_roi =
        (m->roi_x == 0 && m->roi_y == 0 && m->roi_w == 0 && m->roi_h == 0) ||
        (m->roi_x == 0 && m->roi_y == 0 && m->roi_w == m->width &&
         m->roi_h == m->height);
    if (!full_roi)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: region of interest %ux%u at (%u, %u) of %ux%u, "
                        "expected the full image (a region is not supported)",
                        source, m->roi_w, m->roi_h, m->roi_x, m->roi_y,
                        m->width, m->height);
    if (m->width > 65535 || m->height > 65535)
        return sp__fail(SP_EFORMAT,
                        "%s: image size %ux%u, expected at most "
                        "65535x65535",
                        source, m->width, m->height);

    sp_calib c;
    memset(&c, 0, sizeof c);
    /* ROS: K[0] == 0 means the camera is not calibrated; likewise P. */
    c.has_K = m->K[0] != 0;
    memcpy(c.K, m->K, sizeof c.K);
    c.dist_model = model;
    for (uint32_t i = 0; i < nd && i < ncoef; i++)
        c.dist[i] = m->D[i];
    c.has_P = m->P[0] != 0;
    memcpy(c.P[0], m->P, sizeof c.P[0]);
    if (all_zero(m->R, 9)) {
        c.R0[0] = c.R0[4] = c.R0[8] = 1;
    } else {
        c.has_R0 = 1;
        memcpy(c.R0, m->R, sizeof c.R0);
    }
    c.camera = 0;
    c.form = SP_CALIB_CAMERA_INFO;
    c.width = (int)m->width;
    c.height = (int)m->height;
    snprintf(c.source, sizeof c.source, "%s", source);
    *out = c;
    return SP_OK;
}
