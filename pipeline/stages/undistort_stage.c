/* The `undistort` stage: removes lens distortion from camera images through
 * a remap table (see sp_undistort.h). The camera matrix and distortion come
 * from, in this order: the properties fx, fy, cx, cy (+ k1, k2, p1, p2, k3),
 * a calibration file calib=PATH (a KITTI raw calib_cam_to_cam.txt: K_0c,
 * D_0c for camera=c), or the frame's own calibration from its source (a
 * bag's CameraInfo: plumb_bob, rational_polynomial or equidistant). The
 * table is built on the first frame and rebuilt only when the calibration
 * or the image size changes, so a stream allocates once. Frames that are
 * not images pass through untouched; with a pinhole lens whose
 * coefficients are all zero the image is passed through too (the table
 * would be the identity).
 *
 * threads=N cuts the output into N bands of rows, each written by one share
 * with sp_undistort_rows(): an output pixel depends only on its table entry
 * and the (whole, read-only) input, so the result is bit-identical to one
 * thread. The table itself is built on the caller's thread. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_kitti.h"
#include "sp_stage.h"
#include "sp_undistort.h"

typedef struct undistort_stage {
    int have_props; /* fx.. given as properties */
    double K[9];
    sp_undistort_lens lens; /* from the properties */
    int have_file;          /* calib= parsed */
    sp_calib file;
    sp_undistort_map map;
    void *map_mem;
    size_t map_cap;
    /* the frame in flight, for the shares */
    const sp_image *src;
    sp_image *dst;
    sp__par par;
} undistort_stage;

