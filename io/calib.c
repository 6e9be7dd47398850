/* KITTI calibration text: "key: v v v ..." lines. Object/odometry files give
 * P0..P3, R0_rect and Tr_velo_to_cam per frame; a raw drive gives
 * calib_cam_to_cam.txt (P_rect_0c, R_rect_00, K_0c, D_0c, S_0c) and
 * calib_velo_to_cam.txt (R, T). Parsed from bounded buffers (fuzzable);
 * errors name the file, the line and what was expected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"
#include "sp_kitti.h"

#define MAX_VALUES 16

typedef struct keyspec {
    const char *key;
    int nvalues; /* values expected */
    double *dst; /* where they go */
    int *found;  /* set to 1 when seen (may be NULL) */
    int lax;     /* 1: NaN and infinity are the caller's to refuse */
} keyspec;

/* Walk the lines; for a key in @p specs, require exactly its count of
 * finite numbers. Unknown keys (calib_time: 09-Jan-2012 ...) are skipped,
 * but a file with none of the keys is no calibration: *found counts them. */
static int parse_kv(const char *text, size_t len, const char *name,
                    const keyspec *specs, int nspecs, int *found)
{
    *found = 0;
    const char *p = text, *end = text + len;
    unsigned line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p;
        line++;
        p = nl ? nl + 1 : end;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == le)
            continue;
        const char *colon = memchr(s, ':', (size_t)(le - s));
        if (!colon)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: '%.*s', expected "
                            "'key: values'",
                            name, line, (int)(le - s > 40 ? 40 : le - s), s);
        size_t klen = (size_t)(colon - s);
        while (klen && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
            klen--;
        const keyspec *ks = NULL;
        for (int k = 0; k < nspecs; k++)
            if (strlen(specs[k].key) == klen && !strncmp(specs[k].key, s, klen))
                ks = &specs[k];
        if (!ks)
            continue;
        /* Copy the values into a bounded, NUL-terminated buffer so strtod
         * cannot run past the line. */
        char vals[1024];
        size_t vl = (size_t)(le - colon - 1);
        if (vl >= sizeof vals)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: key '%s' line of %zu "
                            "bytes, expected at most %zu",
                            name, line, ks->key, vl, sizeof vals - 1);
        memcpy(vals, colon + 1, vl);
        vals[vl] = '\0';
        double v[MAX_VALUES + 1];
        int nv = 0;
        char *q = vals;
        for (;;) {
            while (*q == ' ' || *q == '\t' || *q == '\r')
                q++;
            if (!*q)
                break;
            char *ep;
            double d = strtod(q, &ep);
            if (ep == q || (*ep && *ep != ' ' && *ep != '\t' && *ep != '\r')) {
                char *te = q;
                while (*te && *te != ' ' && *te != '\t' && *te != '\r')
                    te++;
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: key '%s' value "
                                "%d '%.*s', expected a number",
                                name, line, ks->key, nv + 1,
                                (int)(te - q > 32 ? 32 : te - q), q);
            }
            /* NaN or infinity (written, or a number past the double
             * range) would reach a kernel as a transform nobody can use:
             * refused here, where the file and line can be named. */
            if (!isfinite(d) && !ks->lax)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: key '%s' value %d '%.*s' is "
                                "not finite, expected a finite number",
                                name, line, ks->key, nv + 1,
                                (int)(ep - q > 32 ? 32 : ep - q), q);
            if (nv < MAX_VALUES + 1)
                v[nv] = d;
            nv++;
            q = ep;
        }
        if (nv != ks->nvalues)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: key '%s' has %d values, "
                            "expected %d",
                            name, line, ks->key, nv, ks->nvalues);
        memcpy(ks->dst, v, (size_t)nv * sizeof(double));
        if (ks->found)
            *ks->found = 1;
        ++*found;
    }
    return SP_OK;
}

/* A file where none of the keys was found: text of another kind, or a
 * calibration for something else; either way not what was asked for. */
static int no_keys(const char *name, const char *expected)
{
    return sp__fail(SP_EFORMAT,
                    "%s: no calibration key found, expected %s "
                    "(a KITTI calibration file)",
                    name, expected);
}

