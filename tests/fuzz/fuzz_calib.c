/* libFuzzer target: the KITTI calibration parsers (object/odometry files
 * and a raw drive's cam_to_cam + velo_to_cam pair) on arbitrary bytes with
 * no NUL terminator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_kitti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: any read past the end is an ASan error. */
    char *t = malloc(size ? size : 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    sp_calib c;
    sp_calib_parse_kitti(t, size, "fuzz.txt", &c);
    size_t half = size / 2;
    sp_calib_parse_kitti_raw(t, half, "cam.txt", t + half, size - half,
                             "velo.txt", (int)(size % 4), &c);
    free(t);
    return 0;
}
