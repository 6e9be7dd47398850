/* Internal to kernels/: built-in (factory) calibration tables of the
 * lidar decoders (lidardec_tables.c). Never installed. */
#ifndef SP_LIDARDEC_TABLES_INT_H
#define SP_LIDARDEC_TABLES_INT_H

/* {elevation, azimuth offset} in degrees, per channel. */
extern const double sp__ld_pandar64_table[64][2];
extern const double sp__ld_pandar40p_table[40][2];
extern const double sp__ld_xt32_table[32][2];
extern const double sp__ld_qt64_table[64][2];

#endif