/* A camera matrix of zeros projects every point onto one pixel (P) or
 * cannot be inverted (K): a placeholder, not a calibration. */
static int zero_matrix(const char *name, const char *key, const double *m,
                       int n)
{
    for (int i = 0; i < n; i++)
        if (m[i] != 0)
            return SP_OK;
    return sp__fail(SP_EFORMAT,
                    "%s: key '%s' is all zeros, expected a camera matrix", name,
                    key);
}

static void set_identity3(double *m)
{
    memset(m, 0, 9 * sizeof *m);
    m[0] = m[4] = m[8] = 1;
}

static void set_source(sp_calib *c, const char *a, const char *b)
{
    size_t n = sizeof c->source;
    if (b)
        snprintf(c->source, n, "%s + %s", sp__basename(a), sp__basename(b));
    else
        snprintf(c->source, n, "%s", a);
}

int sp_calib_parse_kitti(const char *text, size_t len, const char *name,
                         sp_calib *out)
{
    SP_GUARD((text || len == 0) && out);
    if (!name)
        name = "calib.txt";
    sp_calib c;
    memset(&c, 0, sizeof c);
    int fp[4] = {0}, fr0 = 0, fr1 = 0, fv = 0, fv1 = 0, fv2 = 0;
    double r0b[9], vb1[12], vb2[12];
    keyspec ks[] = {
        {"P0", 12, c.P[0], &fp[0], 0},
        {"P1", 12, c.P[1], &fp[1], 0},
        {"P2", 12, c.P[2], &fp[2], 0},
        {"P3", 12, c.P[3], &fp[3], 0},
        {"R0_rect", 9, c.R0, &fr0, 0},
        {"R_rect", 9, r0b, &fr1, 0},
        {"Tr_velo_to_cam", 12, c.velo_to_cam, &fv, 0},
        {"Tr_velo_cam", 12, vb1, &fv1, 0},
        {"Tr", 12, vb2, &fv2, 0},
    };
    int found;
    SP_TRY(
        parse_kv(text, len, name, ks, (int)(sizeof ks / sizeof ks[0]), &found));
    if (!found)
        return no_keys(name, "P0..P3, R0_rect or Tr_velo_to_cam");
    for (int i = 0; i < 4; i++)
        if (fp[i])
            SP_TRY(zero_matrix(name, ks[i].key, c.P[i], 12));
    if (!fr0 && fr1) {
        memcpy(c.R0, r0b, sizeof r0b);
        fr0 = 1;
    }
    if (!fv && (fv1 || fv2)) {
        memcpy(c.velo_to_cam, fv1 ? vb1 : vb2, sizeof vb1);
        fv = 1;
    }
    c.has_P = fp[0] && fp[1] && fp[2] && fp[3];
    if (!c.has_P && fp[2]) /* partial: keep P2, the usual camera */
        c.has_P = 1;
    c.has_R0 = fr0;
    if (!fr0)
        set_identity3(c.R0);
    c.has_velo_to_cam = fv;
    c.camera = 2;
    set_source(&c, name, NULL);
    *out = c;
    return SP_OK;
}

