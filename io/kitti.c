/* KITTI recordings: layout detection, stream listing, timestamp merge and
 * lazy per-frame reads (velodyne .bin through sp_bin_reader, images through
 * sp_png_reader). Calibration files are found at open and read only when a
 * stage asks for them (sp_calib_get() on a frame's calibration, through
 * io/calib_lazy.c): a chain that never uses them never fails on them. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calib_int.h"
#include "format_int.h"
#include "io_int.h"
#include "sp_bin.h"
#include "sp_kitti.h"
#include "sp_png.h"

#define NSTREAMS 5
#define OBJECT_PERIOD_NS 100000000LL /* object sets: 10 Hz by convention */

static const char *const stream_names[NSTREAMS] = {
    "velodyne", "image_00", "image_01", "image_02", "image_03"};

typedef struct stream {
    int kind;           /* 0 velodyne, 1..4 image_00..03 */
    char *dir;          /* folder of its files */
    sp_bin_reader *bin; /* velodyne */
    sp__filelist files; /* cameras */
    size_t nfiles;
    int64_t *ts; /* per file */
    int has_ts;
    size_t *sel; /* selected file indices */
    size_t nsel;
    sp_calib calib; /* raw drive: one per stream, read when asked */
} stream;

typedef struct mframe {
    uint32_t stream;
    uint32_t slot; /* object calib slot */
    size_t file;
    int64_t ts;
} mframe;

struct sp_kitti {
    sp_kitti_layout layout;
    char *root;
    char note[192];
    char untimed[64]; /* streams without timestamps */
    stream st[NSTREAMS];
    int nst;
    mframe *frames;
    size_t nframes;
    /* object sets: calibration per sample (slot), read when asked */
    char *calib_dir;
    sp_calib *oc;
    size_t *oc_frame; /* a frame of each slot: its file names the calib */
    size_t noc;
    sp_calib single; /* odometry: calib.txt shared by every frame */
    int has_single;
    /* raw drives: the two files found at open (read when asked) */
    int have_cam, have_velo;
    char cam_path[PATH_MAX], velo_path[PATH_MAX];
    /* Deferred reading: the lock, and buffers only the loader touches. */
    sp_calib_lazy lazy;
    sp__iobuf text, vtext;
    char path[PATH_MAX];
    sp_png_reader *png;
    sp_poolmgr *mgr; /* borrowed: the readers' staging; NULL = heap */
};

const char *sp_kitti_layout_name(sp_kitti_layout l)
{
    return l == SP_KITTI_RAW ? "raw" : "object";
}

