/* libjpeg's memory manager over two arenas (see jpeg_int.h).
 *
 * libjpeg asks its manager for objects by lifetime: JPOOL_PERMANENT (the
 * decompressor's tables, kept across images) and JPOOL_IMAGE (everything
 * of one image, freed at once by jpeg_finish_decompress() or
 * jpeg_abort_decompress()). Each pool here is an arena: the image pool is
 * emptied, not freed, so the next image of the same size reuses its bytes.
 *
 * What libjpeg-turbo's code relies on, kept as its own manager
 * (jmemmgr.c) does it: every object is 32-byte aligned and its size
 * rounded up to 32 (its AVX2 routines read and write up to the next 32
 * bytes); a sample row is rounded up to 64 samples (the upsamplers write
 * past the width); an allocation never returns NULL (a failure goes to
 * error_exit). Virtual arrays (a progressive image's coefficients) are
 * always whole in memory here: the budget bounds them, there is no backing
 * file. */
#include <string.h>

#include <jerror.h>

#include "error_int.h"
#include "jpeg_int.h"

#define ALIGN 32
#define PERM_INITIAL (16u << 10)
#define IMAGE_INITIAL (256u << 10)
/* libjpeg-turbo's own limit (MAX_ALLOC_CHUNK is 1e9 on 64-bit Linux). */
#define MAX_REQUEST ((size_t)1000000000)

/* A virtual array, of samples or of coefficient blocks: whole in memory,
 * so one layout serves both kinds (libjpeg's two opaque types wrap it). */
struct sp__jpeg_virt {
    void **rows;
    JDIMENSION height, width, maxaccess;
    JDIMENSION first_undef; /* rows from here were never written */
    size_t row_bytes;       /* when realized */
    boolean pre_zero;
    int blocks; /* 1: JBLOCKs, 0: samples */
    struct sp__jpeg_virt *next;
};
struct jvirt_sarray_control {
    struct sp__jpeg_virt v;
};
struct jvirt_barray_control {
    struct sp__jpeg_virt v;
};

static sp__jpeg_mem *mem_of(j_common_ptr cinfo)
{
    return (sp__jpeg_mem *)cinfo->mem;
}

/* libjpeg's error @p code (with @p parm): to error_exit, never returns. */
static void jerr_exit(j_common_ptr cinfo, int code, int parm)
{
    cinfo->err->msg_code = code;
    cinfo->err->msg_parm.i[0] = parm;
    (*cinfo->err->error_exit)(cinfo);
}

static void check_pool(j_common_ptr cinfo, int pool_id)
{
    if (pool_id < 0 || pool_id >= JPOOL_NUMPOOLS)
        jerr_exit(cinfo, JERR_BAD_POOL_ID, pool_id);
}

/* The arena refuses requests over MAX_REQUEST and rounds each to 32 bytes
 * at a 32-byte address. */
static void *alloc_any(j_common_ptr cinfo, int pool_id, size_t size)
{
    check_pool(cinfo, pool_id);
    void *p = sp__arena_alloc(&mem_of(cinfo)->pool[pool_id], size);
    if (!p)
        jerr_exit(cinfo, JERR_OUT_OF_MEMORY, 1);
    return p;
}

static void *alloc_small(j_common_ptr cinfo, int pool_id, size_t size)
{
    return alloc_any(cinfo, pool_id, size);
}

static void *alloc_large(j_common_ptr cinfo, int pool_id, size_t size)
{
    return alloc_any(cinfo, pool_id, size);
}

static size_t sample_bytes(j_common_ptr cinfo)
{
    int precision = cinfo->is_decompressor
                        ? ((j_decompress_ptr)cinfo)->data_precision
                        : ((j_compress_ptr)cinfo)->data_precision;
    return precision > 8 ? 2 : 1;
}

