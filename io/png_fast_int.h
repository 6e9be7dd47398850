/* Internal to io/png_*.c: the direct PNG decode path.
 *
 * libpng inflates through zlib row by row; on KITTI's 1242x375 RGB images
 * that was ~75 % of a whole lidar+camera chain. The direct path covers the
 * files cameras and datasets write — non-interlaced, 8-bit gray, RGB and
 * RGBA, 16-bit gray and RGB — and decodes them in three passes over memory:
 * one read of the file, one inflate of the IDAT stream in one call (its own
 * Adler-32 checked; ISA-L's where the build has it, else libdeflate's),
 * and one unfilter pass straight into the caller's image. Every chunk's CRC is
 * checked as libpng checks critical ones. Anything else (palettes, Adam7, low
 * bit depths, a stream that does not inflate to exactly the rows the header
 * implies, a chunk order libpng might still accept) returns
 * SP__PNG_FAST_DECLINED and libpng decodes the file as before, so the direct
 * path never changes what is accepted nor the message a bad file gets. */
#ifndef SP_PNG_FAST_INT_H
#define SP_PNG_FAST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "io_int.h"
#include "sp_image.h"
#include "sp_png.h"

#define SP__PNG_FAST_DECLINED 1

typedef struct sp__png_fast {
    struct libdeflate_decompressor *inflater; /* created with the reader */
    void *isal;          /* ISA-L's inflate state; NULL without ISA-L */
    sp__iobuf stage;     /* the file bytes, then the filtered rows */
    int disabled;        /* tests: 1 = always decline (libpng decodes) */
    int scalar;          /* tests: 1 = scalar unfilter only */
    int libdeflate_only; /* tests: 1 = inflate with libdeflate */
    sp_poolmgr *mgr;     /* the reader's manager, charged the state's bytes */
    uint64_t decoded;    /* files the direct path decoded (tests, bench) */
} sp__png_fast;

int sp__png_fast_init(sp__png_fast *f);
void sp__png_fast_deinit(sp__png_fast *f);

/* Bytes of ISA-L's inflate state (0 without ISA-L): held for the reader's
 * life, charged to its pool manager (sp_png_reader_set_poolmgr). */
size_t sp__png_fast_state_bytes(const sp__png_fast *f);

/* "isa-l" or "libdeflate": what inflates now. */
const char *sp__png_fast_inflater(const sp__png_fast *f);

/* Decode @p path (or @p mem, @p n bytes, when mem is not NULL; @p path
 * names it) into @p img when the file is one the direct path covers and
 * decodes to exactly img's width, height and format. SP_OK when decoded,
 * SP__PNG_FAST_DECLINED when libpng should decode it instead (nothing was
 * reported), negative SP_E... for a failure that libpng would not change
 * (the file cannot be read, the budget refuses the staging memory).
 * @p info (may be NULL) receives the header when decoded. */
int sp__png_fast_decode(sp__png_fast *f, const char *path, const uint8_t *mem,
                        size_t n, sp_image *img, sp_png_info *info);

/* The direct path of a reader (tests and the benchmark switch it off to
 * compare with libpng, and count what it decoded). */
sp__png_fast *sp__png_reader_fast(sp_png_reader *r);

/* One row, @p src filtered into @p dst unfiltered (the same row, in
 * place, or one that does not overlap it): @p filter is the row's filter
 * byte, @p prev the previous unfiltered row (NULL for the first), @p n the
 * row's bytes, @p bpp bytes per pixel (1..8). -1 for an unknown filter
 * type. */
int sp__png_unfilter_row_scalar(int filter, const uint8_t *src, uint8_t *dst,
                                const uint8_t *prev, size_t n, unsigned bpp);
int sp__png_unfilter_row_simd(int filter, const uint8_t *src, uint8_t *dst,
                              const uint8_t *prev, size_t n, unsigned bpp);
/* 1 when sp__png_unfilter_row_simd has a vector path on this CPU. */
int sp__png_unfilter_simd_available(void);

#endif