/* Calibration source strings are informative; long paths may be cut. */
static void set_text(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

static int is_dir(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

static int is_file(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISREG(s.st_mode);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* Numeric file stem ("0000000005.bin" -> 5), -1 if not all digits or
 * 10^10 and more (KITTI uses at most 10 digits; the bound keeps number x
 * 100 ms inside int64 nanoseconds). */
static long long stem_number(const char *path)
{
    const char *b = sp__basename(path);
    long long v = 0;
    int nd = 0;
    for (; *b && *b != '.'; b++, nd++) {
        if (*b < '0' || *b > '9' || v >= 1000000000LL)
            return -1;
        v = v * 10 + (*b - '0');
    }
    return nd ? v : -1;
}

static const char *file_path(sp_kitti *k, stream *s, size_t i)
{
    return s->bin ? sp_bin_reader_path(s->bin, i)
                  : sp__filelist_path(&s->files, i);
}

/* ---- opening ---- */

static int parse_streams(const char *spec, int want[NSTREAMS])
{
    memset(want, 0, NSTREAMS * sizeof want[0]);
    if (!spec || !*spec) {
        for (int s = 0; s < NSTREAMS; s++)
            want[s] = -1; /* "if present" */
        return SP_OK;
    }
    const char *p = spec;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = -1;
        for (int s = 0; s < NSTREAMS; s++)
            if (strlen(stream_names[s]) == n && !strncmp(stream_names[s], p, n))
                found = s;
        /* Object sets say image_2; accept that spelling too. */
        if (found < 0 && n == 7 && !strncmp(p, "image_", 6) && p[6] >= '0' &&
            p[6] <= '3')
            found = 1 + (p[6] - '0');
        if (found < 0)
            return sp__fail(SP_EINVAL,
                            "kitti: streams '%s': unknown stream "
                            "'%.*s', expected velodyne, image_00, image_01, "
                            "image_02 or image_03",
                            spec, (int)n, p);
        want[found] = 1;
        if (!e)
            break;
        p = e + 1;
    }
    return SP_OK;
}

/* Where stream s's files are for the layout; NULL if not applicable. */
static char *stream_dir(const char *root, sp_kitti_layout l, int s)
{
    static const char *const raw[NSTREAMS] = {"velodyne_points/data",
                                              "image_00/data", "image_01/data",
                                              "image_02/data", "image_03/data"};
    static const char *const obj[NSTREAMS] = {"velodyne", "image_0", "image_1",
                                              "image_2", "image_3"};
    const char *rel = l == SP_KITTI_RAW ? raw[s] : obj[s];
    return rel ? join(root, rel) : NULL;
}

static int load_stream_times(sp_kitti *k, stream *s)
{
    size_t n = s->nfiles;
    s->ts = malloc((n ? n : 1) * sizeof *s->ts);
    if (!s->ts)
        return sp__fail(SP_ENOMEM, "kitti: out of memory");
    int64_t *lines = NULL;
    size_t nlines = 0;
    char *tsfile = NULL;
    {
        /* Raw: data/'s parent holds timestamps.txt. Odometry sequences
         * keep one times.txt (seconds) beside velodyne/ and image_2/. */
        char *parent = strdup(s->dir);
        if (!parent)
            return sp__fail(SP_ENOMEM, "kitti: out of memory");
        char *sl = strrchr(parent, '/');
        if (sl)
            *sl = '\0';
        tsfile = k->layout == SP_KITTI_RAW ? join(parent, "timestamps.txt")
                                           : join(k->root, "times.txt");
        free(parent);
        if (!tsfile)
            return sp__fail(SP_ENOMEM, "kitti: out of memory");
        if (is_file(tsfile)) {
            int rc = sp_timestamps_load(tsfile, &lines, &nlines);
            if (rc < 0) {
                free(tsfile);
                return rc;
            }
            s->has_ts = 1;
        }
    }
    int rc = SP_OK;
    for (size_t i = 0; i < n; i++) {
        const char *fp = file_path(k, s, i);
        long long num = stem_number(fp);
        long long idx = num >= 0 ? num : (long long)i;
        if (!s->has_ts) {
            s->ts[i] = idx * OBJECT_PERIOD_NS;
            continue;
        }
        if ((unsigned long long)idx >= nlines) {
            rc = sp__fail(SP_EFORMAT,
                          "%s: has %zu times but %s needs line "
                          "%lld, expected a time for every file",
                          tsfile, nlines, sp__basename(fp), idx + 1);
            break;
        }
        s->ts[i] = lines[idx];
    }
    if (rc == SP_OK && !s->has_ts) {
        size_t used = strlen(k->untimed);
        snprintf(k->untimed + used, sizeof k->untimed - used, "%s%s",
                 used ? ", " : "", stream_names[s->kind]);
    }
    free(lines);
    free(tsfile);
    return rc;
}

/* The streams whose folders exist under the root, for a message:
 * "velodyne, image_02" or "none". */
static void present_streams(const sp_kitti *k, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int s = 0; s < NSTREAMS && used < cap; s++) {
        char *d = stream_dir(k->root, k->layout, s);
        if (d && is_dir(d)) {
            int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "",
                             stream_names[s]);
            used += w > 0 ? (size_t)w : 0;
        }
        free(d);
    }
    if (!buf[0])
        snprintf(buf, cap, "none");
}

