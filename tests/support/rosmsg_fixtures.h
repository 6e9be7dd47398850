/* The fixture messages of test_rosmsg.c: their values (held here once),
 * the JSON spec the encoders in tests/oracles/ serialize, and the hostile
 * input driver shared with the seed corpus. */
#ifndef ROSMSG_FIXTURES_H
#define ROSMSG_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "sp_rosmsg.h"

enum { FX_ROS1 = 1, FX_CDR = 2 };

typedef struct fx_field {
    const char *name;
    uint32_t offset;
    uint8_t datatype;
    uint32_t count;
} fx_field;

typedef struct fx_msg {
    const char *name;
    sp_rosmsg_kind kind;
    uint32_t seq; /* ROS1 only */
    int32_t sec;
    uint32_t nsec;
    const char *frame_id;
    uint32_t height, width;
    /* PointCloud2 */
    uint32_t nfields;
    fx_field fields[70];
    int is_bigendian, is_dense;
    uint32_t point_step, row_step, step;
    /* Image encoding; CameraInfo distortion_model */
    const char *encoding;
    /* CompressedImage format */
    const char *format;
    /* Image: the sp_pixfmt expected (-1: unsupported encoding);
     * CompressedImage: the decoded format (-1: neither JPEG nor PNG);
     * CameraInfo: the sp_dist_model expected */
    int pixfmt;
    const uint8_t *data;
    size_t ndata;
    const uint8_t *pixels; /* CompressedImage: decoded, rows packed */
    /* CameraInfo */
    uint32_t nD;
    double D[16], K[9], R[9], P[12];
    uint32_t binning[2], roi[5]; /* x, y, height, width, do_rectify */
    /* LaserScan: angle_min, angle_max, angle_increment, time_increment,
     * scan_time, range_min, range_max */
    float scan[7];
    uint32_t nranges, nintensities;
    float ranges[16], intensities[16];
    /* a parse (PointCloud2, Image) or to_calib (CameraInfo) that must
     * fail with this in the message */
    const char *expect_err;
    unsigned nlengths; /* strings and sequences in the message */
} fx_msg;

size_t fx_count(void);
const fx_msg *fx_get(size_t i);

/* Writes the spec and runs the encoders of @p which (FX_ROS1, FX_CDR)
 * once per process; returns the folder holding <name>.ros1 / .cdr_le /
 * .cdr_be, or NULL after printing why (an encoder missing: skip). An
 * encoder that is present but fails fails the test. */
const char *fx_generate(unsigned which);

/* Hostile variants of one valid message @p b (n bytes) of @p kind: every
 * truncation must be SP_EFORMAT with a message; every 4-byte window set
 * to 0xFFFFFFF0 (in the message's byte order, @p be for CDR_BE, then the
 * other) must be refused with a message or parse, and then pass through
 * the next step (plan, copy, decode, to_calib, points) without harm;
 * @p nlengths >= 0: exactly that many windows must give "string of
 * 4294967280 bytes" / "sequence of 4294967280 elements". CDR: other
 * encapsulations are SP_EUNSUPPORTED naming their bytes. */
void fx_hostile(sp_rosmsg_kind kind, sp_rosmsg_enc enc, int be,
                const uint8_t *b, size_t n, const char *name, int nlengths);

/* fx_hostile() over every seed of tests/fuzz/corpus/rosmsg/ (first byte:
 * the selector of fuzz_rosmsg.c); returns how many seeds there were. */
size_t fx_hostile_seeds(void);

/* The fuzz target's selector: kind = sel % 5 (PointCloud2, Image,
 * CompressedImage, CameraInfo, LaserScan), CDR when (sel / 5) is odd. */
void fx_selector(uint8_t sel, sp_rosmsg_kind *kind, sp_rosmsg_enc *enc);

/* One parse of @p kind, then (on success) its next step; returns the
 * parse's status. */
int fx_parse_and_use(sp_rosmsg_kind kind, sp_rosmsg_enc enc, const uint8_t *b,
                     size_t n);

#endif
