/* MCAP chunks (see sp_mcap.h): the chunk and compression buffers, zstd and
 * LZ4 frame compression, and closing a chunk: the Chunk record, its Message
 * Index records and its Chunk Index record for the summary. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "error_int.h"
#include "mcap_int.h"

const uint8_t sp__mcap_magic[8] = {0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};

/* Chunk records: start, end, uncompressed size, CRC, compression string,
 * records length; then the records. */
#define CHUNK_HEAD (SP__MCAP_REC_HEAD + 8 + 8 + 8 + 4 + 4 + 8)

static uint32_t crc_add(uint32_t crc, const void *p, size_t n)
{
    return (uint32_t)crc32_z(crc, p, n);
}

int sp__mcap_emit(sp_mcap_writer *w, struct iovec *iov, int n, int data_section)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (data_section)
            w->data_crc = crc_add(w->data_crc, iov[i].iov_base, iov[i].iov_len);
        total += iov[i].iov_len;
    }
    int rc = sp__afile_writev(&w->f, iov, n);
    if (rc < 0) {
        w->failed = 1;
        return rc;
    }
    w->off += total;
    return SP_OK;
}

static void lz4_prefs(LZ4F_preferences_t *prefs, int level, size_t content)
{
    memset(prefs, 0, sizeof *prefs);
    prefs->compressionLevel = level;
    /* Independent blocks flushed as they are made: liblz4 1.9.4 allocates
     * its 64 KiB history buffer again at every frame of linked blocks, and
     * a chunk is one frame. Blocks of up to 4 MiB keep what independence
     * costs in ratio small (a chunk is mostly one block). */
    prefs->autoFlush = 1;
    prefs->frameInfo.blockMode = LZ4F_blockIndependent;
    prefs->frameInfo.blockSizeID = LZ4F_max4MB;
    prefs->frameInfo.contentSize = content;
}

/* Bytes the compression buffer needs for @p n bytes of records. */
static size_t out_bound(const sp_mcap_writer *w, size_t n)
{
    if (w->comp == SP_MCAP_ZSTD)
        return ZSTD_compressBound(n);
    if (w->comp == SP_MCAP_LZ4) {
        LZ4F_preferences_t prefs;
        lz4_prefs(&prefs, w->level, n ? n : 1);
        return LZ4F_compressFrameBound(n, &prefs);
    }
    return 0;
}

int sp__mcap_codec_init(sp_mcap_writer *w)
{
    if (w->comp == SP_MCAP_ZSTD) {
        w->zctx = ZSTD_createCCtx();
        if (!w->zctx)
            return sp__fail(SP_ENOMEM, "%s: cannot create a zstd context",
                            w->path);
    } else if (w->comp == SP_MCAP_LZ4) {
        LZ4F_errorCode_t e =
            LZ4F_createCompressionContext(&w->lctx, LZ4F_VERSION);
        if (LZ4F_isError(e))
            return sp__fail(SP_ENOMEM, "%s: cannot create an LZ4 context: %s",
                            w->path, LZ4F_getErrorName(e));
    }
    return SP_OK;
}

/* Exchange *blk for a block of at least @p size bytes, keeping its first
 * @p keep bytes. */
static int regrow(sp_mcap_writer *w, sp_block **blk, uint8_t **data,
                  size_t *cap, size_t size, size_t keep)
{
    sp_block *nb = NULL;
    int rc = sp_poolmgr_acquire(w->mgr, size, &nb);
    if (rc < 0)
        return sp__fail_context(rc, "%s: buffer of %zu bytes: ", w->path, size);
    uint8_t *nd = sp_block_data(nb);
    if (keep)
        memcpy(nd, *data, keep);
    sp_block_unref(*blk);
    *blk = nb;
    *data = nd;
    *cap = sp_block_size(nb);
    return SP_OK;
}

int sp__mcap_reserve(sp_mcap_writer *w, size_t need)
{
    if (need > w->chunk_cap || !w->chunk_blk)
        SP_TRY(regrow(w, &w->chunk_blk, &w->chunk, &w->chunk_cap,
                      need > w->chunk_size ? need : w->chunk_size,
                      w->chunk_len));
    size_t bound = out_bound(w, w->chunk_cap);
    if (bound > w->out_cap)
        SP_TRY(regrow(w, &w->out_blk, &w->out, &w->out_cap, bound, 0));
    return SP_OK;
}

/* Compress w->chunk[0..chunk_len) into w->out; *n receives the size. */
static int chunk_compress(sp_mcap_writer *w, size_t *n)
{
    const size_t len = w->chunk_len;
    if (w->comp == SP_MCAP_ZSTD) {
        size_t r = ZSTD_compressCCtx(w->zctx, w->out, w->out_cap, w->chunk, len,
                                     w->level ? w->level : 1);
        if (ZSTD_isError(r))
            return sp__fail(SP_EIO,
                            "%s: zstd compression of a %zu-byte "
                            "chunk failed: %s",
                            w->path, len, ZSTD_getErrorName(r));
        *n = r;
        return SP_OK;
    }
    LZ4F_preferences_t prefs;
    lz4_prefs(&prefs, w->level, len);
    size_t done = LZ4F_compressBegin(w->lctx, w->out, w->out_cap, &prefs);
    if (!LZ4F_isError(done)) {
        size_t r = LZ4F_compressUpdate(w->lctx, w->out + done,
                                       w->out_cap - done, w->chunk, len, NULL);
        if (!LZ4F_isError(r)) {
            done += r;
            r = LZ4F_compressEnd(w->lctx, w->out + done, w->out_cap - done,
                                 NULL);
        }
        done = LZ4F_isError(r) ? r : done + r;
    }
    if (LZ4F_isError(done))
        return sp__fail(SP_EIO,
                        "%s: LZ4 compression of a %zu-byte chunk "
                        "failed: %s",
                        w->path, len, LZ4F_getErrorName(done));
    *n = done;
    return SP_OK;
}

