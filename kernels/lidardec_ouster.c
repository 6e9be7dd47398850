/* Ouster packets: the hook the Ouster decoder fills (legacy packets and the
 * RNG19_RFL8_SIG16_NIR16 (single and dual) and RNG15_RFL8_NIR8 profiles,
 * beam intrinsics from the metadata JSON). Until it is built, model=ouster
 * is refused with a message saying so.
 *
 * The contract (lidardec_int.h): sp__ld_ouster_init() reads the metadata
 * JSON from d->desc.meta (borrowed during sp_lidardec_create() only: copy
 * what is kept), may keep its own state in d->vendor (freed by d->fini), and
 * sets
 *   d->inspect: check a packet's size and header, fill info->ncols (its
 *     columns, at most SP_LIDARDEC_MAX_COLS), info->col_az (each column's
 *     encoder azimuth in 0.01 degree) and info->frame_id (the sensor's frame
 *     counter: the lidar stage's cut=auto starts a new scan when it
 *     changes); a refusal is SP_EFORMAT ("%zu-byte packet, expected ..." for
 *     a packet of another size, which the stage skips and counts);
 *   d->decode: append the points of columns [col0, col1) at out->pts->count
 *     (x, y, z, intensity, ring, time = t_rel_s + the column's offset, and
 *     the extras azimuth / distance / return_type when not NULL), at most
 *     d->m->max_points per packet;
 *   d->fini (optional).
 * d->parse stays NULL: the generic projection kernel is not used. The model's
 * facts (max points per packet, packets per turn) are in lidardec.c. Without
 * calib=, the stage makes the decoder from the first packet frame's
 * metadata (a bag's metadata topic, pipeline/sources/bag_src.c). */
#include "lidardec_int.h"

int sp__ld_ouster_init(sp_lidardec *d)
{
    (void)d;
    return sp__fail(SP_EUNSUPPORTED, "lidar: ouster decoder not built yet");
}
