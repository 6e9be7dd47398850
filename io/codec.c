/* Chunk codecs of the log containers over the Debian libraries: bz2 and
 * zstd here, the LZ4 frame format in lz4frame.c, CRC-32 in crc32.c. Each
 * thread keeps one decoder context per codec (bzip2's state through a
 * grow-only arena), so after the first chunk of a size decompressing
 * allocates nothing. */
#include <bzlib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "log_int.h"

const char *sp__codec_name(sp__codec c)
{
    static const char *const names[SP__CODEC_COUNT] = {"none", "bz2", "lz4",
                                                       "zstd"};
    return (unsigned)c < SP__CODEC_COUNT ? names[c] : "?";
}

/* ---- per-thread decoder state ---- */

/* bzip2 asks for its state (about 64 KB) and its block table (up to 3.6 MB)
 * on every stream: an arena of a few grow-only slots serves them again. */
#define BZ_SLOTS 4
typedef struct bz_arena {
    void *ptr[BZ_SLOTS];
    size_t size[BZ_SLOTS];
    int used[BZ_SLOTS];
} bz_arena;

typedef struct codec_tls {
    ZSTD_DCtx *zstd;
    bz_arena bz;
} codec_tls;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *p)
{
    codec_tls *t = p;
    if (!t)
        return;
    ZSTD_freeDCtx(t->zstd);
    for (int i = 0; i < BZ_SLOTS; i++)
        free(t->bz.ptr[i]);
    free(t);
}

static void tls_make_key(void)
{
    pthread_key_create(&tls_key, tls_free);
}

static codec_tls *tls_get(void)
{
    pthread_once(&tls_once, tls_make_key);
    codec_tls *t = pthread_getspecific(tls_key);
    if (t)
        return t;
    t = calloc(1, sizeof *t);
    if (t && pthread_setspecific(tls_key, t) != 0) {
        free(t);
        t = NULL;
    }
    return t;
}

static void *bz_alloc(void *opaque, int items, int size)
{
    bz_arena *a = opaque;
    size_t n = (size_t)items * (size_t)size;
    int best = -1;
    /* The smallest free slot that fits, else the largest free one grown. */
    for (int i = 0; i < BZ_SLOTS; i++)
        if (!a->used[i] && a->size[i] >= n &&
            (best < 0 || a->size[i] < a->size[best]))
            best = i;
    if (best < 0) {
        for (int i = 0; i < BZ_SLOTS; i++)
            if (!a->used[i] && (best < 0 || a->size[i] > a->size[best]))
                best = i;
        if (best < 0)
            return NULL;
        void *p = realloc(a->ptr[best], n ? n : 1);
        if (!p)
            return NULL;
        a->ptr[best] = p;
        a->size[best] = n;
    }
    a->used[best] = 1;
    return a->ptr[best];
}

static void bz_free(void *opaque, void *p)
{
    bz_arena *a = opaque;
    for (int i = 0; i < BZ_SLOTS; i++)
        if (a->ptr[i] == p)
            a->used[i] = 0;
}

/* ---- codecs ---- */

static int size_mismatch(const char *where, const char *codec, size_t got,
                         size_t want)
{
    return sp__fail(SP_EFORMAT,
                    "%s: %s data decompresses to %s%zu bytes, but the "
                    "container says %zu",
                    where, codec, got > want ? "more than " : "", got, want);
}

static int unbz2(codec_tls *t, const uint8_t *src, size_t n, uint8_t *dst,
                 size_t want, const char *where)
{
    bz_stream s;
    memset(&s, 0, sizeof s);
    s.bzalloc = bz_alloc;
    s.bzfree = bz_free;
    s.opaque = &t->bz;
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
        return sp__fail(SP_ENOMEM, "%s: bz2: cannot start a decoder", where);
    int rc = BZ_OK;
    size_t in_left = n, out_left = want;
    s.next_in = (char *)(uintptr_t)src;
    s.next_out = (char *)dst;
    /* bz_stream counts in unsigned int: feed in pieces. */
    while (rc == BZ_OK) {
        unsigned in_k = in_left > (1u << 30) ? (1u << 30) : (unsigned)in_left;
        unsigned out_k =
            out_left > (1u << 30) ? (1u << 30) : (unsigned)out_left;
        s.avail_in = in_k;
        s.avail_out = out_k;
        rc = BZ2_bzDecompress(&s);
        in_left -= in_k - s.avail_in;
        out_left -= out_k - s.avail_out;
        if (rc == BZ_OK && out_left == 0 && in_left == 0)
            break;
        if (rc == BZ_OK && in_k == s.avail_in && out_k == s.avail_out)
            break; /* no progress: the input ended early */
    }
    size_t got = want - out_left;
    BZ2_bzDecompressEnd(&s);
    if (rc == BZ_STREAM_END)
        return got == want ? SP_OK : size_mismatch(where, "bz2", got, want);
    if (rc == BZ_OK && out_left == 0)
        return size_mismatch(where, "bz2", want + 1, want);
    if (rc == BZ_OK)
        return sp__fail(SP_EFORMAT,
                        "%s: bz2 data ends after %zu of %zu bytes, "
                        "expected a complete stream",
                        where, got, want);
    return sp__fail(SP_EFORMAT,
                    "%s: bz2 data is corrupt (libbz2 error %d after %zu "
                    "output bytes)",
                    where, rc, got);
}

static int unzstd(codec_tls *t, const uint8_t *src, size_t n, uint8_t *dst,
                  size_t want, const char *where)
{
    if (!t->zstd && !(t->zstd = ZSTD_createDCtx()))
        return sp__fail(SP_ENOMEM, "%s: zstd: cannot start a decoder", where);
    size_t r = ZSTD_decompressDCtx(t->zstd, dst, want, src, n);
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
            return size_mismatch(where, "zstd", want + 1, want);
        return sp__fail(SP_EFORMAT, "%s: zstd data is corrupt: %s", where,
                        ZSTD_getErrorName(r));
    }
    return r == want ? SP_OK : size_mismatch(where, "zstd", r, want);
}

int sp__decompress(sp__codec c, const uint8_t *src, size_t n, uint8_t *dst,
                   size_t want, int verify, const char *where)
{
    if (c == SP__CODEC_NONE) {
        if (n != want)
            return size_mismatch(where, "uncompressed", n, want);
        if (n)
            memcpy(dst, src, n);
        return SP_OK;
    }
    codec_tls *t = tls_get();
    if (!t)
        return sp__fail(SP_ENOMEM, "%s: out of memory for a decoder", where);
    switch (c) {
    case SP__CODEC_BZ2:
        return unbz2(t, src, n, dst, want, where);
    case SP__CODEC_LZ4F:
        return sp__lz4f_decompress(src, n, dst, want, verify, where);
    case SP__CODEC_ZSTD:
        return unzstd(t, src, n, dst, want, where);
    default:
        return sp__fail(SP_EUNSUPPORTED, "%s: compression %d, expected none, "
                                         "bz2, lz4 or zstd",
                        where, (int)c);
    }
}