static int open_stream(sp_kitti *k, int kind, int required)
{
    stream *s = &k->st[k->nst];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->dir = stream_dir(k->root, k->layout, kind);
    if (!s->dir) {
        if (required)
            return sp__fail(SP_ENOTFOUND,
                            "%s: stream '%s' does not exist in "
                            "a KITTI %s set, expected velodyne, image_02 or "
                            "image_03",
                            k->root, stream_names[kind],
                            sp_kitti_layout_name(k->layout));
        return SP_OK;
    }
    if (!is_dir(s->dir)) {
        char have[128];
        if (required)
            present_streams(k, have, sizeof have);
        int rc = required ? sp__fail(SP_ENOTFOUND,
                                     "%s: no folder for stream "
                                     "'%s', expected it to exist (streams "
                                     "here: %s)",
                                     s->dir, stream_names[kind], have)
                          : SP_OK;
        free(s->dir);
        s->dir = NULL;
        return rc;
    }
    int rc;
    if (kind == 0) {
        rc = sp_bin_reader_create(s->dir, "x,y,z,i", &s->bin);
        if (rc == SP_ENOTFOUND && !required) {
            free(s->dir); /* an empty folder is a stream that is not there */
            s->dir = NULL;
            return SP_OK;
        }
        if (rc < 0)
            goto fail;
        s->nfiles = sp_bin_reader_count(s->bin);
    } else {
        rc = sp__filelist_dir(&s->files, s->dir, ".png");
        if (rc < 0)
            goto fail;
        s->nfiles = s->files.count;
        if (s->nfiles == 0) {
            sp__filelist_free(&s->files);
            if (required) {
                rc = sp__fail(SP_ENOTFOUND,
                              "%s: folder holds no .png files, "
                              "expected at least one",
                              s->dir);
                goto fail;
            }
            free(s->dir);
            s->dir = NULL;
            return SP_OK;
        }
    }
    k->nst++;
    return load_stream_times(k, s);
fail:
    free(s->dir);
    s->dir = NULL;
    return rc;
}

static int select_frames(sp_kitti *k, const sp_kitti_desc *d)
{
    int64_t start = d ? d->start : 0, count = d ? d->count : 0,
            step = d && d->step ? d->step : 1;
    if (start < 0 || count < 0 || step < 1)
        return sp__fail(SP_EINVAL,
                        "kitti: start=%lld count=%lld step=%lld, "
                        "expected start >= 0, count >= 0, step >= 1",
                        (long long)start, (long long)count, (long long)step);
    size_t total = 0, most = 0;
    for (int i = 0; i < k->nst; i++) {
        stream *s = &k->st[i];
        most = s->nfiles > most ? s->nfiles : most;
        size_t n = 0;
        if ((uint64_t)start < s->nfiles)
            n = (size_t)((s->nfiles - 1 - (uint64_t)start) / (uint64_t)step) +
                1;
        if (count && (uint64_t)count < n)
            n = (size_t)count;
        s->sel = malloc((n ? n : 1) * sizeof *s->sel);
        if (!s->sel)
            return sp__fail(SP_ENOMEM, "kitti: out of memory");
        for (size_t j = 0; j < n; j++)
            s->sel[j] = (size_t)start + j * (size_t)step;
        s->nsel = n;
        total += n;
    }
    if (total == 0)
        return sp__fail(SP_ENOTFOUND,
                        "%s: start=%lld selects no frame, "
                        "expected start < %zu (frames in the longest stream)",
                        k->root, (long long)start, most);
    k->frames = malloc(total * sizeof *k->frames);
    if (!k->frames)
        return sp__fail(SP_ENOMEM, "kitti: out of memory");
    k->nframes = 0;
    for (int i = 0; i < k->nst; i++)
        for (size_t j = 0; j < k->st[i].nsel; j++) {
            mframe *f = &k->frames[k->nframes++];
            f->stream = (uint32_t)i;
            f->file = k->st[i].sel[j];
            f->ts = k->st[i].ts[f->file];
            f->slot = 0;
        }
    return SP_OK;
}

static int cmp_frames(const void *a, const void *b)
{
    const mframe *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return (x->file > y->file) - (x->file < y->file);
}

/* The loader behind every armed slot (io/calib_lazy.c calls it once per
 * slot, under the lock). Raw drives: the stream's camera from the two
 * files; odometry: calib.txt; object sets: calib/<the sample's number>.txt,
 * where a missing file is no error (the slot says what was looked for). */