/* numrows rows of row_bytes each, in one block, and their pointers. */
static void **alloc_rows(j_common_ptr cinfo, int pool_id, size_t row_bytes,
                         JDIMENSION numrows)
{
    if (row_bytes == 0 || numrows > MAX_REQUEST / row_bytes)
        jerr_exit(cinfo, JERR_OUT_OF_MEMORY, 2);
    void **rows = alloc_any(cinfo, pool_id, (size_t)numrows * sizeof *rows);
    uint8_t *data = alloc_any(cinfo, pool_id, (size_t)numrows * row_bytes);
    for (JDIMENSION i = 0; i < numrows; i++)
        rows[i] = data + (size_t)i * row_bytes;
    return rows;
}

static size_t sample_row_bytes(j_common_ptr cinfo, JDIMENSION samplesperrow)
{
    size_t s = sample_bytes(cinfo);
    size_t per = 2 * ALIGN / s; /* samples: 64 of 8 bits, 32 of 16 */
    size_t n = ((size_t)samplesperrow + per - 1) / per * per;
    return n * s;
}

static JSAMPARRAY alloc_sarray(j_common_ptr cinfo, int pool_id,
                               JDIMENSION samplesperrow, JDIMENSION numrows)
{
    return (JSAMPARRAY)alloc_rows(
        cinfo, pool_id, sample_row_bytes(cinfo, samplesperrow), numrows);
}

static JBLOCKARRAY alloc_barray(j_common_ptr cinfo, int pool_id,
                                JDIMENSION blocksperrow, JDIMENSION numrows)
{
    return (JBLOCKARRAY)alloc_rows(
        cinfo, pool_id, (size_t)blocksperrow * sizeof(JBLOCK), numrows);
}

/* Both kinds are a struct sp__jpeg_virt (first member of each control). */
static void *request_virt(j_common_ptr cinfo, int pool_id, int blocks,
                          boolean pre_zero, JDIMENSION width,
                          JDIMENSION numrows, JDIMENSION maxaccess)
{
    if (pool_id != JPOOL_IMAGE) /* libjpeg's rule for virtual arrays */
        jerr_exit(cinfo, JERR_BAD_POOL_ID, pool_id);
    sp__jpeg_mem *m = mem_of(cinfo);
    struct sp__jpeg_virt *v = alloc_any(cinfo, pool_id, sizeof *v);
    memset(v, 0, sizeof *v);
    v->height = numrows;
    v->width = width;
    v->maxaccess = maxaccess;
    v->pre_zero = pre_zero;
    v->blocks = blocks;
    v->next = m->virt;
    m->virt = v;
    return v;
}

static jvirt_sarray_ptr request_virt_sarray(j_common_ptr cinfo, int pool_id,
                                            boolean pre_zero,
                                            JDIMENSION samplesperrow,
                                            JDIMENSION numrows,
                                            JDIMENSION maxaccess)
{
    return request_virt(cinfo, pool_id, 0, pre_zero, samplesperrow, numrows,
                        maxaccess);
}

static jvirt_barray_ptr request_virt_barray(j_common_ptr cinfo, int pool_id,
                                            boolean pre_zero,
                                            JDIMENSION blocksperrow,
                                            JDIMENSION numrows,
                                            JDIMENSION maxaccess)
{
    return request_virt(cinfo, pool_id, 1, pre_zero, blocksperrow, numrows,
                        maxaccess);
}

static void realize_virt_arrays(j_common_ptr cinfo)
{
    for (struct sp__jpeg_virt *v = mem_of(cinfo)->virt; v; v = v->next)
        if (!v->rows) {
            v->row_bytes = v->blocks ? (size_t)v->width * sizeof(JBLOCK)
                                     : sample_row_bytes(cinfo, v->width);
            v->rows = alloc_rows(cinfo, JPOOL_IMAGE, v->row_bytes, v->height);
        }
}

/* What libjpeg's manager checks and does on an access, less the backing
 * file: rows past the last written are zeroed first when the array asked
 * for it, and reading them is an error when it did not. */
