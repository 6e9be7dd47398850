/* sensorpipe: a point cloud as a structure of arrays carved from one block.
 *
 * x, y, z, intensity (float32) always; ring (uint16) and time offset
 * (float32, seconds from the start of the sweep) when asked for; and any
 * number (up to SP_POINTS_MAX_EXTRA) of named EXTRA channels — a file's
 * rgb, normals, labels, return type, any custom field — each with an
 * element type (the sensor_msgs/PointField numbering), a count of values
 * per point and a reduction kind that says how voxel merges it. Every array
 * starts on a 64-byte boundary and has room for `capacity` points; `count`
 * of them are valid. The struct borrows its memory: it lives in the block
 * (or buffer) passed to sp_points_init(), which the caller keeps alive;
 * the table describing the extras lives in that block too, so copying the
 * struct copies a view, not the data.
 *
 * Block layout (what sp_points_block_size_layout() counts): x, y, z,
 * intensity, ring, time, then each extra's array in layout order, then the
 * table of extras and the stored record (sp_points_stored, when not zero);
 * each piece padded to 64 bytes. */
#ifndef SP_POINTS_H
#define SP_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Optional fields (bit flags). */
enum {
    SP_POINTS_RING = 1u << 0, /**< uint16 laser/beam index */
    SP_POINTS_TIME = 1u << 1  /**< float32 seconds since sweep start */
};

/** Alignment of every array in a packed layout. */
#define SP_ARRAY_ALIGN 64

/** Most extra channels a cloud has. */
#define SP_POINTS_MAX_EXTRA 32
/** Bytes of an extra's name, with its NUL: names of 1 to 31 characters. */
#define SP_POINTS_NAME_MAX 32
/** Most values per point of one extra (PCL's largest descriptor, SHOT1344,
 *  has 1344). */
#define SP_POINTS_MAX_COUNT 4096

/** Element type of an extra: the sensor_msgs/PointField numbering, so a
 *  PointField's datatype converts as is. */
typedef enum sp_field_type {
    SP_FIELD_I8 = 1,
    SP_FIELD_U8 = 2,
    SP_FIELD_I16 = 3,
    SP_FIELD_U16 = 4,
    SP_FIELD_I32 = 5,
    SP_FIELD_U32 = 6,
    SP_FIELD_F32 = 7,
    SP_FIELD_F64 = 8
} sp_field_type;

/** How voxel (the one stage that merges points) reduces an extra; the
 *  exact rules are in sp_voxel.h. Filters that keep or drop whole points
 *  (crop, ground) copy every kind unchanged. */
typedef enum sp_field_kind {
    SP_FIELD_VALUE = 0, /**< a quantity: the mean (normals, curvature,
                             distance, azimuth, custom floats) */
    SP_FIELD_COLOR,     /**< packed 8-bit channels in a 32-bit element
                             (PCL's rgb as f32, rgba as u32): the mean of
                             each 8-bit channel, as PCL's VoxelGrid */
    SP_FIELD_LABEL      /**< a category (labels, return type, channel
                             ids): one member point's value, never a mean */
} sp_field_kind;

/** The standard channels, in sp_points' order: the index into
 *  sp_points_stored's arrays and sp_points_column.channel. */
typedef enum sp_channel {
    SP_CHANNEL_X = 0,
    SP_CHANNEL_Y,
    SP_CHANNEL_Z,
    SP_CHANNEL_INTENSITY,
    SP_CHANNEL_RING,
    SP_CHANNEL_TIME,
    SP_CHANNEL_COUNT
} sp_channel;

/** How a cloud was stored in the file or message it came from, beyond its
 *  arrays: the name and element type each standard channel had there, its
 *  place among the fields, whether there was an intensity at all, and the
 *  sensor's viewpoint. Readers fill it; it is part of the layout, so every
 *  stage that makes its output like its input carries it; writers follow
 *  it to give a cloud back as it came (a PCD's `channel` U2 and `intensity`
 *  U1 come back as such, not as ring and a float32 intensity).
 *  Zero-initialised it says what a cloud no file described is written as:
 *  x y z intensity [ring] [time] first, in that order, under those names,
 *  float32 (ring uint16), viewpoint at the origin.
 *
 *  A standard channel a file stored as a type it cannot hold exactly
 *  (time from anything but float32, for instance) keeps the raw values as
 *  an extra of the file's name beside it; its stored name is then that
 *  extra's, and writers write the extra in its place instead of the
 *  channel (see sp_points_columns()). */
