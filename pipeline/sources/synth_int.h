/* Internal to the synthetic rig (pipeline/sources/synth*.c): the scene, the
 * ray caster the lidar and the camera share, and the two sensors as pure
 * functions that fill caller memory. Never installed.
 *
 * Frames (lidar frame = world frame; the ego vehicle stands still and the
 * traffic moves): x forward along the street, y left, z up, origin at the
 * lidar. The ground is the plane z = SP__SYNTH_GROUND_Z (the HDL-64E on the
 * KITTI car is 1.73 m above the road).
 *
 * The street is a canyon: buildings on both sides, a building closing each
 * end, so that almost every lidar ray returns (KITTI-like point counts).
 * Every obstacle is a vertical prism (an axis-aligned box or an upright
 * cylinder), which makes ray casting cheap: the horizontal part of a ray is
 * shared by a whole lidar column (one azimuth, 64 elevations) and a whole
 * image column of a level pinhole camera, so each column intersects the
 * footprints once (spans, sorted by distance) and each ray in it only
 * compares heights against those spans. */
#ifndef SP_SYNTH_INT_H
#define SP_SYNTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_calib.h"
#include "sp_image.h"
#include "sp_points.h"

#define SP__SYNTH_GROUND_Z (-1.73f)
#define SP__SYNTH_MAX_OBJECTS 96

/* Lidar: HDL-64E-like. */
#define SP__SYNTH_BEAMS 64
#define SP__SYNTH_AZIMUTHS 1800
#define SP__SYNTH_EL_MIN_DEG (-24.8)
#define SP__SYNTH_EL_MAX_DEG 2.0
#define SP__SYNTH_SWEEP_S 0.1 /* 10 Hz */
#define SP__SYNTH_MAX_RANGE 120.0f
#define SP__SYNTH_MAX_POINTS ((size_t)SP__SYNTH_BEAMS * SP__SYNTH_AZIMUTHS)

/* Camera: KITTI image_02-like. */
#define SP__SYNTH_CAM_WIDTH 1242
#define SP__SYNTH_CAM_HEIGHT 375
/* Camera centre in the lidar frame (KITTI: 0.27 m ahead, 0.08 m below). */
#define SP__SYNTH_CAM_X 0.27f
#define SP__SYNTH_CAM_Z (-0.08f)

typedef enum sp__synth_kind { SP__SYNTH_BOX = 0, SP__SYNTH_CYL } sp__synth_kind;

typedef enum sp__synth_material {
    SP__SYNTH_BUILDING =
        0, /* facades with windows (glass drops lidar returns) */
    SP__SYNTH_CAR,
    SP__SYNTH_POLE,
    SP__SYNTH_CRATE,
    SP__SYNTH_MATERIALS
} sp__synth_material;

/* One obstacle. Box: footprint [x0, x1] x [y0, y1]. Cylinder: centre
 * (x0, y0), radius r. Both span z0..z1. */
typedef struct sp__synth_object {
    uint8_t kind, material;
    uint8_t rgb[3]; /* camera base colour */
    float refl;     /* lidar reflectivity, 0..1 */
    float x0, y0, x1, y1, r;
    float z0, z1;
    float vx; /* speed along x (m/s); moving objects wrap */
} sp__synth_object;

typedef struct sp__synth_scene {
    uint64_t seed;
    int n;
    sp__synth_object obj[SP__SYNTH_MAX_OBJECTS];
} sp__synth_scene;

/* Where a column's horizontal ray crosses one footprint. */
typedef struct sp__synth_span {
    float d_in, d_out; /* horizontal distances from the column's origin */
    float nx, ny;      /* outward normal of the face entered */
    int obj;
} sp__synth_span;

enum { SP__SYNTH_HIT_NONE = -2, SP__SYNTH_HIT_GROUND = -1 };

typedef struct sp__synth_hit {
    float d;      /* horizontal distance */
    int obj;      /* object index, or SP__SYNTH_HIT_GROUND / _NONE */
    int top;      /* 1: hit the top face (normal +z) */
    float nx, ny; /* horizontal normal of a side hit */
} sp__synth_hit;

/* ---- PRNG (splitmix64: seeds; xorshift64*: streams) ---- */

static inline uint64_t sp__synth_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t sp__synth_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, 1). */
static inline float sp__synth_unit(uint64_t *s)
{
    return (float)(sp__synth_next(s) >> 40) * (1.0f / 16777216.0f);
}

