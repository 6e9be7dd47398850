/* Shared by the file sources: which errors on_error=skip may skip, frame
 * times from an optional timestamps.txt, the pull loop and frame metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_kitti.h"

int sp__src_is_bad_input(int rc)
{
    return rc == SP_EFORMAT || rc == SP_EUNSUPPORTED || rc == SP_ERANGE ||
           rc == SP_ENOTFOUND || rc == SP_EIO;
}

int sp__src_skip(sp_stage *st, int rc)
{
    /* on_error is an enum "stop|skip": index 1 is skip. */
    if (sp_stage_prop(st, "on_error")->i != 1 || !sp__src_is_bad_input(rc))
        return 0;
    sp_stage_count_skipped(st);
    return 1;
}

int sp__src_times(const char *path, size_t n, int64_t **out, int *from_file)
{
    *out = NULL;
    *from_file = 0;
    char ts[4096];
    struct stat s;
    int rc;
    int64_t *t = NULL;
    size_t nt = 0;
    snprintf(ts, sizeof ts, "%s/timestamps.txt", path);
    if (stat(path, &s) == 0 && S_ISDIR(s.st_mode) && stat(ts, &s) == 0) {
        SP_TRY(sp_timestamps_load(ts, &t, &nt));
        if (nt < n) {
            rc = sp__fail(SP_EFORMAT,
                          "%s: %zu times for %zu files, expected "
                          "one line per file",
                          ts, nt, n);
            free(t);
            return rc;
        }
        *out = t;
        *from_file = 1;
        return SP_OK;
    }
    t = malloc((n ? n : 1) * sizeof *t);
    if (!t)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++)
        t[i] = (int64_t)i * 100000000;
    *out = t;
    return SP_OK;
}

int sp__src_pull(sp_stage *st, size_t *next, size_t count, sp__src_read_fn read,
                 sp_frame **out)
{
    *out = NULL;
    while (*next < count) {
        int rc = read(st, (*next)++, out);
        if (rc >= 0 || !sp__src_skip(st, rc))
            return rc;
    }
    return SP_EOS;
}

int sp__src_range_init(sp_stage *st, size_t total, const char *path,
                       sp__src_range *r)
{
    uint64_t start = (uint64_t)sp_stage_prop_int(st, "start");
    uint64_t count = (uint64_t)sp_stage_prop_int(st, "count");
    uint64_t step = (uint64_t)sp_stage_prop_int(st, "step");
    memset(r, 0, sizeof *r);
    if (step == 0)
        step = 1;
    if (start >= total)
        return sp__fail(SP_ERANGE,
                        "%s: start=%llu selects no frame, expected start < "
                        "%zu (the frames there)",
                        path, (unsigned long long)start, total);
    uint64_t n = (total - 1 - start) / step + 1;
    if (count && count < n)
        n = count;
    r->first = (size_t)start;
    r->step = (size_t)step;
    r->count = (size_t)n;
    return SP_OK;
}

int sp__src_pull_range(sp_stage *st, size_t *next, const sp__src_range *r,
                       sp__src_read_fn read, sp_frame **out)
{
    *out = NULL;
    while (*next < r->count) {
        int rc = read(st, r->first + (*next)++ * r->step, out);
        if (rc >= 0 || !sp__src_skip(st, rc))
            return rc;
    }
    return SP_EOS;
}

int sp__src_frame_fail(int rc, uint64_t seq, const char *path)
{
    return sp__fail_context(rc, "frame %llu (%s): ", (unsigned long long)seq,
                            path && *path ? path : "?");
}

void sp__src_stamp(sp_stage *st, sp_frame *f, uint64_t *seq, int64_t t,
                   const char *origin)
{
    f->seq = (*seq)++;
    f->timestamp_ns = t;
    snprintf(f->stream, sizeof f->stream, "%s",
             sp_stage_prop_str(st, "stream"));
    f->calib = NULL;
    f->origin = origin;
}

int sp__src_frame_check(sp_stage *st, uint64_t bytes, const char *origin,
                        const char *what)
{
    int64_t mb = sp_stage_prop_int(st, "max_frame_mb");
    if (mb <= 0)
        mb = SP__MAX_FRAME_DEFAULT_MB;
    uint64_t limit = (uint64_t)mb << 20;
    if (bytes != 0 && bytes <= limit)
        return SP_OK;
    char need[48];
    if (bytes)
        snprintf(need, sizeof need, "%.1f MiB", (double)bytes / (1 << 20));
    else
        snprintf(need, sizeof need, "more bytes than memory holds");
    return sp__fail(SP_ERANGE,
                    "%s: %s needs %s, over max_frame_mb=%lld; expected a "
                    "smaller frame (the input's claim is not believable), or "
                    "a larger max_frame_mb=",
                    origin, what, need, (long long)mb);
}

/* A failed creation names the frame and its input. */
static int created(int rc, uint64_t seq, const char *origin)
{
    if (rc >= 0)
        return rc;
    if (seq == SP__SRC_NO_SEQ)
        return sp__fail_context(rc, "%s: ", origin);
    return sp__src_frame_fail(rc, seq, origin);
}

int sp__src_frame_points(sp_stage *st, uint64_t seq, size_t n, unsigned fields,
                         const char *origin, sp_frame **out)
{
    *out = NULL;
    char what[64];
    snprintf(what, sizeof what, "a frame of %zu points", n);
    SP_TRY(sp__src_frame_check(st, sp_points_block_size(n ? n : 1, fields),
                               origin, what));
    return created(sp_frame_create_points(sp_stage_poolmgr(st), n, fields, out),
                   seq, origin);
}

int sp__src_frame_points_layout(sp_stage *st, uint64_t seq, size_t n,
                                const sp_points_layout *layout,
                                const char *origin, sp_frame **out)
{
    *out = NULL;
    char what[64];
    snprintf(what, sizeof what, "a frame of %zu points", n);
    size_t bytes = sp_points_block_size_layout(n ? n : 1, layout);
    if (bytes)
        SP_TRY(sp__src_frame_check(st, bytes, origin, what));
    return created(
        sp_frame_create_points_layout(sp_stage_poolmgr(st), n, layout, out),
        seq, origin);
}

int sp__src_frame_image(sp_stage *st, uint64_t seq, uint32_t width,
                        uint32_t height, sp_pixfmt fmt, const char *origin,
                        sp_frame **out)
{
    *out = NULL;
    char what[64];
    snprintf(what, sizeof what, "a %ux%u %s image", width, height,
             sp_pixfmt_name(fmt) ? sp_pixfmt_name(fmt) : "?");
    /* An empty or unknown shape is the frame's to refuse (SP_EINVAL);
     * a size of 0 otherwise means it overflows. */
    size_t bytes = sp_image_block_size(width, height, fmt, 0);
    if (bytes || (width && height && sp_pixfmt_name(fmt)))
        SP_TRY(sp__src_frame_check(st, bytes, origin, what));
    return created(
        sp_frame_create_image(sp_stage_poolmgr(st), width, height, fmt, 0, out),
        seq, origin);
}