/* Room for @p need bytes in a heap buffer that only grows. */
static int grow(uint8_t **buf, size_t *cap, size_t need, const char *path)
{
    if (need <= *cap)
        return SP_OK;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return sp__fail(SP_ENOMEM, "%s: %zu bytes of index", path, n);
    *buf = p;
    *cap = n;
    return SP_OK;
}

int sp__mcap_chunk_close(sp_mcap_writer *w)
{
    if (w->c_msgs == 0)
        return SP_OK;
    const char *cname = sp_mcap_compression_name(w->comp);
    const size_t cn = strlen(cname);
    const uint32_t ucrc = crc_add(0, w->chunk, w->chunk_len);
    const uint8_t *rec = w->chunk;
    size_t rlen = w->chunk_len;
    if (w->comp != SP_MCAP_NONE) {
        SP_TRY(chunk_compress(w, &rlen));
        rec = w->out;
    }

    uint8_t head[CHUNK_HEAD + 8];
    uint8_t *p = sp__mcap_head(head, SP__MCAP_OP_CHUNK,
                               CHUNK_HEAD - SP__MCAP_REC_HEAD + cn + rlen);
    p = sp__mcap_u64(p, w->c_start);
    p = sp__mcap_u64(p, w->c_end);
    p = sp__mcap_u64(p, w->chunk_len);
    p = sp__mcap_u32(p, ucrc);
    p = sp__mcap_bytes(p, cname, cn);
    p = sp__mcap_u64(p, rlen);
    const size_t head_len = (size_t)(p - head);
    const uint64_t chunk_off = w->off;
    const uint64_t chunk_rec = head_len + rlen;

    /* The Message Index records, one per channel, and the Chunk Index
     * record that points at the chunk and at each of them. */
    size_t mi_len = 0;
    for (size_t i = 0; i < w->c_nchans; i++)
        mi_len +=
            SP__MCAP_REC_HEAD + 2 + 4 + 16 * w->chans[w->c_chans[i] - 1].nidx;
    const size_t ci_len =
        SP__MCAP_REC_HEAD + 8 * 4 + 4 + 10 * w->c_nchans + 8 + 4 + cn + 8 + 8;
    SP_TRY(grow(&w->mi, &w->mi_cap, mi_len, w->path));
    SP_TRY(grow(&w->cidx, &w->cidx_cap, w->cidx_len + ci_len, w->path));

    uint8_t *ci = w->cidx + w->cidx_len;
    uint8_t *q =
        sp__mcap_head(ci, SP__MCAP_OP_CHUNK_INDEX, ci_len - SP__MCAP_REC_HEAD);
    q = sp__mcap_u64(q, w->c_start);
    q = sp__mcap_u64(q, w->c_end);
    q = sp__mcap_u64(q, chunk_off);
    q = sp__mcap_u64(q, chunk_rec);
    q = sp__mcap_u32(q, (uint32_t)(10 * w->c_nchans));
    p = w->mi;
    for (size_t i = 0; i < w->c_nchans; i++) {
        const uint16_t id = w->c_chans[i];
        sp__mcap_channel *c = &w->chans[id - 1];
        q = sp__mcap_u16(q, id);
        q = sp__mcap_u64(q, chunk_off + chunk_rec + (uint64_t)(p - w->mi));
        p = sp__mcap_head(p, SP__MCAP_OP_MESSAGE_INDEX, 2 + 4 + 16 * c->nidx);
        p = sp__mcap_u16(p, id);
        p = sp__mcap_u32(p, (uint32_t)(16 * c->nidx));
        for (size_t k = 0; k < 2 * c->nidx; k++)
            p = sp__mcap_u64(p, c->idx[k]);
    }
    q = sp__mcap_u64(q, mi_len);
    q = sp__mcap_bytes(q, cname, cn);
    q = sp__mcap_u64(q, rlen);
    q = sp__mcap_u64(q, w->chunk_len);

    struct iovec iov[3] = {
        {head, head_len}, {(void *)rec, rlen}, {w->mi, mi_len}};
    /* Stored records already have their CRC: the data section's is
     * continued over them with crc32_combine instead of a second pass. */
    uint32_t crc = crc_add(w->data_crc, head, head_len);
    crc = w->comp == SP_MCAP_NONE
              ? (uint32_t)crc32_combine(crc, ucrc, (z_off_t)rlen)
              : crc_add(crc, rec, rlen);
    crc = crc_add(crc, w->mi, mi_len);
    SP_TRY(sp__mcap_emit(w, iov, 3, 0));
    w->data_crc = crc;
    w->cidx_len += ci_len;
    w->chunks++;
    w->uncompressed += w->chunk_len;
    for (size_t i = 0; i < w->c_nchans; i++)
        w->chans[w->c_chans[i] - 1].nidx = 0;
    w->c_nchans = 0;
    w->c_msgs = 0;
    w->c_start = w->c_end = 0;
    w->chunk_len = 0;
    return SP_OK;
}