static int load_raw_slot(sp_kitti *k, sp_calib *slot)
{
    size_t cl = 0, vl = 0;
    if (k->have_cam)
        SP_TRY(sp__read_text(k->cam_path, SP_CALIB_MAX_BYTES, &k->text, &cl));
    if (k->have_velo)
        SP_TRY(sp__read_text(k->velo_path, SP_CALIB_MAX_BYTES, &k->vtext, &vl));
    sp_calib c;
    SP_TRY(sp_calib_parse_kitti_raw(
        k->have_cam ? (const char *)k->text.data : NULL, cl, k->cam_path,
        k->have_velo ? (const char *)k->vtext.data : NULL, vl, k->velo_path,
        slot->camera, &c));
    if (!(k->have_cam && k->have_velo))
        set_text(c.source, sizeof c.source, "%s not found in %s or %s/..",
                 k->have_cam ? "calib_velo_to_cam.txt" : "calib_cam_to_cam.txt",
                 k->root, k->root);
    *slot = c;
    return SP_OK;
}

static int load_object_slot(sp_kitti *k, sp_calib *slot)
{
    const char *path;
    if (slot == &k->single) {
        path = slot->source; /* calib.txt, set when armed */
        snprintf(k->path, sizeof k->path, "%s", path);
    } else {
        const mframe *f = &k->frames[k->oc_frame[slot - k->oc]];
        const char *b = sp__basename(file_path(k, &k->st[f->stream], f->file));
        const char *dot = strrchr(b, '.');
        int n = dot ? (int)(dot - b) : (int)strlen(b);
        snprintf(k->path, sizeof k->path, "%s/%.*s.txt", k->calib_dir, n, b);
    }
    sp_calib c;
    if (!is_file(k->path)) {
        memset(&c, 0, sizeof c);
        c.camera = 2;
        c.R0[0] = c.R0[4] = c.R0[8] = 1;
        set_text(c.source, sizeof c.source, "%s not found", k->path);
    } else {
        size_t len;
        SP_TRY(sp__read_text(k->path, SP_CALIB_MAX_BYTES, &k->text, &len));
        SP_TRY(
            sp_calib_parse_kitti((const char *)k->text.data, len, k->path, &c));
    }
    *slot = c;
    return SP_OK;
}

static int load_slot(void *ctx, sp_calib *slot)
{
    sp_kitti *k = ctx;
    return k->layout == SP_KITTI_RAW ? load_raw_slot(k, slot)
                                     : load_object_slot(k, slot);
}

/* Raw drive calibration: beside the drive or one folder up. Found now,
 * read when asked. */
static int find_calib_file(const char *root, const char *name, char *out,
                           size_t cap)
{
    snprintf(out, cap, "%s/%s", root, name);
    if (is_file(out))
        return 1;
    snprintf(out, cap, "%s/../%s", root, name);
    return is_file(out);
}

static void arm_raw_calib(sp_kitti *k)
{
    k->have_cam = find_calib_file(k->root, "calib_cam_to_cam.txt", k->cam_path,
                                  sizeof k->cam_path);
    k->have_velo = find_calib_file(k->root, "calib_velo_to_cam.txt",
                                   k->velo_path, sizeof k->velo_path);
    for (int i = 0; i < k->nst; i++) {
        stream *s = &k->st[i];
        int cam = s->kind == 0 ? 2 : s->kind - 1;
        if (k->have_cam || k->have_velo) {
            char what[sizeof s->calib.source];
            set_text(what, sizeof what, "%s%s%s",
                     k->have_cam ? sp__basename(k->cam_path) : "",
                     k->have_cam && k->have_velo ? " + " : "",
                     k->have_velo ? sp__basename(k->velo_path) : "");
            sp__calib_lazy_arm(&s->calib, &k->lazy, cam, what);
        } else {
            memset(&s->calib, 0, sizeof s->calib);
            s->calib.camera = cam;
            s->calib.R0[0] = s->calib.R0[4] = s->calib.R0[8] = 1;
            set_text(s->calib.source, sizeof s->calib.source,
                     "calib_cam_to_cam.txt and calib_velo_to_cam.txt not "
                     "found in %s or %s/..",
                     k->root, k->root);
        }
    }
}