typedef struct sp_points_stored {
    /** The file's name of each channel ("channel" for ring); "" = the
     *  channel's own name. Same rules as an extra's name. */
    char name[SP_CHANNEL_COUNT][SP_POINTS_NAME_MAX];
    /** The element type it had; 0 = the channel's own (float32, ring
     *  uint16). */
    sp_field_type type[SP_CHANNEL_COUNT];
    /** 1 + its index among the fields written (standard channels and
     *  extras); 0 for all: the order above, extras after. */
    uint8_t pos[SP_CHANNEL_COUNT];
    uint8_t no_intensity;  /**< 1: the file had none; the array reads 0
                                and writers leave it out */
    uint8_t has_viewpoint; /**< viewpoint[] was read (PCD's VIEWPOINT) */
    double viewpoint[7];   /**< tx ty tz qw qx qy qz: the sensor's pose in
                                the cloud's frame when has_viewpoint, else
                                the identity (0 0 0 1 0 0 0) */
} sp_points_stored;

/** Describes one extra. */
typedef struct sp_points_field {
    char name[SP_POINTS_NAME_MAX]; /**< 1..31 bytes, NUL-terminated, no
                                        space or control character; unique
                                        in the cloud and none of x, y, z,
                                        intensity, ring, time */
    sp_field_type type;            /**< SP_FIELD_I8 .. SP_FIELD_F64 */
    uint32_t count;                /**< values per point; 0 means 1 */
    sp_field_kind kind;            /**< COLOR needs a 4-byte type */
} sp_points_field;

/** A cloud's layout: the optional standard fields and the extras, in
 *  order. Zero-initialised it is x, y, z, intensity alone. */
typedef struct sp_points_layout {
    unsigned fields;                            /**< SP_POINTS_* flags */
    unsigned nextra;                            /**< extras used */
    sp_points_field extra[SP_POINTS_MAX_EXTRA]; /**< [0, nextra) */
    sp_points_stored stored; /**< how a file stored it (zero: not from a
                                  file); sp_points_init_layout() copies it
                                  into the cloud */
} sp_points_layout;

/** One extra of a cloud: its description (count >= 1) and its array of
 *  capacity * count elements of the type, point-major (point i's values
 *  are elements [i * count, i * count + count)), 64-byte aligned. */
typedef struct sp_points_extra {
    sp_points_field field;
    void *data;
} sp_points_extra;

typedef struct sp_points {
    float *x, *y, *z, *intensity;
    uint16_t *ring; /**< NULL unless SP_POINTS_RING */
    float *time;    /**< NULL unless SP_POINTS_TIME */
    size_t count;
    size_t capacity;
    unsigned fields;          /**< SP_POINTS_* flags */
    uint32_t height;          /**< an organised cloud's rows (count = height x
                                   width, row-major, NaN points kept); 0 or 1 for
                                   an unorganised cloud. Stages that change the
                                   points leave it 0. */
    unsigned nextra;          /**< extra channels */
    sp_points_extra *extra;   /**< nextra entries, in the block; NULL when
                                   nextra is 0 */
    sp_points_stored *stored; /**< how its file stored it: names, types
                                   and order for writers, the viewpoint; in
                                   the block, NULL when the layout's record
                                   was zero (nothing known) */
} sp_points;

/** Bytes of one element of @p type: 1, 2, 4 or 8; 0 for an unknown type. */
size_t sp_field_type_size(sp_field_type type);

/** "i8", "u8", "i16", "u16", "i32", "u32", "f32", "f64"; NULL for an
 *  unknown type. */
const char *sp_field_type_name(sp_field_type type);

/** The own name of standard channel @p ch ("x" .. "time"); NULL for an
 *  unknown channel. */
const char *sp_channel_name(sp_channel ch);

/** Bytes one point takes in an extra's array: element size x count. */
size_t sp_points_extra_stride(const sp_points_extra *e);

/** SP_OK when @p layout (borrowed) is valid; else SP_EINVAL with the first
 *  problem in the message ("points: extra 3 'rgb': kind color needs a
 *  4-byte type, got u8"): unknown field flags, nextra above the maximum, a
 *  bad or duplicate name, an unknown type or kind, a count above
 *  SP_POINTS_MAX_COUNT. */
int sp_points_layout_check(const sp_points_layout *layout);

