/* sensorpipe: Ouster lidar packets into points and range images.
 *
 * Packet formats (Ouster's sensor manual, "Lidar Data Format"):
 *  - LEGACY: per column a 16-byte header (timestamp u64 ns, measurement id
 *    u16, frame id u16, encoder count u32), 12-byte pixels (range u32, low
 *    20 bits mm; reflectivity u16; signal u16; NIR u16) and a 4-byte
 *    status (0xffffffff: valid);
 *  - eUDP profiles (firmware 2.2+): a 32-byte packet header (packet type
 *    u16 = 1, frame id u16, initialization id u24, serial number u40), per
 *    column a 12-byte header (timestamp u64, measurement id u16, status u16
 *    whose bit 0 says valid), pixels, and a 32-byte footer. Pixels:
 *    RNG19_RFL8_SIG16_NIR16 12 bytes (range 19 bits mm, reflectivity u8 at
 *    4, signal u16 at 6, NIR u16 at 8); RNG19_RFL8_SIG16_NIR16_DUAL 16
 *    bytes (range 19 bits and reflectivity u8 at 3 of the strongest return,
 *    the same at 4 and 7 for the second, signals u16 at 8 and 10, NIR u16
 *    at 12); RNG15_RFL8_NIR8 4 bytes (range u15 in units of 8 mm,
 *    reflectivity u8, NIR u8 scaled by 16).
 *
 * Geometry (the manual's "Lidar Range to XYZ"), per pixel of beam b in the
 * column of measurement id m of a frame W columns wide, range r in mm:
 *    theta_e = 2 pi (1 - m / W), theta_a = -2 pi azimuth_b / 360,
 *    phi = 2 pi altitude_b / 360, n = sqrt(B03^2 + B23^2) (B =
 *    beam_to_lidar_transform; before firmware 2.4, B03 =
 *    lidar_origin_to_beam_origin_mm and B23 = 0),
 *    x = (r - n) cos(theta_e + theta_a) cos(phi) + B03 cos(theta_e)
 *    y = (r - n) sin(theta_e + theta_a) cos(phi) + B03 sin(theta_e)
 *    z = (r - n) sin(phi) + B23
 * in the lidar frame; the points are then put in the sensor frame by
 * lidar_to_sensor_transform and given in metres. cos(theta_e + theta_a)
 * is evaluated as cos e cos a - sin e sin a from tables of each (double,
 * rounded to float once), and every step after the tables is float32 in a
 * fixed order with no fused multiply-add, so the SSE4.1, AVX2 and NEON
 * versions are bit-exact against the scalar reference.
 *
 * A scan (sp_ouster_scan) holds one frame, column-major as packets arrive
 * (measurement id major, beam minor); a column not received stays empty.
 * The caller cuts scans where the frame id changes (sp_ouster_peek() says
 * it before decoding). Nothing is allocated per packet or per scan: the
 * plan is made once, the scan lives in caller memory.
 *
 * Output fields: intensity is the SIGNAL (photons) of the return for
 * LEGACY and the RNG19 profiles and the REFLECTIVITY for RNG15_RFL8_NIR8,
 * which carries no signal; ring is the beam (0 = the top beam, in
 * beam_altitude_angles order); time is seconds after the scan's first
 * column timestamp. Extras (filled when the output layout has them, see
 * sp_ouster_points_layout()): azimuth (f32 degrees in [0, 360),
 * clockwise seen from above from the encoder's zero, as the packets count
 * it: 360 m / W + the beam's azimuth angle, like the Velodyne and Hesai
 * decoders' azimuth; in the sensor frame a point lies counterclockwise
 * from +x at yaw - azimuth, yaw being lidar_to_sensor's, 180 degrees on
 * every Ouster), distance (f32 m, the range as measured), return_type (u8,
 * the numbering of sp_lidardec.h: 1 strongest, 4 second strongest),
 * reflectivity (u16) and nir (u16). */
#ifndef SP_OUSTER_H
#define SP_OUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Packet profiles, numbered as sp_ouster_profile in io/sp_ouster_meta.h. */
typedef enum sp_ouster_pkt {
    SP_OUSTER_PKT_LEGACY = 0,
    SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16,
    SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL,
    SP_OUSTER_PKT_RNG15_RFL8_NIR8
} sp_ouster_pkt;

#define SP_OUSTER_GEOM_MAX_BEAMS 256
#define SP_OUSTER_GEOM_MAX_COLS 4096

/** What the kernel needs of the metadata (all borrowed while a plan is
 *  created; the plan copies what it keeps). */
typedef struct sp_ouster_geom {
    sp_ouster_pkt profile;
    uint32_t beams;             /**< pixels per column, 1..256 */
    uint32_t cols_per_packet;   /**< 1..64 */
    uint32_t cols_per_frame;    /**< 1..4096 */
    const double *altitude_deg; /**< [beams] */
    const double *azimuth_deg;  /**< [beams] */
    const int32_t *pixel_shift; /**< [beams] pixel_shift_by_row */
    double beam_to_lidar[16];   /**< row-major, mm */
    double lidar_to_sensor[16]; /**< row-major, mm */
    uint32_t init_id; /**< eUDP packets must carry it; 0 = not checked */
    uint64_t prod_sn; /**< eUDP packets must carry it; 0 = not checked */
} sp_ouster_geom;

typedef struct sp_ouster_plan sp_ouster_plan;

/** Make the tables for @p g (borrowed). *out NULL on failure. SP_EINVAL
 *  (naming the field) for sizes out of range or non-finite numbers,
 *  SP_ENOMEM. */
