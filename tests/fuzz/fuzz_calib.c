/* libFuzzer target: the KITTI calibration parsers on arbitrary bytes with
 * no NUL terminator, each text in its own exact-size heap copy so that any
 * read past its end is an ASan error.
 *
 * Input: when the first byte is '0'..'3', the rest is a raw drive's
 * calib_cam_to_cam.txt, a NUL byte, then its calib_velo_to_cam.txt (no NUL:
 * cam_to_cam only), parsed for that camera; 'v' gives velo_to_cam alone.
 * 'm' gives a bare matrix (sp_calib_parse_matrix), whose success must be
 * one of the two matrix forms with finite numbers (a projection scaled so
 * its third row's direction is a unit vector).
 * Any other first byte: the whole input is an object/odometry calib file.
 * A refusal must be SP_EFORMAT with a message naming the file; a success
 * must give an image size that is a real one (or none). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_kitti.h"

static char *exact_copy(const uint8_t *src, size_t n)
{
    char *t = malloc(n ? n : 1);
    if (t)
        memcpy(t, src, n);
    return t;
}

static void check(int rc, const char *name1, const char *name2,
                  const sp_calib *c)
{
    if (rc == SP_OK) {
        if (c->width < 0 || c->height < 0 || c->width > 65535 ||
            c->height > 65535 || (c->width == 0) != (c->height == 0))
            abort();
        return;
    }
    const char *m = sp_errmsg();
    if (rc != SP_EFORMAT ||
        (strncmp(m, name1, strlen(name1)) != 0 &&
         (!name2 || strncmp(m, name2, strlen(name2)) != 0))) {
        fprintf(stderr, "unexpected status %d: %s\n", rc, m);
        abort();
    }
}

static void check_matrix(const uint8_t *data, size_t size)
{
    sp_calib c;
    char *t = exact_copy(data, size);
    if (!t)
        return;
    int rc = sp_calib_parse_matrix(t, size, "m.txt", &c);
    free(t);
    check(rc, "m.txt", NULL, &c);
    if (rc != SP_OK)
        return;
    for (int i = 0; i < 12; i++)
        if (!isfinite(c.velo_to_cam[i]))
            abort();
    if (c.form == SP_CALIB_LIDAR_TO_IMAGE) {
        double n = sqrt(c.velo_to_cam[8] * c.velo_to_cam[8] +
                        c.velo_to_cam[9] * c.velo_to_cam[9] +
                        c.velo_to_cam[10] * c.velo_to_cam[10]);
        if (!c.has_P || fabs(n - 1) > 1e-9)
            abort();
    } else if (c.form != SP_CALIB_LIDAR_TO_CAMERA || c.has_P) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_calib c;
    if (size >= 1 && data[0] == 'm') {
        check_matrix(data + 1, size - 1);
        return 0;
    }
    if (size >= 1 && ((data[0] >= '0' && data[0] <= '3') || data[0] == 'v')) {
        const uint8_t *rest = data + 1;
        size_t n = size - 1;
        const uint8_t *nul = memchr(rest, 0, n);
        size_t cam_len = nul ? (size_t)(nul - rest) : n;
        char *cam = data[0] == 'v' ? NULL : exact_copy(rest, cam_len);
        char *velo = NULL;
        size_t velo_len = 0;
        if (data[0] == 'v') {
            velo_len = n;
            velo = exact_copy(rest, n);
        } else if (nul) {
            velo_len = n - cam_len - 1;
            velo = exact_copy(nul + 1, velo_len);
        }
        int camera = data[0] == 'v' ? 2 : data[0] - '0';
        int rc = sp_calib_parse_kitti_raw(cam, cam_len, "cam.txt", velo,
                                          velo_len, "velo.txt", camera, &c);
        check(rc, "cam.txt", "velo.txt", &c);
        free(cam);
        free(velo);
        return 0;
    }
    char *t = exact_copy(data, size);
    if (!t)
        return 0;
    check(sp_calib_parse_kitti(t, size, "calib.txt", &c), "calib.txt", NULL,
          &c);
    free(t);
    return 0;
}