/** Append an extra to @p layout (borrowed, modified): returns its index
 *  (>= 0), or SP_EINVAL (the layout is full, or the new field is one
 *  sp_points_layout_check() refuses; the layout is then unchanged). */
int sp_points_layout_add(sp_points_layout *layout, const char *name,
                         sp_field_type type, uint32_t count,
                         sp_field_kind kind);

/** Index of the extra named @p name in @p layout, or -1. */
int sp_points_layout_find(const sp_points_layout *layout, const char *name);

/** The layout of @p p (borrowed) into @p out: its fields and extras, so
 *  that a stage makes an output like its input. */
void sp_points_layout_of(const sp_points *p, sp_points_layout *out);

/** The extra of @p p named @p name (a pointer into p's block), or NULL. */
sp_points_extra *sp_points_extra_find(const sp_points *p, const char *name);

/** Bytes a block needs for @p capacity points laid out as @p layout
 *  (borrowed; NULL = no optional field), assuming the block itself starts
 *  64-byte aligned. 0 on overflow, or for an invalid layout (whose
 *  problem sp_errmsg() then names, as sp_points_layout_check()). */
size_t sp_points_block_size_layout(size_t capacity,
                                   const sp_points_layout *layout);

/** Lay out @p p over @p mem (64-byte aligned, @p mem_size bytes) for
 *  @p capacity points as @p layout (borrowed, may be NULL); count starts
 *  at 0, the extras' arrays are not cleared. SP_EINVAL if the layout is
 *  invalid (as sp_points_layout_check()), mem is misaligned or too small,
 *  with the sizes in the message. */
int sp_points_init_layout(sp_points *p, void *mem, size_t mem_size,
                          size_t capacity, const sp_points_layout *layout);

/** sp_points_block_size_layout() for a layout of @p fields and no extras.
 *  0 on overflow or unknown flags. */
size_t sp_points_block_size(size_t capacity, unsigned fields);

/** sp_points_init_layout() for a layout of @p fields and no extras. */
int sp_points_init(sp_points *p, void *mem, size_t mem_size, size_t capacity,
                   unsigned fields);

/** One element of type @p type at @p src (any alignment, host order) as a
 *  double: exact for every type but the 64-bit integers, which extras do
 *  not have. */
double sp_field_load(sp_field_type type, const void *src);

/* ---- what a writer writes ---- */

/** Most columns a cloud has: the standard channels and the extras. */
#define SP_POINTS_MAX_COLUMNS (SP_CHANNEL_COUNT + SP_POINTS_MAX_EXTRA)

/** One field a writer writes. */
typedef struct sp_points_column {
    const char *name;             /**< the name to write (borrowed from the
                                       cloud: its stored names or extras) */
    sp_field_type type;           /**< the element type to write */
    uint32_t count;               /**< values per point (>= 1) */
    int channel;                  /**< the standard channel (sp_channel), or
                                       -1 for an extra */
    const sp_points_extra *extra; /**< the extra, when channel is -1 */
} sp_points_column;

/** The fields of @p p (borrowed) a writer writes, in order, into @p out:
 *  x, y, z; intensity unless stored.no_intensity; ring and time when the
 *  cloud has them; every extra — each standard channel under its stored
 *  name and type. A channel whose stored name is an extra's (the raw values
 *  a reader kept beside it) is left out: the extra stands in its place.
 *  The order is the stored one when every channel written has a distinct
 *  stored position among the columns (extras fill the other places in
 *  their order), else x y z intensity ring time, then the extras. Returns
 *  the number of columns. Thread-safe. */
size_t sp_points_columns(const sp_points *p,
                         sp_points_column out[SP_POINTS_MAX_COLUMNS]);

/** Copy points [first, first + n) of column @p c (from sp_points_columns()
 *  of @p p) into @p dst as the column's type: point k's count values at
 *  dst + k * stride (any alignment; stride >= the column's bytes per
 *  point). An extra is copied bit for bit. A standard channel is converted
 *  to its stored type: float64 exactly, float32 as is, an integer type
 *  rounded to nearest (halves to even) and clamped to the type's range,
 *  NaN as 0. Nothing is checked: @p c must come from @p p and the range
 *  lie within p->count. */
void sp_points_column_copy(const sp_points *p, const sp_points_column *c,
                           size_t first, size_t n, void *dst, size_t stride);

#ifdef __cplusplus
}
#endif
#endif
