/* Calibration files in the forms the field's tools write, told apart by
 * content: KITTI object/odometry files, a raw drive's pair of files (or the
 * folder holding them), and a bare 3x4 or 4x4 matrix as text or .npy
 * (mmdetection3d's lidar2img, or a rigid lidar-to-camera [R|t]). What a
 * bare matrix means is decided by its numbers: a rotation with a
 * translation moves points into the camera, anything else projects them
 * onto the image. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calib_int.h"
#include "io_int.h"
#include "sp_kitti.h"
#include "sp_npy.h"

#define FORMS_EXPECTED                                                         \
    "a KITTI calibration (P2:, R0_rect:, Tr_velo_to_cam:), a raw drive's "     \
    "calib_cam_to_cam.txt or calib_velo_to_cam.txt, or a bare 3x4 or 4x4 "     \
    "matrix (12 or 16 numbers, text or .npy)"

/* How far R R^T may be from the identity for [R|t] to count as rigid:
 * KITTI writes its rotations with 6 or 7 significant digits. */
#define RIGID_TOL 1e-3

const char *sp_calib_form_name(int form)
{
    switch (form) {
    case SP_CALIB_KITTI_OBJECT:
        return "kitti_object";
    case SP_CALIB_KITTI_RAW:
        return "kitti_raw";
    case SP_CALIB_LIDAR_TO_IMAGE:
        return "lidar_to_image";
    case SP_CALIB_LIDAR_TO_CAMERA:
        return "lidar_to_camera";
    case SP_CALIB_CAMERA_INFO:
        return "camera_info";
    case SP_CALIB_SYNTH:
        return "synth";
    default:
        return "none";
    }
}

static int is_rigid(const double m[12])
{
    const double r[9] = {m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += r[i * 3 + k] * r[j * 3 + k];
            if (fabs(s - (i == j ? 1.0 : 0.0)) > RIGID_TOL)
                return 0;
        }
    double det = r[0] * (r[4] * r[8] - r[5] * r[7]) -
                 r[1] * (r[3] * r[8] - r[5] * r[6]) +
                 r[2] * (r[3] * r[7] - r[4] * r[6]);
    return det > 0;
}

int sp_calib_from_matrix(const double m[12], const char *name, sp_calib *out)
{
    SP_GUARD(m != NULL && out != NULL);
    if (!name)
        name = "matrix";
    for (int i = 0; i < 12; i++)
        if (!isfinite(m[i]))
            return sp__fail(SP_EFORMAT,
                            "%s: element %d (row %d, column %d) is not "
                            "finite, expected a finite number",
                            name, i + 1, i / 4 + 1, i % 4 + 1);
    sp_calib c;
    memset(&c, 0, sizeof c);
    sp__calib_identity_r0(&c);
    snprintf(c.source, sizeof c.source, "%s", name);
    if (is_rigid(m)) {
        memcpy(c.velo_to_cam, m, sizeof c.velo_to_cam);
        c.has_velo_to_cam = 1;
        c.form = SP_CALIB_LIDAR_TO_CAMERA;
        *out = c;
        return SP_OK;
    }
    /* K [R|t] has the camera's axis, a unit vector, as its third row's
     * first three numbers: that row then gives a point's depth in metres.
     * A matrix scaled as a whole projects the same pixels; scaling it back
     * keeps the depth (and min_depth=) in metres. */
    double big = fmax(fabs(m[8]), fmax(fabs(m[9]), fabs(m[10])));
    if (!(big > 0))
        return sp__fail(SP_EFORMAT,
                        "%s: the third row's first three numbers are zero, "
                        "expected a projection (K [R|t], the third row "
                        "giving depth)",
                        name);
    /* The length scaled by the largest, so no square overflows or
     * vanishes. */
    double a = m[8] / big, b = m[9] / big, d = m[10] / big;
    double n = big * sqrt(a * a + b * b + d * d);
    for (int i = 0; i < 12; i++) {
        c.velo_to_cam[i] = m[i] / n;
        if (!isfinite(c.velo_to_cam[i]))
            return sp__fail(SP_EFORMAT,
                            "%s: element %d (row %d, column %d) is %g times "
                            "the third row's length, expected a projection "
                            "within the double range",
                            name, i + 1, i / 4 + 1, i % 4 + 1, m[i] / big);
    }
    c.has_velo_to_cam = 1;
    /* P = [I|0]: the matrix already is the whole projection. */
    c.P[0][0] = c.P[0][5] = c.P[0][10] = 1;
    c.has_P = 1;
    c.camera = 0;
    c.form = SP_CALIB_LIDAR_TO_IMAGE;
    *out = c;
    return SP_OK;
}

static int is_sep(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',' ||
           ch == ';' || ch == '[' || ch == ']' || ch == '(' || ch == ')';
}

