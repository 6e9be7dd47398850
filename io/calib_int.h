/* Internal to io/: deferred calibration reading. A reader that finds a
 * calibration file but should read it only when a stage asks (kitti.c)
 * arms its sp_calib slots with one sp_calib_lazy; sp_calib_get() (any
 * thread) then calls the loader once per slot, under the lazy's lock. */
#ifndef SP_CALIB_INT_H
#define SP_CALIB_INT_H

#include <pthread.h>

#include "sp_calib.h"

/* Fill @p slot (its lazy fields are kept whatever the loader writes) from
 * what @p ctx knows about it. Runs under the lock: it may use buffers that
 * only loaders touch. SP_OK or an error with sp_errmsg() set. */
typedef int (*sp__calib_load_fn)(void *ctx, sp_calib *slot);

struct sp_calib_lazy {
    pthread_mutex_t mu;
    sp__calib_load_fn load;
    void *ctx;
    int ready; /* the mutex was initialised */
};

/* SP_OK, or SP_ENOMEM when the lock cannot be made. */
int sp__calib_lazy_init(sp_calib_lazy *l, sp__calib_load_fn load, void *ctx);
void sp__calib_lazy_deinit(sp_calib_lazy *l);

/* Make @p slot a deferred calibration read by @p l; until then it has no
 * has_ flag, camera @p camera and @p source as its source text. */
void sp__calib_lazy_arm(sp_calib *slot, sp_calib_lazy *l, int camera,
                        const char *source);

/* Set a calibration's R0 to the identity (the value of an absent one). */
void sp__calib_identity_r0(sp_calib *c);

#endif