static void **access_virt(j_common_ptr cinfo, struct sp__jpeg_virt *v,
                          JDIMENSION start, JDIMENSION num, boolean writable)
{
    JDIMENSION end = start + num;
    if (!v->rows || end < start || end > v->height || num > v->maxaccess)
        jerr_exit(cinfo, JERR_BAD_VIRTUAL_ACCESS, 0);
    if (v->first_undef < end) {
        JDIMENSION from = v->first_undef;
        if (from < start) {
            if (writable) /* a writer skipped rows */
                jerr_exit(cinfo, JERR_BAD_VIRTUAL_ACCESS, 0);
            from = start;
        }
        if (writable)
            v->first_undef = end;
        if (v->pre_zero) {
            for (; from < end; from++)
                memset(v->rows[from], 0, v->row_bytes);
        } else if (!writable) {
            jerr_exit(cinfo, JERR_BAD_VIRTUAL_ACCESS, 0);
        }
    }
    return v->rows + start;
}

static JSAMPARRAY access_virt_sarray(j_common_ptr cinfo, jvirt_sarray_ptr v,
                                     JDIMENSION start, JDIMENSION num,
                                     boolean writable)
{
    return (JSAMPARRAY)access_virt(cinfo, &v->v, start, num, writable);
}

static JBLOCKARRAY access_virt_barray(j_common_ptr cinfo, jvirt_barray_ptr v,
                                      JDIMENSION start, JDIMENSION num,
                                      boolean writable)
{
    return (JBLOCKARRAY)access_virt(cinfo, &v->v, start, num, writable);
}

static void free_pool(j_common_ptr cinfo, int pool_id)
{
    sp__jpeg_mem *m = mem_of(cinfo);
    check_pool(cinfo, pool_id);
    if (pool_id == JPOOL_IMAGE)
        m->virt = NULL;
    sp__arena_clear(&m->pool[pool_id]);
}

/* jpeg_destroy(): libjpeg's manager frees what it allocated at creation
 * and itself; the arenas stay for sp__jpeg_mem_deinit(). */
static void self_destruct(j_common_ptr cinfo)
{
    sp__jpeg_mem *m = mem_of(cinfo);
    m->virt = NULL;
    for (int i = 0; i < JPOOL_NUMPOOLS; i++)
        sp__arena_clear(&m->pool[i]);
    cinfo->mem = m->own;
    m->own = NULL;
    (*cinfo->mem->self_destruct)(cinfo);
}

int sp__jpeg_mem_init(sp__jpeg_mem *m)
{
    memset(m, 0, sizeof *m);
    SP_TRY(sp__arena_init(&m->pool[JPOOL_PERMANENT], PERM_INITIAL, MAX_REQUEST,
                          "libjpeg's tables", "jpeg decoder"));
    int rc = sp__arena_init(&m->pool[JPOOL_IMAGE], IMAGE_INITIAL, MAX_REQUEST,
                            "libjpeg's working memory", "jpeg decoder");
    if (rc < 0)
        sp__arena_deinit(&m->pool[JPOOL_PERMANENT]);
    return rc;
}

void sp__jpeg_mem_install(sp__jpeg_mem *m, j_common_ptr cinfo)
{
    m->own = cinfo->mem;
    m->pub = *cinfo->mem; /* the limits */
    m->pub.alloc_small = alloc_small;
    m->pub.alloc_large = alloc_large;
    m->pub.alloc_sarray = alloc_sarray;
    m->pub.alloc_barray = alloc_barray;
    m->pub.request_virt_sarray = request_virt_sarray;
    m->pub.request_virt_barray = request_virt_barray;
    m->pub.realize_virt_arrays = realize_virt_arrays;
    m->pub.access_virt_sarray = access_virt_sarray;
    m->pub.access_virt_barray = access_virt_barray;
    m->pub.free_pool = free_pool;
    m->pub.self_destruct = self_destruct;
    cinfo->mem = &m->pub;
}

void sp__jpeg_mem_deinit(sp__jpeg_mem *m)
{
    for (int i = 0; i < JPOOL_NUMPOOLS; i++)
        sp__arena_deinit(&m->pool[i]);
}
