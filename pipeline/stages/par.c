/* threads= for the stages: see par_int.h. */
#include "par_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "error_int.h"
#include "grow_int.h"

int sp__par_init(sp_stage *st, sp__par *p)
{
    const sp_prop_value *cpu = sp_stage_prop(st, "cpu");
    sp_kctx *k0 = sp_stage_kctx(st);

    p->n = (int)sp_stage_prop_int(st, "threads");
    p->k[0] = k0;
    if (p->n <= 1 || k0 == NULL)
        return SP_OK;
    sp_backend b = sp_kctx_backend(k0);
    if (b == SP_BACKEND_OPENCL) { /* never split: see par_int.h */
        sp_stage_note(st,
                      "threads=%d: the opencl back-end runs each frame "
                      "whole (the device is the parallel part)",
                      p->n);
        return SP_OK;
    }
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    if (b != SP_BACKEND_SCALAR && sp_kctx_simd_level(k0) != SP_SIMD_NONE)
        d.backend = SP_BACKEND_SIMD;
    for (int i = 1; i < p->n; i++) {
        int rc = sp_kctx_create(&d, &p->k[i]);
        if (rc < 0)
            return sp_stage_fail(st, rc, "threads=%d: %s", p->n, sp_errmsg());
    }
    int rc = sp__workers_create(p->n, cpu->set ? (int)cpu->i : -1, &p->w);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    sp__stage_use_workers(st, p->w);
    /* microseconds, at most 10 s: the product is exact in a long long */
    sp__workers_set_spin(
        p->w, (long long)(sp_stage_prop_float(st, "spin") * 1000 + 0.5));
    sp__workers_set_anticipate(p->w, sp_stage_prop_bool(st, "anticipate"));
    return SP_OK;
}

void sp__par_deinit(sp__par *p)
{
    sp__workers_destroy(p->w);
    p->w = NULL;
    for (int i = 1; i < SP__WORKERS_MAX; i++) {
        sp_kctx_destroy(p->k[i]);
        p->k[i] = NULL;
    }
    for (int i = 0; i < SP__WORKERS_MAX; i++) {
        free(p->buf[i]);
        p->buf[i] = NULL;
        p->cap[i] = 0;
    }
}

int sp__par_shares(sp_stage *st, const sp__par *p, size_t rows, size_t min_rows)
{
    if (p->w == NULL || sp_kctx_backend(sp_stage_kctx(st)) == SP_BACKEND_OPENCL)
        return 1;
    size_t n = min_rows ? rows / min_rows : rows;
    if (n > (size_t)p->n)
        n = (size_t)p->n;
    return n < 1 ? 1 : (int)n;
}

int sp__par_reserve(sp__par *p, int n, size_t bytes)
{
    /* Exact growth made the sixth KITTI raw sweep's voxel threads=2
     * 0.3-0.4 ms slower than its neighbours: a new block, its page faults
     * and a heap call for 19 points more than any sweep before. */
    size_t want = sp__grow_size(bytes, 64);
    if (!want)
        return sp__fail(SP_ENOMEM,
                        "threads=: %zu bytes of scratch is too large", bytes);
    for (int i = 0; i < n; i++) {
        if (p->cap[i] >= bytes)
            continue;
        void *b = NULL;
        if (posix_memalign(&b, 64, want) != 0)
            return sp__fail(SP_ENOMEM, "threads=: out of memory for %zu bytes",
                            want);
        free(p->buf[i]);
        p->buf[i] = b;
        p->cap[i] = want;
    }
    return SP_OK;
}

void sp__par_note(sp__par *p, int i, int rc)
{
    p->rc[i] = rc;
    if (rc < 0) {
        snprintf(p->msg[i], sizeof p->msg[i], "%s", sp_errmsg());
        atomic_store(&p->failed, 1);
    }
}

/* A share of the call in flight has failed: a later round does nothing. */
static int failed(sp__par *p)
{
    return atomic_load(&p->failed);
}

int sp__par_result(sp__par *p, int n)
{
    atomic_store(&p->failed, 0);
    for (int i = 0; i < n; i++)
        if (p->rc[i] < 0)
            return sp__fail(p->rc[i], "%s", p->msg[i]);
    return SP_OK;
}

typedef struct two_rounds {
    sp__par *p;
    sp__work_fn fn[2];
    void *arg;
} two_rounds;

static void two_rounds_share(void *arg, int phase, int i, int n)
{
    two_rounds *r = arg;
    if (phase == 0 || !failed(r->p))
        r->fn[phase](r->arg, i, n);
}

int sp__par_two_rounds(sp__par *p, int n, sp__work_fn first, sp__work_fn then,
                       void *arg)
{
    two_rounds r = {p, {first, then}, arg};
    sp__workers_run_phases(p->w, n, 2, two_rounds_share, &r);
    return sp__par_result(p, n);
}

void sp__par_rows(size_t rows, int i, int n, size_t align, size_t *y0,
                  size_t *y1)
{
    *y0 = i == 0 ? 0 : rows * (size_t)i / (size_t)n / align * align;
    *y1 =
        i == n - 1 ? rows : rows * (size_t)(i + 1) / (size_t)n / align * align;
}