static const sp_prop_spec undistort_props[] = {
    {.name = "calib",
     .type = SP_PROP_STRING,
     .optional = 1,
     .help = "KITTI raw calib_cam_to_cam.txt (K_0c, D_0c, S_0c); unset: "
             "fx..k3 properties, else the frame's calibration"},
    {.name = "camera",
     .type = SP_PROP_INT,
     .def = "2",
     .min = 0,
     .max = 3,
     .help = "which camera of calib= (K_0c / D_0c)"},
    {.name = "fx",
     .type = SP_PROP_FLOAT,
     .optional = 1,
     .help = "focal length x in pixels (with fy, cx, cy: overrides calib)"},
    {.name = "fy",
     .type = SP_PROP_FLOAT,
     .optional = 1,
     .help = "focal length y"},
    {.name = "cx",
     .type = SP_PROP_FLOAT,
     .optional = 1,
     .help = "principal point x"},
    {.name = "cy",
     .type = SP_PROP_FLOAT,
     .optional = 1,
     .help = "principal point y"},
    {.name = "k1",
     .type = SP_PROP_FLOAT,
     .def = "0",
     .help = "radial k1 (with fx..cy)"},
    {.name = "k2", .type = SP_PROP_FLOAT, .def = "0", .help = "radial k2"},
    {.name = "p1", .type = SP_PROP_FLOAT, .def = "0", .help = "tangential p1"},
    {.name = "p2", .type = SP_PROP_FLOAT, .def = "0", .help = "tangential p2"},
    {.name = "k3", .type = SP_PROP_FLOAT, .def = "0", .help = "radial k3"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

/* Reads and parses calib=PATH once, at init (warm-up may allocate). */
static int load_calib(sp_stage *st, const char *path, int camera, sp_calib *out)
{
    int rc = sp_calib_load_kitti_raw(path, camera, out);
    if (rc < 0)
        return sp_stage_fail(st, rc, "property 'calib': %s", sp_errmsg());
    if (!out->has_K)
        return sp_stage_fail(st, SP_EFORMAT,
                             "property 'calib': '%s' has no K_0%d and D_0%d, "
                             "expected the intrinsics of camera %d",
                             path, camera, camera, camera);
    return SP_OK;
}

static int undistort_init(sp_stage *st)
{
    undistort_stage *u = sp_stage_priv(st);
    static const char *const kk[4] = {"fx", "fy", "cx", "cy"};
    int given = 0;
    for (int i = 0; i < 4; i++)
        given += sp_stage_prop(st, kk[i])->set != 0;
    if (given != 0 && given != 4) {
        for (int i = 0; i < 4; i++)
            if (!sp_stage_prop(st, kk[i])->set)
                return sp_stage_fail(st, SP_EINVAL,
                                     "property '%s' missing: fx, fy, cx and cy "
                                     "go together",
                                     kk[i]);
    }
    if (given == 4) {
        double fx = sp_stage_prop_float(st, "fx"),
               fy = sp_stage_prop_float(st, "fy");
        if (fx == 0 || fy == 0)
            return sp_stage_fail(st, SP_EINVAL,
                                 "property '%s' is 0, expected a focal length "
                                 "in pixels",
                                 fx == 0 ? "fx" : "fy");
        double K[9] = {fx, 0,  sp_stage_prop_float(st, "cx"),
                       0,  fy, sp_stage_prop_float(st, "cy"),
                       0,  0,  1};
        memcpy(u->K, K, sizeof K);
        static const char *const dk[5] = {"k1", "k2", "p1", "p2", "k3"};
        for (int i = 0; i < 5; i++)
            u->lens.k[i] = sp_stage_prop_float(st, dk[i]);
        u->have_props = 1;
    }
    const sp_prop_value *cal = sp_stage_prop(st, "calib");
    if (!u->have_props && cal->set && cal->s && cal->s[0]) {
        int rc = load_calib(st, cal->s, (int)sp_stage_prop_int(st, "camera"),
                            &u->file);
        if (rc < 0)
            return rc;
        u->have_file = 1;
    }
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &u->par);
}

/* A pinhole lens without distortion: the table would be the identity. (An
 * equidistant lens with zero coefficients is not: atan(r) still bends.) */
static int no_distortion(const sp_undistort_lens *l)
{
    if (l->model == SP_UNDISTORT_EQUIDISTANT)
        return 0;
    for (int i = 0; i < 8; i++)
        if (l->k[i] != 0)
            return 0;
    return 1;
}

/* K and the lens for a frame; fails naming what is missing. */
static int frame_intrinsics(sp_stage *st, undistort_stage *u,
                            const sp_frame *in, const double **K,
                            sp_undistort_lens *lens)
{
    unsigned long long seq = (unsigned long long)in->seq;
    if (u->have_props) {
        *K = u->K, *lens = u->lens;
        return SP_OK;
    }
    const sp_calib *c = u->have_file ? &u->file : NULL;
    if (!u->have_file) {
        /* A source may leave its calibration unread until a stage needs
         * it (KITTI): read it now; a bad file fails here, not earlier. */
        int rc = sp_calib_get(in->calib, &c);
        if (rc < 0)
            return sp_stage_fail(st, rc, "frame %llu (%s): %s", seq,
                                 in->origin ? in->origin : in->stream,
                                 sp_errmsg());
    }
    if (!c || !c->has_K)
        return sp_stage_fail(st, SP_ENOTFOUND,
                             "frame %llu (%s): no camera matrix: %s, expected "
                             "fx, fy, cx, cy (+ k1, k2, p1, p2, k3) properties "
                             "or calib=PATH",
                             seq, in->origin ? in->origin : in->stream,
                             c ? "its calibration has no K and distortion"
                               : "the source attached no calibration");
    const sp_image *im = &in->u.image;
    if (c->width > 0 && c->height > 0 &&
        ((uint32_t)c->width != im->width || (uint32_t)c->height != im->height))
        return sp_stage_fail(st, SP_EINVAL,
                             "frame %llu: image is %ux%u but the calibration "
                             "(%s) is for %dx%d, expected undistort before any "
                             "resize",
                             seq, im->width, im->height,
                             c->source[0] ? c->source : "unnamed", c->width,
                             c->height);
    static const sp_undistort_model models[] = {
        [SP_DIST_PLUMB_BOB] = SP_UNDISTORT_PLUMB_BOB,
        [SP_DIST_RATIONAL] = SP_UNDISTORT_RATIONAL,
        [SP_DIST_EQUIDISTANT] = SP_UNDISTORT_EQUIDISTANT};
    if ((unsigned)c->dist_model >= sizeof models / sizeof models[0])
        return sp_stage_fail(st, SP_EUNSUPPORTED,
                             "frame %llu (%s): distortion model %d, expected "
                             "plumb_bob, rational_polynomial or equidistant",
                             seq, c->source[0] ? c->source : "unnamed",
                             c->dist_model);
    memset(lens, 0, sizeof *lens);
    lens->model = models[c->dist_model];
    memcpy(lens->k, c->dist, sizeof lens->k);
    *K = c->K;
    return SP_OK;
}

/* Finds the frame's intrinsics and makes sure the remap table is built for
 * them; the output is an image like the input. */
static int undistort_prepare(sp_stage *st, const sp_frame *in,
                             sp__filter_out *o)
{
    undistort_stage *u = sp_stage_priv(st);
    unsigned long long seq = (unsigned long long)in->seq;
    const sp_image *src = &in->u.image;
    const double *K = NULL;
    sp_undistort_lens lens;
    int rc = frame_intrinsics(st, u, in, &K, &lens);
    if (rc < 0)
        return rc;
    if (no_distortion(&lens)) {
        o->pass = 1; /* the table would be the identity: nothing to do */
        return SP_OK;
    }
    if (!sp_undistort_map_matches_lens(&u->map, K, &lens, src->width,
                                       src->height)) {
        /* New calibration or size: (re)build the table. This allocates only
         * when the table grows, i.e. once per stream in practice. */
        size_t need = sp_undistort_map_size(src->width, src->height);
        if (need == 0)
            return sp_stage_fail(st, SP_EINVAL,
                                 "frame %llu: image %ux%u too large "
                                 "for a remap table",
                                 seq, src->width, src->height);
        if (need > u->map_cap) {
            free(u->map_mem);
            u->map_cap = 0;
            u->map.valid = 0;
            u->map_mem = aligned_alloc(64, (need + 63) & ~(size_t)63);
            if (!u->map_mem)
                return sp_stage_fail(st, SP_ENOMEM,
                                     "frame %llu: no memory for "
                                     "a %zu-byte remap table",
                                     seq, need);
            u->map_cap = need;
        }
        rc = sp_undistort_map_init_lens(&u->map, u->map_mem, u->map_cap, K,
                                        &lens, src->width, src->height);
        if (rc < 0) {
            const sp_calib *c = u->have_file ? &u->file : in->calib;
            return sp__fail_context(rc, "calibration %s: ",
                                    u->have_props
                                        ? "from the fx, fy, cx, cy properties"
                                    : c->source[0] ? c->source
                                                   : "(unnamed)");
        }
    }
    o->payload = SP_PAYLOAD_IMAGE;
    o->width = src->width;
    o->height = src->height;
    o->format = src->format;
    return SP_OK;
}

static void undistort_share(void *arg, int i, int n)
{
    undistort_stage *u = arg;
    size_t y0, y1;
    sp__par_rows(u->dst->height, i, n, 1, &y0, &y1);
    sp__par_note(&u->par, i,
                 sp_undistort_rows(u->par.k[i], &u->map, u->src, u->dst,
                                   (uint32_t)y0, (uint32_t)y1));
}

static int undistort_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    undistort_stage *u = sp_stage_priv(st);
    int n = sp__par_shares(st, &u->par, res->u.image.height, 1);
    if (n == 1)
        return sp_undistort(sp_stage_kctx(st), &u->map, &in->u.image,
                            &res->u.image);
    u->src = &in->u.image;
    u->dst = &res->u.image;
    sp__workers_run(u->par.w, n, undistort_share, u);
    return sp__par_result(&u->par, n);
}

static const sp__filter_ops undistort_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = undistort_prepare,
    .run = undistort_run,
};

static int undistort_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &undistort_ops, NULL, out);
}

static void undistort_fini(sp_stage *st)
{
    undistort_stage *u = sp_stage_priv(st);
    sp__par_deinit(&u->par);
    free(u->map_mem);
    u->map_mem = NULL;
    u->map_cap = 0;
    u->map.valid = 0;
}

const sp_stage_class sp__stage_undistort = {
    .name = "undistort",
    .takes = "image (gray8, rgb8, bgr8, rgba8, f32; with a camera model)",
    .gives = "image, same size, format and stream",
    .description = "remove lens distortion (OpenCV k1,k2,p1,p2,k3 model) "
                   "through a remap table kept per calibration; K/dist from "
                   "fx..k3, calib= or the frame; other frames pass through",
    .props = undistort_props,
    .nprops = sizeof undistort_props / sizeof undistort_props[0],
    .priv_size = sizeof(undistort_stage),
    .init = undistort_init,
    .pull = undistort_pull,
    .fini = undistort_fini,
};
