/* KITTI .bin writer: x, y, z, intensity float32 records, staged through a
 * fixed stack buffer, written under a temporary name and renamed. */
#include <string.h>
#include <unistd.h>

#include "io_int.h"
#include "sp_bin.h"

int sp_kittibin_write(const char *path, const sp_points *pts)
{
    SP_GUARD(path && pts);
    SP_GUARD(pts->count == 0 || (pts->x && pts->y && pts->z && pts->intensity));
    enum { CHUNK = 1024 };
    float rec[CHUNK * 4];
    char tmp[4096];
    int fd, rc = SP_OK;
    SP_TRY(sp__tmp_open(path, tmp, sizeof tmp, &fd));
    for (size_t done = 0; done < pts->count && rc == SP_OK;) {
        size_t m = pts->count - done < CHUNK ? pts->count - done : CHUNK;
        for (size_t k = 0; k < m; k++) {
            rec[4 * k + 0] = pts->x[done + k];
            rec[4 * k + 1] = pts->y[done + k];
            rec[4 * k + 2] = pts->z[done + k];
            rec[4 * k + 3] = pts->intensity[done + k];
        }
        rc = sp__write_full(fd, rec, m * 16, path);
        done += m;
    }
    if (rc < 0) {
        sp__tmp_abort(fd, tmp);
        return rc;
    }
    return sp__tmp_commit(fd, tmp, path);
}