static int setup_object_calib(sp_kitti *k)
{
    /* One slot per distinct sample time (same number in every stream). */
    size_t slots = 0;
    for (size_t i = 0; i < k->nframes; i++) {
        if (i == 0 || k->frames[i].ts != k->frames[i - 1].ts)
            slots++;
        k->frames[i].slot = (uint32_t)(slots - 1);
    }
    k->noc = slots;
    k->oc = calloc(slots ? slots : 1, sizeof *k->oc);
    k->oc_frame = calloc(slots ? slots : 1, sizeof *k->oc_frame);
    k->calib_dir = join(k->root, "calib");
    if (!k->oc || !k->oc_frame || !k->calib_dir)
        return sp__fail(SP_ENOMEM, "kitti: out of memory");
    for (size_t i = 0; i < k->nframes; i++)
        k->oc_frame[k->frames[i].slot] = i;
    for (size_t i = 0; i < slots; i++)
        sp__calib_lazy_arm(&k->oc[i], &k->lazy, 2, "calib/ (not read yet)");
    /* Odometry sequences: one calib.txt for every frame. */
    char *one = join(k->root, "calib.txt");
    if (!one)
        return sp__fail(SP_ENOMEM, "kitti: out of memory");
    if (!is_dir(k->calib_dir) && is_file(one)) {
        sp__calib_lazy_arm(&k->single, &k->lazy, 2, one);
        k->has_single = 1;
    }
    free(one);
    return SP_OK;
}

int sp_kitti_create(const char *dir, const sp_kitti_desc *desc, sp_kitti **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(dir);
    int want[NSTREAMS];
    SP_TRY(parse_streams(desc ? desc->streams : NULL, want));
    if (!is_dir(dir))
        return sp__fail(SP_ENOTFOUND,
                        "%s: no such folder, expected a KITTI "
                        "drive or object set",
                        dir);
    sp_kitti *k = calloc(1, sizeof *k);
    if (!k)
        return sp__fail(SP_ENOMEM, "kitti: out of memory");
    int rc = SP_OK;
    char probe[PATH_MAX];
    int raw = 0;
    static const char *const raw_dirs[] = {"velodyne_points", "image_00",
                                           "image_01", "image_02", "image_03"};
    for (int s = 0; s < NSTREAMS; s++) {
        snprintf(probe, sizeof probe, "%s/%s", dir, raw_dirs[s]);
        raw |= is_dir(probe);
    }
    if (raw) {
        k->layout = SP_KITTI_RAW;
        k->root = strdup(dir);
    } else {
        k->layout = SP_KITTI_OBJECT;
        snprintf(probe, sizeof probe, "%s/training", dir);
        if (!is_dir(probe))
            snprintf(probe, sizeof probe, "%s/testing", dir);
        k->root = strdup(is_dir(probe) ? probe : dir);
        int any = 0;
        static const char *const obj_dirs[] = {"velodyne", "image_2", "image_3",
                                               "calib"};
        for (int s = 0; s < 4 && k->root; s++) {
            snprintf(probe, sizeof probe, "%s/%s", k->root, obj_dirs[s]);
            any |= is_dir(probe);
        }
        if (k->root && !any) {
            /* A folder of captures or clouds given as a dataset: say what
             * its files are and which source reads them. */
            char hint[1024];
            sp__format_folder_hint(dir, SP__FOLDER_HINT, hint, sizeof hint);
            rc = sp__fail(SP_ENOTFOUND,
                          "%s: no KITTI layout, expected "
                          "velodyne_points/ or image_0N/ (raw drive) or "
                          "[training/]velodyne, image_2, calib (object "
                          "set)%s",
                          dir, hint);
            goto fail;
        }
    }
    if (!k->root) {
        rc = sp__fail(SP_ENOMEM, "kitti: out of memory");
        goto fail;
    }
    for (int s = 0; s < NSTREAMS; s++)
        if (want[s])
            SP_TRY_GOTO(rc, open_stream(k, s, want[s] > 0), fail);
    if (k->nst == 0) {
        /* A folder taken for a dataset by a folder's name (a velodyne/ of
         * calibration tables): say what that folder holds. */
        char hint[1024] = "", lead[64];
        for (int s = 0; s < NSTREAMS && !hint[0]; s++) {
            char *d = stream_dir(k->root, k->layout, s);
            if (d && is_dir(d)) {
                snprintf(lead, sizeof lead,
                         "; %s/ holds, by content: ", d + strlen(k->root) + 1);
                sp__format_folder_hint(d, lead, hint, sizeof hint);
            }
            free(d);
        }
        rc = sp__fail(SP_ENOTFOUND,
                      "%s: no stream has files (KITTI %s "
                      "layout), expected .bin or .png files in its data "
                      "folders%s",
                      dir, sp_kitti_layout_name(k->layout), hint);
        goto fail;
    }
    SP_TRY_GOTO(rc, select_frames(k, desc), fail);
    qsort(k->frames, k->nframes, sizeof *k->frames, cmp_frames);
    SP_TRY_GOTO(rc, sp__calib_lazy_init(&k->lazy, load_slot, k), fail);
    if (k->layout == SP_KITTI_RAW)
        arm_raw_calib(k);
    else
        SP_TRY_GOTO(rc, setup_object_calib(k), fail);
    if (k->untimed[0])
        snprintf(k->note, sizeof k->note,
                 "no timestamps for %s: time is "
                 "frame number x 100 ms",
                 k->untimed);
    *out = k;
    return SP_OK;
fail:
    sp_kitti_destroy(k);
    return rc;
}

