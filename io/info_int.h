/* Internal to io/: helpers for a format's describe() (format_int.h), which
 * fills an sp_loginfo for `sensorpipe info`: streams, sampling, times,
 * attributes and text lines. Never installed. */
#ifndef SP_INFO_INT_H
#define SP_INFO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "error_int.h"
#include "sp_loginfo.h"

/* Append a stream named @p name (zeroed otherwise); NULL with an SP_ENOMEM
 * message when the table cannot grow. */
sp_loginfo_stream *sp__info_add_stream(sp_loginfo *li, const char *name);

/* Is occurrence @p k one of @p sample indices spread evenly over @p n? */
int sp__info_sampled(size_t k, size_t n, size_t sample);

/* A probed frame's points, image (@p format names the pixel format or
 * encoding), or failure (the current sp_errmsg() is kept if first). */
void sp__info_note_points(sp_loginfo_stream *s, size_t n);
void sp__info_note_image(sp_loginfo_stream *s, uint32_t w, uint32_t h,
                         const char *format);
void sp__info_note_error(sp_loginfo_stream *s);

/* @p last - @p first in seconds (negative when last is earlier). Times are
 * the file's: any int64 (an MCAP log time past 2^63 reads as a negative
 * one), so the difference is taken in unsigned arithmetic, which cannot
 * overflow where a signed one can. */
static inline double sp__info_span_s(int64_t first, int64_t last)
{
    return 1e-9 * (last >= first ? (double)((uint64_t)last - (uint64_t)first)
                                 : -(double)((uint64_t)first - (uint64_t)last));
}

/* First and last of @p n times, and the rate they imply. */
void sp__info_set_span(sp_loginfo_stream *s, const int64_t *t, size_t n);

/* Times of a flat folder's frames from its timestamps.txt, if any. */
void sp__info_folder_times(const char *path, int is_dir, sp_loginfo_stream *o);

/* Set attribute group.key: a string, or raw JSON when @p is_json. */
void sp__info_attr(sp_loginfo *li, const char *group, const char *key,
                   int is_json, const char *fmt, ...) SP__PRINTF(5, 6);

/* Append a line (or lines) to the format's text output. */
void sp__info_text(sp_loginfo *li, const char *fmt, ...) SP__PRINTF(2, 3);

/* snprintf into a fixed field. */
void sp__info_set(char *dst, size_t cap, const char *fmt, ...) SP__PRINTF(3, 4);

/* Regular files in @p dir ending with @p ext. */
size_t sp__info_count_ext(const char *dir, const char *ext);

/* The first @p n bytes of a file (a probe's head) hold @p key. */
int sp__info_head_has(const uint8_t *head, size_t n, const char *key);

/* @p path ends with @p ext. */
int sp__info_has_ext(const char *path, const char *ext);

#endif