int sp_calib_parse_matrix(const char *text, size_t len, const char *name,
                          sp_calib *out)
{
    SP_GUARD((text || len == 0) && out);
    if (!name)
        name = "matrix";
    double v[16];
    int n = 0;
    unsigned line = 1;
    size_t i = 0;
    while (i < len) {
        char ch = text[i];
        if (ch == '\n')
            line++;
        if (ch == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (is_sep(ch)) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && !is_sep(text[i]) && text[i] != '#')
            i++;
        char tok[64];
        size_t tl = i - s;
        if (tl >= sizeof tok)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: a token of %zu characters, "
                            "expected a number",
                            name, line, tl);
        memcpy(tok, text + s, tl);
        tok[tl] = '\0';
        char *ep;
        double d = strtod(tok, &ep);
        if (ep == tok || *ep)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: '%s', expected a number (%s)", name,
                            line, tok, FORMS_EXPECTED);
        if (!isfinite(d))
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: '%s' is not finite, expected a "
                            "finite number",
                            name, line, tok);
        if (n < 16)
            v[n] = d;
        n++;
    }
    if (n != 12 && n != 16)
        return sp__fail(SP_EFORMAT,
                        "%s: %d numbers, expected 12 (a 3x4 matrix) or 16 "
                        "(4x4)",
                        name, n);
    if (n == 16 && !(v[12] == 0 && v[13] == 0 && v[14] == 0 && v[15] == 1))
        return sp__fail(SP_EFORMAT,
                        "%s: the 4x4 matrix's last row is %g %g %g %g, "
                        "expected 0 0 0 1",
                        name, v[12], v[13], v[14], v[15]);
    return sp_calib_from_matrix(v, name, out);
}

/* A (3,4) or (4,4) float32/float64 array, C or Fortran order. */
static int load_npy(const char *path, sp_calib *out)
{
    sp_npy_header h;
    SP_TRY(sp_npy_read_header(path, &h));
    int f64 = !strcmp(h.descr + 1, "f8"), f32 = !strcmp(h.descr + 1, "f4");
    if (!(f64 || f32) || h.ndim != 2 || (h.shape[0] != 3 && h.shape[0] != 4) ||
        h.shape[1] != 4)
        return sp__fail(SP_EFORMAT,
                        "%s: an array of %s with %d dimensions (first %zu), "
                        "expected a (3, 4) or (4, 4) float32 or float64 "
                        "matrix",
                        path, h.descr, h.ndim, h.ndim > 0 ? h.shape[0] : 0);
    union {
        double d[16];
        float f[16];
    } buf;
    SP_TRY(sp_npy_read(path, &h, &buf, sizeof buf));
    size_t rows = h.shape[0];
    double m[16];
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < 4; c++) {
            size_t at = h.fortran_order ? c * rows + r : r * 4 + c;
            m[r * 4 + c] = f64 ? buf.d[at] : (double)buf.f[at];
        }
    if (rows == 4 && !(m[12] == 0 && m[13] == 0 && m[14] == 0 && m[15] == 1))
        return sp__fail(SP_EFORMAT,
                        "%s: the 4x4 matrix's last row is %g %g %g %g, "
                        "expected 0 0 0 1",
                        path, m[12], m[13], m[14], m[15]);
    return sp_calib_from_matrix(m, path, out);
}

typedef enum text_kind {
    TEXT_NONE = 0,
    TEXT_OBJECT,
    TEXT_RAW_CAM,
    TEXT_RAW_VELO
} text_kind;

/* Which KITTI file a text is, by the first key it has that only one kind
 * has; TEXT_NONE when no line starts with "key:". */
static text_kind kind_of(const char *t, size_t len)
{
    const char *p = t, *end = t + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        while (p < le && (*p == ' ' || *p == '\t'))
            p++;
        const char *k = p;
        while (p < le && *p != ':' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - k);
        if (p < le && *p == ':' && n > 0) {
#define KEY(s) (n == sizeof(s) - 1 && !strncmp(k, s, n))
#define PFX(s) (n >= sizeof(s) - 1 && !strncmp(k, s, sizeof(s) - 1))
            if (KEY("P0") || KEY("P1") || KEY("P2") || KEY("P3") ||
                KEY("R0_rect") || KEY("R_rect") || KEY("Tr_velo_to_cam") ||
                KEY("Tr_velo_cam") || KEY("Tr"))
                return TEXT_OBJECT;
            if (PFX("P_rect_0") || PFX("K_0") || PFX("D_0") || PFX("S_0") ||
                PFX("R_rect_0") || PFX("S_rect_0") || PFX("T_0"))
                return TEXT_RAW_CAM;
            if (KEY("R") || KEY("T"))
                return TEXT_RAW_VELO;
#undef KEY
#undef PFX
        }
        p = nl ? nl + 1 : end;
    }
    return TEXT_NONE;
}

static int has_colon_line(const char *t, size_t len)
{
    return memchr(t, ':', len) != NULL;
}