void sp_kitti_destroy(sp_kitti *k)
{
    if (!k)
        return;
    for (int i = 0; i < NSTREAMS; i++) {
        stream *s = &k->st[i];
        sp_bin_reader_destroy(s->bin);
        if (s->files.names)
            sp__filelist_free(&s->files);
        free(s->dir);
        free(s->ts);
        free(s->sel);
    }
    free(k->frames);
    free(k->calib_dir);
    free(k->oc);
    free(k->oc_frame);
    sp__calib_lazy_deinit(&k->lazy);
    sp_png_reader_destroy(k->png);
    sp__iobuf_free(&k->text);
    sp__iobuf_free(&k->vtext);
    free(k->root);
    free(k);
}

int sp_kitti_set_poolmgr(sp_kitti *k, sp_poolmgr *mgr)
{
    SP_GUARD(k != NULL);
    if (k->png)
        SP_TRY(sp_png_reader_set_poolmgr(k->png, mgr));
    for (int i = 0; i < NSTREAMS; i++)
        sp_bin_reader_set_poolmgr(k->st[i].bin, mgr);
    k->mgr = mgr;
    return SP_OK;
}

/* ---- queries ---- */

sp_kitti_layout sp_kitti_get_layout(const sp_kitti *k)
{
    return k ? k->layout : SP_KITTI_RAW;
}

const char *sp_kitti_note(const sp_kitti *k)
{
    return k ? k->note : "";
}

size_t sp_kitti_stream_count(const sp_kitti *k)
{
    return k ? (size_t)k->nst : 0;
}

int sp_kitti_stream_get(const sp_kitti *k, size_t i, sp_kitti_stream_info *o)
{
    SP_GUARD(k && o);
    if (i >= (size_t)k->nst)
        return sp__fail(SP_ERANGE, "kitti: stream %zu, expected < %d", i,
                        k->nst);
    const stream *s = &k->st[i];
    memset(o, 0, sizeof *o);
    o->name = stream_names[s->kind];
    o->dir = s->dir;
    o->is_camera = s->kind != 0;
    o->files = s->nfiles;
    o->frames = s->nsel;
    o->has_timestamps = s->has_ts;
    /* The span of the selected frames: file order is name order, which
     * is time order only for names of one width ("10.bin" sorts before
     * "2.bin"; "x.bin" is timed by its index). */
    for (size_t j = 0; j < s->nsel; j++) {
        int64_t t = s->ts[s->sel[j]];
        if (j == 0 || t < o->t_first)
            o->t_first = t;
        if (j == 0 || t > o->t_last)
            o->t_last = t;
    }
    return SP_OK;
}

size_t sp_kitti_frame_count(const sp_kitti *k)
{
    return k ? k->nframes : 0;
}

