/* Heap allocation counting for the stats. The library cannot see malloc
 * calls by itself: a program that interposes malloc (the sensorpipe
 * command, the no-allocation test) registers a function returning its
 * running count, and the pipeline reads it at the end of warm-up and at the
 * end of the run. */
#include <stdatomic.h>

#include "pipeline_int.h"

static _Atomic(sp_alloc_counter_fn) counter;

void sp_alloc_counter_set(sp_alloc_counter_fn fn)
{
    atomic_store(&counter, fn);
}

int sp_alloc_counter_active(void)
{
    return atomic_load(&counter) != NULL;
}

uint64_t sp__alloc_count(void)
{
    sp_alloc_counter_fn fn = atomic_load(&counter);
    return fn ? fn() : 0;
}