int sp_ouster_plan_create(const sp_ouster_geom *g, sp_ouster_plan **out);
void sp_ouster_plan_destroy(sp_ouster_plan *p);

/** Bytes of one lidar packet; beams; columns per frame; returns per pixel
 *  (2 for the DUAL profile, else 1). */
size_t sp_ouster_plan_packet_size(const sp_ouster_plan *p);
uint32_t sp_ouster_plan_beams(const sp_ouster_plan *p);
uint32_t sp_ouster_plan_cols(const sp_ouster_plan *p);
uint32_t sp_ouster_plan_returns(const sp_ouster_plan *p);

/** One frame of pixels, column-major: pixel (beam b, measurement id m) is
 *  element m * beams + b of each plane; a return's planes are [0] the
 *  strongest, [1] the second (DUAL only, else NULL). range is mm, 0 = no
 *  return; x, y, z are metres in the sensor frame, valid where range > 0.
 *  Columns not received have seen[m] = 0 and their pixels are stale. */
typedef struct sp_ouster_scan {
    uint32_t beams, cols, returns;
    uint32_t *range[2];
    uint16_t *reflectivity[2];
    uint16_t *signal[2]; /**< zero for RNG15_RFL8_NIR8 */
    uint16_t *nir;
    float *x[2], *y[2], *z[2];
    uint64_t *col_time_ns; /**< [cols] column timestamps */
    uint8_t *seen;         /**< [cols] 1 once a valid column arrived */
    uint32_t ncols;        /**< columns received (valid status) */
    uint32_t packets;      /**< packets decoded into it */
    uint32_t frame_id;     /**< of the packets in it */
    uint64_t t0_ns;        /**< first received column's timestamp */
} sp_ouster_scan;

/** Bytes of caller memory a scan of @p p needs (64-byte aligned). */
size_t sp_ouster_scan_size(const sp_ouster_plan *p);

/** Lay @p s out over @p mem (64-byte aligned, @p size bytes) for @p p and
 *  reset it. SP_EINVAL when mem is misaligned or too small. */
int sp_ouster_scan_init(sp_ouster_scan *s, const sp_ouster_plan *p, void *mem,
                        size_t size);

/** Empty @p s for the next frame (only the per-column marks are cleared). */
void sp_ouster_scan_reset(sp_ouster_scan *s);

/** What a packet's headers say. */
typedef struct sp_ouster_packet {
    uint32_t frame_id;
    uint32_t first_col;  /**< measurement id of its first column */
    uint32_t valid_cols; /**< columns whose status says valid */
    uint64_t time_ns;    /**< first column's timestamp */
} sp_ouster_packet;

/** Check a packet of @p n bytes at @p pkt (borrowed) against @p p: its
 *  size, packet type, initialization id and serial number (eUDP, when the
 *  plan has them) and every column's measurement id (< columns per frame);
 *  fill @p info. SP_EFORMAT with the reason ("8448-byte packet, expected
 *  6464 for LEGACY with 32 beams x 16 columns"); the caller adds the file
 *  and packet number. */
int sp_ouster_peek(const sp_ouster_plan *p, const uint8_t *pkt, size_t n,
                   sp_ouster_packet *info);

/** Decode a packet into @p s: checks it as sp_ouster_peek() does, then
 *  stores every valid column's pixels and their xyz. A packet of another
 *  frame id than the scan's non-empty contents is SP_EINVAL (cut first).
 *  Runs the SIMD version @p k picked (bit-exact with scalar). */
int sp_ouster_decode(sp_kctx *k, const sp_ouster_plan *p, const uint8_t *pkt,
                     size_t n, sp_ouster_scan *s);

/** Which returns become points. */
typedef enum sp_ouster_return {
    SP_OUSTER_STRONGEST = 0, /**< the first (strongest) return */
    SP_OUSTER_LAST,          /**< DUAL: the farther of the two returns */
    SP_OUSTER_DUAL           /**< DUAL: both (the second where it exists) */
} sp_ouster_return;

typedef struct sp_ouster_points_params {
    sp_ouster_return mode;
    float min_range, max_range; /**< metres; 0 = no limit */
    float min_angle, max_angle; /**< azimuth window, degrees: kept when
                                     in [min, max], wrapping through 0 when
                                     min > max; equal: the whole circle */
} sp_ouster_points_params;

/** The layout of sp_ouster_points(): ring, time and the extras azimuth,
 *  distance, return_type, reflectivity, nir. */
void sp_ouster_points_layout(sp_points_layout *out);

/** Most points one scan of @p p gives (beams x cols x returns). */
size_t sp_ouster_points_max(const sp_ouster_plan *p);

/** The points of @p s, column by column (in time order), beam by beam,
 *  dropping pixels without a return or outside the range limits; into
 *  @p out (caller's, capacity >= sp_ouster_points_max()), whose optional
 *  fields and extras named as above are filled where present. Borrows
 *  everything; SP_EINVAL for a small output. */
int sp_ouster_points(const sp_ouster_plan *p, const sp_ouster_scan *s,
                     const sp_ouster_points_params *params, sp_points *out);

/** The range image of @p s as a float32 tensor (5, beams, cols) like the
 *  `range` stage's (sp_range.h): range (m), x, y, z, intensity of the
 *  strongest return, -1 in all five where there is none; row r is beam r.
 *  @p destagger 0: column = measurement id (as the packets come);
 *  1: column = (measurement id + pixel_shift_by_row[r]) mod cols, so each
 *  column is one azimuth. SP_EINVAL when @p out has another shape. */
int sp_ouster_range_image(const sp_ouster_plan *p, const sp_ouster_scan *s,
                          int destagger, sp_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