/* The file named @p other in the folder of @p path. */
static void beside(const char *path, const char *other, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(out, cap, "%.*s/%s", (int)(slash - path), path, other);
    else
        snprintf(out, cap, "%s", other);
}

/* A companion file may be missing: that is no error, so no message. */
static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A raw drive's pair: either may be missing, not both. */
static int load_raw_pair(const char *cam_path, const char *velo_path,
                         int camera, sp_calib *out)
{
    sp__iobuf cb = {0}, vb = {0};
    size_t cl = 0, vl = 0;
    int rc = SP_OK;
    if (cam_path)
        rc = sp__read_text(cam_path, SP_CALIB_MAX_BYTES, &cb, &cl);
    if (rc == SP_OK && velo_path)
        rc = sp__read_text(velo_path, SP_CALIB_MAX_BYTES, &vb, &vl);
    if (rc == SP_OK)
        rc = sp_calib_parse_kitti_raw(cam_path ? (const char *)cb.data : NULL,
                                      cl, cam_path,
                                      velo_path ? (const char *)vb.data : NULL,
                                      vl, velo_path, camera, out);
    sp__iobuf_free(&cb);
    sp__iobuf_free(&vb);
    if (rc == SP_OK && !cam_path) {
        /* Where the lidar is, and nothing about the camera. */
        out->form = SP_CALIB_LIDAR_TO_CAMERA;
        snprintf(out->source, sizeof out->source, "%s", velo_path);
    } else if (rc == SP_OK && !velo_path) {
        snprintf(out->source, sizeof out->source,
                 "%s (no calib_velo_to_cam.txt beside it)", cam_path);
    }
    return rc;
}

static int pick_camera(const char *path, int camera, sp_calib *c)
{
    if (camera < 0 || camera == c->camera)
        return SP_OK;
    const double *p = c->P[camera];
    int any = 0;
    for (int i = 0; i < 12; i++)
        any |= p[i] != 0;
    if (!any)
        return sp__fail(SP_EFORMAT, "%s: no P%d, expected one for camera %d",
                        path, camera, camera);
    c->camera = camera;
    c->has_P = 1;
    return SP_OK;
}

static int load_folder(const char *dir, int camera, sp_calib *out)
{
    char cam[4096], velo[4096], one[4096];
    snprintf(cam, sizeof cam, "%s/calib_cam_to_cam.txt", dir);
    snprintf(velo, sizeof velo, "%s/calib_velo_to_cam.txt", dir);
    snprintf(one, sizeof one, "%s/calib.txt", dir);
    int hc = is_regular(cam), hv = is_regular(velo);
    if (hc || hv)
        return load_raw_pair(hc ? cam : NULL, hv ? velo : NULL,
                             camera < 0 ? 2 : camera, out);
    if (is_regular(one)) {
        SP_TRY(sp_calib_load_kitti(one, out));
        return pick_camera(one, camera, out);
    }
    return sp__fail(SP_ENOTFOUND,
                    "%s: a folder without calib_cam_to_cam.txt, "
                    "calib_velo_to_cam.txt or calib.txt, expected %s",
                    dir, FORMS_EXPECTED);
}

int sp_calib_load(const char *path, int camera, sp_calib *out)
{
    SP_GUARD(path && out && camera >= -1 && camera <= 3);
    int kind = sp__path_kind(path);
    if (kind < 0)
        return kind;
    if (kind == 1)
        return load_folder(path, camera, out);
    sp__iobuf buf = {0};
    size_t len = 0;
    int rc = sp__read_text(path, SP_CALIB_MAX_BYTES, &buf, &len);
    if (rc < 0)
        goto done;
    const char *t = (const char *)buf.data;
    if (len >= 6 && !memcmp(t, "\x93NUMPY", 6)) {
        rc = load_npy(path, out);
        goto done;
    }
    char other[4096];
    switch (kind_of(t, len)) {
    case TEXT_OBJECT:
        rc = sp_calib_parse_kitti(t, len, path, out);
        if (rc == SP_OK)
            rc = pick_camera(path, camera, out);
        break;
    case TEXT_RAW_CAM:
        beside(path, "calib_velo_to_cam.txt", other, sizeof other);
        rc = load_raw_pair(path, is_regular(other) ? other : NULL,
                           camera < 0 ? 2 : camera, out);
        break;
    case TEXT_RAW_VELO:
        beside(path, "calib_cam_to_cam.txt", other, sizeof other);
        rc = load_raw_pair(is_regular(other) ? other : NULL, path,
                           camera < 0 ? 2 : camera, out);
        break;
    default:
        if (has_colon_line(t, len))
            rc = sp__fail(SP_EFORMAT,
                          "%s: no calibration key found, expected %s", path,
                          FORMS_EXPECTED);
        else
            rc = sp_calib_parse_matrix(t, len, path, out);
    }
done:
    sp__iobuf_free(&buf);
    return rc;
}
