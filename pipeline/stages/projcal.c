/* The calibration that projects a sweep into its image (projcal_int.h):
 * calib= first, whole or as the lidar's place beside a frame's camera, then
 * the frames' own calibrations, read only now. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "projcal_int.h"

#define FORMS                                                                  \
    "a KITTI calib file, a raw drive's calib folder, or a 3x4/4x4 matrix"

int sp__projcal_load(sp_stage *st, sp__projcal *pc, const char *path)
{
    int rc = sp_calib_load(path, -1, &pc->file);
    if (rc < 0)
        return sp_stage_fail(st, rc, "property 'calib': %s", sp_errmsg());
    if (!pc->file.has_P && !pc->file.has_velo_to_cam)
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'calib': %s has no camera projection "
                             "and no lidar-to-camera transform, expected %s",
                             path, FORMS);
    pc->has_file = 1;
    return SP_OK;
}

static int full(const sp_calib *c)
{
    return c && c->has_P && c->has_velo_to_cam;
}

static int has_camera(const sp_calib *c, int cam)
{
    if (cam < 0 || cam > 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (c->P[cam][i] != 0)
            return 1;
    return 0;
}

/* The file's lidar-to-camera transform with the camera of @p cam. */
static const sp_calib *merge(sp__projcal *pc, const sp_calib *cam)
{
    sp_calib *m = &pc->merged;
    *m = *cam;
    m->lazy = NULL;
    memcpy(m->velo_to_cam, pc->file.velo_to_cam, sizeof m->velo_to_cam);
    m->has_velo_to_cam = 1;
    snprintf(m->source, sizeof m->source, "%.120s + %.120s", cam->source,
             pc->file.source);
    return m;
}

int sp__projcal_pick(sp__projcal *pc, const sp_frame *lidar,
                     const sp_frame *camera, const sp_calib **out)
{
    const sp_calib *L = NULL, *C = NULL;
    *out = NULL;
    if (lidar)
        SP_TRY(sp_calib_get(lidar->calib, &L));
    if (camera)
        SP_TRY(sp_calib_get(camera->calib, &C));
    if (pc->has_file) {
        const sp_calib *F = &pc->file;
        if (full(F)) {
            int kitti = F->form == SP_CALIB_KITTI_OBJECT ||
                        F->form == SP_CALIB_KITTI_RAW;
            if (kitti && C && C->camera != F->camera &&
                has_camera(F, C->camera)) {
                pc->merged = *F;
                pc->merged.camera = C->camera;
                *out = &pc->merged;
            } else {
                *out = F;
            }
            return SP_OK;
        }
        if (F->has_velo_to_cam) {
            const sp_calib *I = C && C->has_P ? C : L && L->has_P ? L : NULL;
            if (!I)
                return sp__fail(SP_EINVAL,
                                "calib=%s gives where the lidar is (a "
                                "lidar-to-camera transform) but not the "
                                "camera, and no frame of the sample has a "
                                "camera calibration: expected a camera "
                                "frame with one (a bag's CameraInfo) within "
                                "sync=, or calib= with the camera too (%s)",
                                F->source, FORMS);
            *out = merge(pc, I);
            return SP_OK;
        }
        *out = F; /* a camera without the lidar: the projection says so */
        return SP_OK;
    }
    if (full(C)) {
        *out = C;
        return SP_OK;
    }
    if (full(L)) {
        *out = L;
        return SP_OK;
    }
    const sp_calib *cam = C && C->has_P ? C : L && L->has_P ? L : NULL;
    if (cam && cam->form == SP_CALIB_CAMERA_INFO)
        return sp__fail(SP_EINVAL,
                        "calibration %s (a CameraInfo) gives the camera but "
                        "not where the lidar is, expected calib=FILE with the "
                        "lidar-to-camera transform (a 4x4 or 3x4 [R|t] "
                        "matrix, or a KITTI calib_velo_to_cam.txt); a bag's "
                        "/tf is not read",
                        cam->source);
    if (L || C) {
        *out = L ? L : C; /* incomplete: the projection names what lacks */
        return SP_OK;
    }
    return sp__fail(SP_ENOTFOUND,
                    "no calibration: the source attached none and no calib= "
                    "was set, expected calib=PATH (%s)",
                    FORMS);
}
