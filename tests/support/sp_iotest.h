/* Helpers for the io/ test suites: real-data paths, scratch files, points
 * laid out over aligned heap memory, and message checks. */
#ifndef SP_IOTEST_H
#define SP_IOTEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_points.h"

/* $SP_TEST_DATA/rel if that exists, else NULL (the caller skips). */
const char *iot_data(const char *rel);

/* $SP_TEST_TMP/rel (the folder is created); a rotating static buffer. */
const char *iot_tmp(const char *rel);

/* mkdir -p */
void iot_mkdirs(const char *path);

/* 1 in a native build; @p k under an emulator (SP_TEST_EMULATOR, set for
 * the cross build's suites: CI's aarch64 stage under qemu). For sweeps over
 * a parser's damaged or re-encoded inputs, whose code does not depend on
 * the architecture and whose time there goes to emulating bz2 and lz4: the
 * caller runs every k-th case, and the native builds (normal, ASan) every
 * case. Prints the thinning, naming @p what, so the log shows it. */
size_t iot_emulated_stride(size_t k, const char *what);

/* Write n bytes to path (fails the test on error). */
void iot_write(const char *path, const void *data, size_t n);
void iot_write_str(const char *path, const char *text);

/* A growing byte buffer ({0} is empty; free(b.p) when done). It doubles,
 * so building one by many small appends stays linear (under ASan every
 * realloc moves the whole buffer). */
typedef struct iot_buf {
    uint8_t *p;
    size_t n, cap;
} iot_buf;

/* Append n bytes (fails the test when out of memory). */
void iot_buf_add(iot_buf *b, const void *d, size_t n);

/* Remove every file of a folder (one level) and the folder. */
void iot_rmdir(const char *path);

/* Lay out p over fresh 64-byte aligned memory; returns it (free() it). */
void *iot_points_alloc(sp_points *p, size_t capacity, unsigned fields);
void *iot_image_alloc(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt,
                      size_t stride);

/* A JPEG of the packed w x h pixels at px (TurboJPEG pixel format tjpf,
 * TJSAMP_* subsampling, quality, TJFLAG_* flags), encoded by TurboJPEG;
 * a malloc'd copy of its bytes, their count in *n. Fails the test when
 * TurboJPEG refuses. */
uint8_t *iot_jpeg_encode(const uint8_t *px, uint32_t w, uint32_t h, int tjpf,
                         int subsamp, int quality, int flags, unsigned long *n);

/* Encode n bytes as an LZF stream of literal runs only (valid LZF that any
 * decoder accepts); returns bytes written to out (cap >= n + n/32 + 1). */
size_t iot_lzf_literals(const uint8_t *in, size_t n, uint8_t *out);

/* Creates, runs to its end and destroys a pipeline of @p launch; fails the
 * test, with the library's message, at any step that fails. */
void iot_run_ok(const char *launch);

/* iot_run_ok(), then the run's notes, each followed by a newline, into
 * @p buf (cut at @p cap). */
void iot_run_notes(const char *launch, char *buf, size_t cap);

/* Fails the test unless sp_errmsg() contains every one of the NULL-ended
 * substrings; prints the message when it does not. */
void iot_msg_has(const char *first, ...);

#endif
