/* Deferred calibration: a slot armed by its reader is read on the first
 * sp_calib_get(), once, under the reader's lock; the result (the numbers,
 * or the error and its message) is kept in the slot, so every later call,
 * from any thread, gives the same answer without reading again. */
#include <stdio.h>
#include <string.h>

#include "calib_int.h"
#include "error_int.h"

int sp__calib_lazy_init(sp_calib_lazy *l, sp__calib_load_fn load, void *ctx)
{
    memset(l, 0, sizeof *l);
    if (pthread_mutex_init(&l->mu, NULL) != 0)
        return sp__fail(SP_ENOMEM, "calibration: cannot create a lock");
    l->load = load;
    l->ctx = ctx;
    l->ready = 1;
    return SP_OK;
}

void sp__calib_lazy_deinit(sp_calib_lazy *l)
{
    if (l && l->ready) {
        pthread_mutex_destroy(&l->mu);
        l->ready = 0;
    }
}

void sp__calib_identity_r0(sp_calib *c)
{
    memset(c->R0, 0, sizeof c->R0);
    c->R0[0] = c->R0[4] = c->R0[8] = 1;
}

void sp__calib_lazy_arm(sp_calib *slot, sp_calib_lazy *l, int camera,
                        const char *source)
{
    memset(slot, 0, sizeof *slot);
    sp__calib_identity_r0(slot);
    slot->camera = camera;
    snprintf(slot->source, sizeof slot->source, "%s", source ? source : "");
    slot->lazy = l;
}

int sp_calib_get(const sp_calib *c, const sp_calib **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    if (!c)
        return SP_OK;
    if (!c->lazy) {
        *out = c;
        return SP_OK;
    }
    /* The slot belongs to its reader, which hands it out as const so that
     * nobody else writes it; the loader writes it here, under the lock. */
    sp_calib *s = (sp_calib *)c;
    sp_calib_lazy *l = s->lazy;
    pthread_mutex_lock(&l->mu);
    if (!s->lazy_done) {
        int rc = l->load(l->ctx, s);
        s->lazy = l;
        s->lazy_status = rc < 0 ? rc : SP_OK;
        if (rc < 0)
            snprintf(s->lazy_error, sizeof s->lazy_error, "%s", sp_errmsg());
        s->lazy_done = 1;
    }
    int rc = s->lazy_status;
    pthread_mutex_unlock(&l->mu);
    if (rc < 0)
        return sp__fail(rc, "%s", s->lazy_error);
    *out = c;
    return SP_OK;
}
