/* KITTI .bin writer: x, y, z, intensity float32 records, staged through a
 * fixed stack buffer, written under a temporary name and renamed. */
#include <string.h>

#include "atomic_file_int.h"
#include "io_int.h"
#include "sp_bin.h"

int sp_kittibin_write(const char *path, const sp_points *pts)
{
    SP_GUARD(path && pts);
    SP_GUARD(pts->count == 0 || (pts->x && pts->y && pts->z && pts->intensity));
    enum { CHUNK = 1024 };
    float rec[CHUNK * 4];
    sp__afile af;
    int rc = SP_OK;
    SP_TRY(sp__afile_open(&af, path));
    for (size_t done = 0; done < pts->count && rc == SP_OK;) {
        size_t m = pts->count - done < CHUNK ? pts->count - done : CHUNK;
        for (size_t k = 0; k < m; k++) {
            rec[4 * k + 0] = pts->x[done + k];
            rec[4 * k + 1] = pts->y[done + k];
            rec[4 * k + 2] = pts->z[done + k];
            rec[4 * k + 3] = pts->intensity[done + k];
        }
        rc = sp__afile_write(&af, rec, m * 16);
        done += m;
    }
    if (rc < 0) {
        sp__afile_abort(&af);
        return rc;
    }
    return sp__afile_commit(&af);
}