/* The per-frame seed of stream @p stream (0 lidar, 1 camera), frame k. */
static inline uint64_t sp__synth_frame_seed(uint64_t seed, int stream,
                                            uint64_t k)
{
    uint64_t s = sp__synth_mix(seed ^ sp__synth_mix(k * 2u + (uint64_t)stream));
    return s ? s : 0x1234567ull; /* xorshift must not start at 0 */
}

/* floor() for |x| < 2^31 without a libm call (the default x86-64 target
 * has no rounding instruction; this sits in per-pixel loops). */
static inline float sp__synth_floor(float x)
{
    int i = (int)x;
    return (float)(i - (x < (float)i));
}

/* ---- scene (synth_scene.c) ---- */

/* Build the street for @p seed: buildings, parked cars, a lead car, moving
 * traffic, poles and crates. Deterministic. */
void sp__synth_scene_init(sp__synth_scene *s, uint64_t seed);

/* @p out = @p s with the moving objects advanced to time @p t seconds. */
void sp__synth_scene_at(const sp__synth_scene *s, double t,
                        sp__synth_scene *out);

/* Footprints crossed by the horizontal ray from (ox, oy) along the unit
 * direction (dx, dy), sorted by d_in; returns how many (<= cap). */
int sp__synth_column(const sp__synth_scene *s, float ox, float oy, float dx,
                     float dy, sp__synth_span *spans, int cap);

/* The first surface hit by the ray of the column whose height above the
 * origin rises @p slope per metre of horizontal distance, from an origin at
 * height @p oz, within horizontal distance @p max_d. */
void sp__synth_cast(const sp__synth_scene *s, const sp__synth_span *spans,
                    int n, float oz, float slope, float max_d,
                    sp__synth_hit *hit);

enum { SP__SYNTH_ASPHALT = 0, SP__SYNTH_PAINT, SP__SYNTH_PAVEMENT };

/* What the ground is at (x, y): asphalt, lane paint or pavement. */
int sp__synth_ground_kind(float x, float y);

/* 1 if a building facade point (along-face coordinate u, height z) is a
 * window. */
int sp__synth_is_window(float u, float z);

/* The calibration consistent with the rendered camera (see synth_camera.c)
 * for an image of @p width x @p height. */
void sp__synth_calib(sp_calib *c, uint32_t width, uint32_t height);

/* ---- lidar (synth_lidar.c) ---- */

typedef struct sp__synth_lidar {
    int columns; /* azimuth steps per sweep, <= SP__SYNTH_AZIMUTHS */
    float cos_az[SP__SYNTH_AZIMUTHS], sin_az[SP__SYNTH_AZIMUTHS];
    float tan_el[SP__SYNTH_BEAMS], inv_cos_el[SP__SYNTH_BEAMS];
} sp__synth_lidar;

/* Fill the trigonometry tables (once) for @p columns azimuth steps per
 * sweep (1..SP__SYNTH_AZIMUTHS; clamped). */
void sp__synth_lidar_init(sp__synth_lidar *l, int columns);

/* One 360-degree sweep of @p scene (already at the sweep's time) into
 * @p out (capacity >= SP__SYNTH_BEAMS x columns; ring and time filled when the
 * points have them). Points are in firing order: azimuth from -180 degrees
 * counter-clockwise, the 64 beams of each column from ring 0 (lowest) to
 * ring 63, each at the centre of its 64th of -24.8..+2 deg (ring 0 at
 * -24.59, ring 63 at +1.79); time = seconds since the sweep started.
 * @p frame_seed drives drop-outs and range noise. SP_EINVAL if out is too
 * small. */
int sp__synth_lidar_sweep(const sp__synth_lidar *l,
                          const sp__synth_scene *scene, uint64_t frame_seed,
                          sp_points *out);

/* ---- camera (synth_camera.c) ---- */

/* Render @p scene (at the exposure's time) as seen by the camera of
 * @p calib (its K; level, no distortion) into @p out, which must be
 * SP_PIX_BAYER_RGGB8, SP_PIX_RGB8 or SP_PIX_GRAY8 of calib's size.
 * @p frame_seed drives sensor noise. SP_EINVAL otherwise. */
int sp__synth_camera_render(const sp__synth_scene *scene, const sp_calib *calib,
                            uint64_t frame_seed, sp_image *out);

#endif
