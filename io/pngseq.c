/* A folder of PNG images read lazily: a sorted file list plus one reused
 * PNG reader (its arena makes decoding allocation-free once warm). */
#include <stdlib.h>

#include "format_int.h"
#include "io_int.h"
#include "sp_pngseq.h"

struct sp_pngseq {
    sp__filelist files;
    sp_png_reader *png;
};

int sp_pngseq_create(const char *path, sp_pngseq **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(path);
    int kind = sp__path_kind(path);
    if (kind < 0)
        return kind;
    sp_pngseq *s = calloc(1, sizeof *s);
    if (!s)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    int rc = kind ? sp__filelist_dir(&s->files, path, ".png")
                  : sp__filelist_one(&s->files, path);
    if (rc == SP_OK && s->files.count == 0)
        rc = sp__fail_empty_folder(path, ".png");
    if (rc == SP_OK)
        rc = sp_png_reader_create(&s->png);
    if (rc < 0) {
        sp_pngseq_destroy(s);
        return rc;
    }
    *out = s;
    return SP_OK;
}

void sp_pngseq_destroy(sp_pngseq *s)
{
    if (!s)
        return;
    sp__filelist_free(&s->files);
    sp_png_reader_destroy(s->png);
    free(s);
}

int sp_pngseq_set_poolmgr(sp_pngseq *s, sp_poolmgr *mgr)
{
    SP_GUARD(s != NULL);
    return sp_png_reader_set_poolmgr(s->png, mgr);
}

size_t sp_pngseq_count(const sp_pngseq *s)
{
    return s ? s->files.count : 0;
}

const char *sp_pngseq_path(const sp_pngseq *s, size_t i)
{
    return s && i < s->files.count ? s->files.names[i] : "";
}

int sp_pngseq_shape(sp_pngseq *s, size_t i, sp_png_info *info)
{
    SP_GUARD(s && info);
    if (i >= s->files.count)
        return sp__fail(SP_ERANGE, "pngs: image %zu, expected < %zu", i,
                        s->files.count);
    return sp_png_probe(s->png, s->files.names[i], info);
}

int sp_pngseq_read(sp_pngseq *s, size_t i, sp_image *dst)
{
    SP_GUARD(s && dst);
    if (i >= s->files.count)
        return sp__fail(SP_ERANGE, "pngs: image %zu, expected < %zu", i,
                        s->files.count);
    return sp_png_read(s->png, s->files.names[i], dst, NULL);
}
