/* Ouster packets: the hook the Ouster decoder fills (legacy and the
 * RNG19_RFL8_SIG16_NIR16 (single and dual) and RNG15_RFL8_NIR8 profiles,
 * beam intrinsics from the metadata JSON). Until it is built, model=ouster
 * is refused with a message saying so. */
#include "lidardec_int.h"

int sp__ld_ouster_init(sp_lidardec *d)
{
    (void)d;
    return sp__fail(SP_EUNSUPPORTED, "lidar: ouster decoder not built yet");
}
