/* The LZ4 frame format (lz4's doc/lz4_Frame_format.md), decoded straight
 * into the caller's buffer: ROS1 bags (roslz4) and MCAP chunks hold one
 * frame each, and the size of what it decompresses to is known. liblz4's
 * own frame decoder (LZ4F) decodes a block into a temporary buffer and
 * copies it whenever fewer bytes than the frame's largest block size remain
 * in the output (always, for the last or only block of a chunk smaller than
 * 4 MB); here every block goes to its place, through liblz4's block
 * decoder (LZ4_decompress_safe, with the output before it as the
 * dictionary of linked blocks), and the checksums through libxxhash.
 *
 * Concatenated frames and skippable frames are accepted. */
#include <lz4.h>
#include <string.h>
#include <xxhash.h>

#include "log_int.h"

#define LZ4F_MAGIC 0x184D2204u
#define SKIP_MAGIC_MASK 0xFFFFFFF0u
#define SKIP_MAGIC 0x184D2A50u

static int bad(const char *where, size_t at, const char *what)
{
    return sp__fail(SP_EFORMAT, "%s: lz4 frame: byte %zu: %s", where, at,
                    what);
}

int sp__lz4f_decompress(const uint8_t *src, size_t n, uint8_t *dst,
                        size_t want, int verify, const char *where)
{
    size_t in = 0, out = 0;
    int frames = 0;
    while (in < n || frames == 0) {
        if (n - in < 4)
            return bad(where, in, "ends inside a frame's magic number");
        uint32_t magic = sp__le32(src + in);
        if ((magic & SKIP_MAGIC_MASK) == SKIP_MAGIC) {
            if (n - in < 8)
                return bad(where, in, "skippable frame without its size");
            uint64_t len = sp__le32(src + in + 4);
            if (len > n - in - 8)
                return bad(where, in, "skippable frame runs past the data");
            in += 8 + (size_t)len;
            continue;
        }
        if (magic != LZ4F_MAGIC)
            return bad(where, in, "not an LZ4 frame (magic number)");
        size_t h = in + 4;
        if (n - h < 3)
            return bad(where, h, "ends inside the frame descriptor");
        uint8_t flg = src[h], bd = src[h + 1];
        if ((flg >> 6) != 1)
            return bad(where, h, "frame version is not 01");
        if ((flg & 0x02) || (bd & 0x8F))
            return bad(where, h, "reserved descriptor bits are set");
        int linked = !(flg & 0x20), block_sum = (flg & 0x10) != 0;
        int has_size = (flg & 0x08) != 0, content_sum = (flg & 0x04) != 0;
        int has_dict = (flg & 0x01) != 0;
        unsigned bsid = (bd >> 4) & 7;
        if (bsid < 4)
            return bad(where, h + 1, "unknown block maximum size");
        size_t block_max = (size_t)1 << (8 + 2 * bsid);
        size_t dlen = 2 + (has_size ? 8 : 0) + (has_dict ? 4 : 0);
        if (n - h < dlen + 1)
            return bad(where, h, "ends inside the frame descriptor");
        if (has_dict)
            return sp__fail(SP_EUNSUPPORTED,
                            "%s: lz4 frame: byte %zu: needs a dictionary "
                            "(dictID), which no log format provides",
                            where, h);
        if (verify &&
            ((XXH32(src + h, dlen, 0) >> 8) & 0xFF) != src[h + dlen])
            return bad(where, h + dlen, "header checksum does not match");
        if (has_size && sp__le64(src + h + 2) != (uint64_t)(want - out) &&
            sp__le64(src + h + 2) > (uint64_t)(want - out))
            return sp__fail(SP_EFORMAT,
                            "%s: lz4 frame says it holds %llu bytes, more "
                            "than the %zu the container says",
                            where,
                            (unsigned long long)sp__le64(src + h + 2),
                            want - out);
        in = h + dlen + 1;
        size_t frame_out = out;
        for (;;) {
            if (n - in < 4)
                return bad(where, in, "ends before the frame's end mark");
            uint32_t bs = sp__le32(src + in);
            in += 4;
            if (bs == 0)
                break;
            int raw = (bs & 0x80000000u) != 0;
            size_t len = bs & 0x7FFFFFFFu;
            if (len > block_max)
                return bad(where, in - 4, "block larger than the frame's "
                                          "block maximum size");
            if (len > n - in || (block_sum && n - in - len < 4))
                return bad(where, in - 4, "block runs past the data");
            if (block_sum && verify &&
                XXH32(src + in, len, 0) != sp__le32(src + in + len))
                return bad(where, in - 4, "block checksum does not match");
            if (raw) {
                if (len > want - out)
                    return sp__fail(SP_EFORMAT,
                                    "%s: lz4 data decompresses to more than "
                                    "the %zu bytes the container says",
                                    where, want);
                memcpy(dst + out, src + in, len);
                out += len;
            } else {
                size_t room = want - out;
                int cap = room > block_max ? (int)block_max : (int)room;
                size_t dict = linked ? out - frame_out : 0;
                if (dict > 65536)
                    dict = 65536;
                int got = dict ? LZ4_decompress_safe_usingDict(
                                     (const char *)src + in,
                                     (char *)dst + out, (int)len, cap,
                                     (const char *)dst + out - dict, (int)dict)
                               : LZ4_decompress_safe((const char *)src + in,
                                                     (char *)dst + out,
                                                     (int)len, cap);
                if (got < 0) {
                    /* Corrupt, or more output than room: tell which. */
                    if (cap < (int)block_max && (size_t)cap == room)
                        return sp__fail(SP_EFORMAT,
                                        "%s: lz4 block at byte %zu is corrupt "
                                        "or decompresses to more than the "
                                        "%zu bytes the container says",
                                        where, in - 4, want);
                    return bad(where, in - 4, "block is corrupt");
                }
                out += (size_t)got;
            }
            in += len + (block_sum ? 4 : 0);
        }
        if (content_sum) {
            if (n - in < 4)
                return bad(where, in, "ends inside the content checksum");
            if (verify && XXH32(dst + frame_out, out - frame_out, 0) !=
                              sp__le32(src + in))
                return bad(where, in, "content checksum does not match the "
                                      "decompressed data");
            in += 4;
        }
        if (has_size && sp__le64(src + h + 2) != (uint64_t)(out - frame_out))
            return sp__fail(SP_EFORMAT,
                            "%s: lz4 frame decompresses to %zu bytes, but its "
                            "header says %llu",
                            where, out - frame_out,
                            (unsigned long long)sp__le64(src + h + 2));
        frames++;
    }
    if (out != want)
        return sp__fail(SP_EFORMAT,
                        "%s: lz4 data decompresses to %zu bytes, but the "
                        "container says %zu",
                        where, out, want);
    return SP_OK;
}
