/* Pool manager internals shared by poolmgr.c and report.c. Never installed. */
#ifndef SP_POOLMGR_INT_H
#define SP_POOLMGR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_poolmgr.h"

/* "64.0 MiB", "4.0 KiB", "512 B" into buf (snprintf semantics). */
void sp__format_bytes(char *buf, size_t cap, uint64_t bytes);

/* Bytes of blocks referenced now, summed over the pools (a snapshot). */
uint64_t sp__poolmgr_in_use_bytes(const sp_poolmgr *mgr);

/* Idle blocks the manager trimmed to fit a request under the budget. */
uint64_t sp__poolmgr_budget_trims(const sp_poolmgr *mgr);

#endif
