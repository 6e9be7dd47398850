/* A bounds-checked reader over one serialized ROS message, for both
 * encodings (see sp_rosmsg.h); never installed.
 *
 * ROS1: little-endian, packed; strings and sequences are a uint32 length
 * (strings without their NUL) then the bytes or elements; fixed arrays
 * have no length. CDR: a 4-byte encapsulation header (0x00 0x01 CDR_LE,
 * 0x00 0x00 CDR_BE; anything else is refused), then primitives aligned to
 * their own size counted from the byte after the header; strings are a
 * uint32 length that includes the NUL; sequences a uint32 count, and the
 * first element aligned to its size only when there is one (as the writers
 * of Fast-CDR and @foxglove/cdr do).
 *
 * Every read checks the bytes left before it touches them, and a length
 * is compared with the bytes left before anything uses it, so a length of
 * 0xFFFFFFF0 is a clean SP_EFORMAT. Messages name the field as
 * "Type.field" ("PointCloud2.fields[3].name"), the byte and both sizes.
 * The field is a printf format with its arguments, formatted only when a
 * read fails, so the good path formats nothing. */
#ifndef SP_ROSMSG_CURSOR_INT_H
#define SP_ROSMSG_CURSOR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "error_int.h"
#include "sp_rosmsg.h"

typedef struct sp__rcur {
    const uint8_t *buf; /* the whole message, borrowed */
    size_t n;
    size_t pos;       /* next byte */
    size_t origin;    /* where CDR alignment counts from (4); 0 for ROS1 */
    int cdr;          /* 1: align primitives */
    int swap;         /* 1: the message is big-endian */
    const char *type; /* "PointCloud2", for messages */
} sp__rcur;

/* Start reading @p buf (borrowed) as a @p type message in @p enc; for CDR
 * this reads and checks the encapsulation header (SP_EFORMAT when it is
 * shorter than 4 bytes, SP_EUNSUPPORTED naming the two bytes for PL_CDR,
 * XCDR2 and the rest). */
int sp__rcur_init(sp__rcur *c, const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                  const char *type);

/* Primitives: aligned (CDR), bounds-checked, byte-swapped for CDR_BE. A
 * bool is a uint8 (any non-zero value is true). */
int sp__rcur_u8(sp__rcur *c, uint8_t *v, const char *field, ...)
    SP__PRINTF(3, 4);
int sp__rcur_u32(sp__rcur *c, uint32_t *v, const char *field, ...)
    SP__PRINTF(3, 4);
int sp__rcur_i32(sp__rcur *c, int32_t *v, const char *field, ...)
    SP__PRINTF(3, 4);
int sp__rcur_f32(sp__rcur *c, float *v, const char *field, ...)
    SP__PRINTF(3, 4);
int sp__rcur_f64(sp__rcur *c, double *v, const char *field, ...)
    SP__PRINTF(3, 4);

/* A fixed array of @p count float64 (no length). */
int sp__rcur_f64_array(sp__rcur *c, double *v, size_t count, const char *field,
                       ...) SP__PRINTF(4, 5);

/* A string: *s points into the message (borrowed, not NUL-terminated),
 * *len excludes any NUL. A CDR length of 0 is read as "" (some writers
 * emit it); a CDR string whose last byte is not NUL is accepted as it is. */
int sp__rcur_string(sp__rcur *c, const char **s, size_t *len, const char *field,
                    ...) SP__PRINTF(4, 5);

/* A string copied into @p dst (capacity @p cap >= 1, always
 * NUL-terminated, truncated when longer); *len (may be NULL) gets the
 * full length. */
int sp__rcur_string_into(sp__rcur *c, char *dst, size_t cap, size_t *len,
                         const char *field, ...) SP__PRINTF(5, 6);

/* A sequence of @p elem_size-byte elements whose bytes are read through
 * *data (borrowed, unaligned; CDR aligns the first element to elem_size,
 * at most 8). Checks count * elem_size against the bytes left. */
int sp__rcur_seq(sp__rcur *c, uint32_t *count, size_t elem_size,
                 const uint8_t **data, const char *field, ...) SP__PRINTF(5, 6);

/* A sequence length alone, for sequences of structures the caller reads
 * one by one; @p min_elem_size (the smallest serialized element) bounds
 * the count by the bytes left before the caller loops over it. */
int sp__rcur_seq_len(sp__rcur *c, uint32_t *count, size_t min_elem_size,
                     const char *field, ...) SP__PRINTF(4, 5);

/* std_msgs/Header in @p c's encoding: ROS1 uint32 seq, time (uint32 sec,
 * uint32 nsec), string frame_id; ROS2 builtin_interfaces/Time (int32 sec,
 * uint32 nanosec), string frame_id (seq 0). */
int sp__rcur_header(sp__rcur *c, sp_rosmsg_header *h);

/* Copy @p len bytes of @p s into @p dst (capacity @p cap >= 1),
 * truncating, always NUL-terminated. */
void sp__rosmsg_strcpy(char *dst, size_t cap, const char *s, size_t len);

/* Byte-swap helpers for callers that read borrowed arrays. */
static inline uint16_t sp__bswap16(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}
static inline uint32_t sp__bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

#endif