int sp_calib_parse_kitti_raw(const char *cam, size_t cam_len,
                             const char *cam_name, const char *velo,
                             size_t velo_len, const char *velo_name, int camera,
                             sp_calib *out)
{
    SP_GUARD(out && camera >= 0 && camera <= 3);
    sp_calib c;
    memset(&c, 0, sizeof c);
    c.camera = camera;
    set_identity3(c.R0);
    if (cam) {
        char kP[4][12], kK[8], kD[8], kS[8];
        int fp[4] = {0}, fr = 0, fk = 0, fd = 0, fs = 0;
        double S[2] = {0, 0};
        for (int i = 0; i < 4; i++)
            snprintf(kP[i], sizeof kP[i], "P_rect_0%d", i);
        snprintf(kK, sizeof kK, "K_0%d", camera);
        snprintf(kD, sizeof kD, "D_0%d", camera);
        snprintf(kS, sizeof kS, "S_0%d", camera);
        keyspec ks[] = {
            {kP[0], 12, c.P[0], &fp[0], 0}, {kP[1], 12, c.P[1], &fp[1], 0},
            {kP[2], 12, c.P[2], &fp[2], 0}, {kP[3], 12, c.P[3], &fp[3], 0},
            {"R_rect_00", 9, c.R0, &fr, 0}, {kK, 9, c.K, &fk, 0},
            {kD, 5, c.dist, &fd, 0},        {kS, 2, S, &fs, 1},
        };
        const char *cn = cam_name ? cam_name : "cam_to_cam";
        int found;
        SP_TRY(parse_kv(cam, cam_len, cn, ks, (int)(sizeof ks / sizeof ks[0]),
                        &found));
        if (!found) {
            char keys[64];
            snprintf(keys, sizeof keys, "P_rect_00..03, R_rect_00, %s or %s",
                     kK, kD);
            return no_keys(cn, keys);
        }
        for (int i = 0; i < 4; i++)
            if (fp[i])
                SP_TRY(zero_matrix(cn, kP[i], c.P[i], 12));
        if (fk)
            SP_TRY(zero_matrix(cn, kK, c.K, 9));
        c.has_P = fp[camera];
        c.has_R0 = fr;
        if (!fr)
            set_identity3(c.R0);
        c.has_K = fk && fd;
        if (fs) {
            /* Checked before the conversion to int: 1e300 or NaN there is
             * undefined behaviour, and a size of 0 or -5 is no image. */
            for (int i = 0; i < 2; i++)
                if (!(S[i] >= 1 && S[i] <= 65535) || S[i] != (double)(int)S[i])
                    return sp__fail(SP_EFORMAT,
                                    "%s: key '%s' gives an image "
                                    "size of %g x %g, expected two whole "
                                    "numbers in 1..65535",
                                    cam_name ? cam_name : "cam_to_cam", kS,
                                    S[0], S[1]);
        }
        if (c.has_K && fs) {
            c.width = (int)S[0];
            c.height = (int)S[1];
        }
    }
    if (velo) {
        double R[9], T[3];
        int fR = 0, fT = 0;
        keyspec ks[] = {{"R", 9, R, &fR, 0}, {"T", 3, T, &fT, 0}};
        const char *vn = velo_name ? velo_name : "velo_to_cam";
        int found;
        SP_TRY(parse_kv(velo, velo_len, vn, ks, 2, &found));
        if (!found)
            return no_keys(vn, "R and T");
        if (fR && fT) {
            for (int r = 0; r < 3; r++) {
                for (int k = 0; k < 3; k++)
                    c.velo_to_cam[r * 4 + k] = R[r * 3 + k];
                c.velo_to_cam[r * 4 + 3] = T[r];
            }
            c.has_velo_to_cam = 1;
        }
    }
    set_source(&c,
               cam ? (cam_name ? cam_name : "cam_to_cam")
                   : (velo_name ? velo_name : ""),
               cam && velo ? (velo_name ? velo_name : "velo_to_cam") : NULL);
    *out = c;
    return SP_OK;
}

int sp_calib_load_kitti(const char *path, sp_calib *out)
{
    SP_GUARD(path && out);
    sp__iobuf buf = {0};
    size_t len;
    int rc = sp__read_text(path, SP_CALIB_MAX_BYTES, &buf, &len);
    if (rc == SP_OK)
        rc = sp_calib_parse_kitti((const char *)buf.data, len, path, out);
    sp__iobuf_free(&buf);
    return rc;
}

int sp_calib_load_kitti_raw(const char *cam_path, int camera, sp_calib *out)
{
    SP_GUARD(cam_path && out);
    sp__iobuf buf = {0};
    size_t len;
    int rc = sp__read_text(cam_path, SP_CALIB_MAX_BYTES, &buf, &len);
    if (rc == SP_OK)
        rc = sp_calib_parse_kitti_raw((const char *)buf.data, len, cam_path,
                                      NULL, 0, NULL, camera, out);
    sp__iobuf_free(&buf);
    return rc;
}

const char *sp_calib_dist_name(int model)
{
    switch (model) {
    case SP_DIST_PLUMB_BOB:
        return "plumb_bob";
    case SP_DIST_RATIONAL:
        return "rational_polynomial";
    case SP_DIST_EQUIDISTANT:
        return "equidistant";
    default:
        return "unknown";
    }
}
