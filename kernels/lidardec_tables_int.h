/* Internal to kernels/: built-in (factory) calibration tables of the
 * lidar decoders (lidardec_tables.c). Never installed. */
#ifndef SP_LIDARDEC_TABLES_INT_H
#define SP_LIDARDEC_TABLES_INT_H

#include <stdint.h>

/* {elevation, azimuth offset} in degrees, per channel. */
extern const double sp__ld_pandar64_table[64][2];
extern const double sp__ld_pandar40p_table[40][2];
extern const double sp__ld_xt32_table[32][2];
extern const double sp__ld_qt64_table[64][2];

/* Channel firing times, ns after the block's time (XT32: 368 + 1512 ch). */
extern const int32_t sp__ld_pandar64_firing_ns[64];
extern const int32_t sp__ld_pandar40p_firing_ns[40];
extern const int32_t sp__ld_qt64_firing_ns[64];

#endif