static int frame_at(sp_kitti *k, size_t i, const mframe **f)
{
    if (i >= k->nframes)
        return sp__fail(SP_ERANGE, "kitti: frame %zu, expected < %zu", i,
                        k->nframes);
    *f = &k->frames[i];
    return SP_OK;
}

int sp_kitti_frame_get(sp_kitti *k, size_t i, sp_kitti_frame *o)
{
    SP_GUARD(k && o);
    const mframe *f = NULL;
    SP_TRY(frame_at(k, i, &f));
    stream *s = &k->st[f->stream];
    o->stream = f->stream;
    o->stream_name = stream_names[s->kind];
    o->is_camera = s->kind != 0;
    o->index = f->file;
    o->timestamp_ns = f->ts;
    o->path = file_path(k, s, f->file);
    return SP_OK;
}

int sp_kitti_points_shape(sp_kitti *k, size_t i, size_t *points)
{
    SP_GUARD(k && points);
    const mframe *f = NULL;
    SP_TRY(frame_at(k, i, &f));
    stream *s = &k->st[f->stream];
    if (!s->bin)
        return sp__fail(SP_EINVAL,
                        "kitti: frame %zu is a %s image, expected "
                        "a velodyne frame",
                        i, stream_names[s->kind]);
    unsigned fields;
    return sp_bin_reader_shape(s->bin, f->file, points, &fields);
}

int sp_kitti_points_read(sp_kitti *k, size_t i, sp_points *dst)
{
    SP_GUARD(k && dst);
    const mframe *f = NULL;
    SP_TRY(frame_at(k, i, &f));
    stream *s = &k->st[f->stream];
    if (!s->bin)
        return sp__fail(SP_EINVAL,
                        "kitti: frame %zu is a %s image, expected "
                        "a velodyne frame",
                        i, stream_names[s->kind]);
    return sp_bin_reader_read(s->bin, f->file, dst);
}

static int camera_frame(sp_kitti *k, size_t i, const char **path)
{
    const mframe *f = NULL;
    SP_TRY(frame_at(k, i, &f));
    stream *s = &k->st[f->stream];
    if (s->bin)
        return sp__fail(SP_EINVAL,
                        "kitti: frame %zu is a velodyne sweep, "
                        "expected a camera frame",
                        i);
    if (!k->png) {
        SP_TRY(sp_png_reader_create(&k->png));
        int rc = sp_png_reader_set_poolmgr(k->png, k->mgr);
        if (rc < 0) {
            sp_png_reader_destroy(k->png);
            k->png = NULL;
            return rc;
        }
    }
    *path = sp__filelist_path(&s->files, f->file);
    return SP_OK;
}

int sp_kitti_image_shape(sp_kitti *k, size_t i, uint32_t *width,
                         uint32_t *height, sp_pixfmt *format)
{
    SP_GUARD(k && width && height && format);
    const char *path = NULL;
    SP_TRY(camera_frame(k, i, &path));
    sp_png_info info;
    SP_TRY(sp_png_probe(k->png, path, &info));
    *width = info.width;
    *height = info.height;
    *format = info.format;
    return SP_OK;
}

int sp_kitti_image_read(sp_kitti *k, size_t i, sp_image *dst)
{
    SP_GUARD(k && dst);
    const char *path = NULL;
    SP_TRY(camera_frame(k, i, &path));
    return sp_png_read(k->png, path, dst, NULL);
}

int sp_kitti_calib_ref(sp_kitti *k, size_t i, const sp_calib **out)
{
    SP_GUARD(k && out);
    *out = NULL;
    const mframe *f = NULL;
    SP_TRY(frame_at(k, i, &f));
    if (k->layout == SP_KITTI_RAW)
        *out = &k->st[f->stream].calib;
    else if (k->has_single)
        *out = &k->single;
    else
        *out = &k->oc[f->slot];
    return SP_OK;
}

int sp_kitti_calib_get(sp_kitti *k, size_t i, const sp_calib **out)
{
    SP_GUARD(k && out);
    const sp_calib *c;
    *out = NULL;
    SP_TRY(sp_kitti_calib_ref(k, i, &c));
    return sp_calib_get(c, out);
}
