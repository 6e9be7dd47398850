/* Pinned allocation: page-aligned mappings bound to a NUMA node with hwloc
 * and locked in RAM with mlock().
 *
 * The hwloc topology is loaded once per process (pthread_once) and kept for
 * the process's life: loading it costs milliseconds, and every pool needs it
 * only to resolve its placement and to allocate. When the topology cannot be
 * loaded, memory is still served (plain mmap, not bound) and the placement's
 * note says why. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hwloc.h>

#include "error_int.h"
#include "pinned_int.h"

static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t topo; /* NULL when loading failed */
static int topo_nodes;        /* NUMA nodes in the topology (>= 1) */
static int topo_errno;
static size_t page_size_cached;

/* mlock()/munlock() through the system call itself: AddressSanitizer
 * intercepts the libc functions and turns them into no-ops that report
 * success, which would hide a refused lock in sanitizer builds. */
static int lock_pages(void *p, size_t len)
{
    return (int)syscall(SYS_mlock, p, len);
}

static void unlock_pages(void *p, size_t len)
{
    syscall(SYS_munlock, p, len);
}

static void topo_load(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    page_size_cached = ps > 0 ? (size_t)ps : 4096;

    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0) {
        topo_errno = errno;
        return;
    }
    if (hwloc_topology_load(t) != 0) {
        topo_errno = errno;
        hwloc_topology_destroy(t);
        return;
    }
    int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
    topo_nodes = n > 0 ? n : 1;
    topo = t;
}

size_t sp__page_size(void)
{
    pthread_once(&topo_once, topo_load);
    return page_size_cached;
}

/* The node the calling thread last ran on, or -1. */
static int current_node(void)
{
    int node = -1;
    hwloc_bitmap_t cpus = hwloc_bitmap_alloc();
    hwloc_bitmap_t nodes = hwloc_bitmap_alloc();
    if (cpus && nodes &&
        hwloc_get_last_cpu_location(topo, cpus, HWLOC_CPUBIND_THREAD) == 0) {
        hwloc_cpuset_to_nodeset(topo, cpus, nodes);
        node = hwloc_bitmap_first(nodes);
    }
    hwloc_bitmap_free(nodes);
    hwloc_bitmap_free(cpus);
    return node;
}

int sp__pinned_place_resolve(sp_numa_policy policy, int node,
                             sp__pinned_place *out)
{
    pthread_once(&topo_once, topo_load);
    memset(out, 0, sizeof *out);
    out->node = -1;

    if (policy == SP_NUMA_NONE) {
        snprintf(out->note, sizeof out->note, "not bound (policy none)");
        return SP_OK;
    }
    if (!topo) {
        snprintf(out->note, sizeof out->note,
                 "not bound: hwloc topology unavailable (%s)",
                 strerror(topo_errno));
        return SP_OK;
    }
    if (policy == SP_NUMA_NODE && (node < 0 || node >= topo_nodes))
        return sp__fail(SP_EINVAL,
                        "pool: NUMA node %d does not exist, expected 0..%d",
                        node, topo_nodes - 1);
    /* A topology from HWLOC_SYNTHETIC or HWLOC_XMLFILE describes some
     * other machine: its nodes mean nothing to this kernel. */
    if (!hwloc_topology_is_thissystem(topo)) {
        snprintf(out->note, sizeof out->note,
                 "not bound: hwloc topology is not this system's");
        return SP_OK;
    }
    /* With one node all memory is local: binding would change nothing, so
     * it is skipped and reported as such, not as a failure. */
    if (topo_nodes == 1) {
        snprintf(out->note, sizeof out->note,
                 "single NUMA node: binding is a no-op");
        return SP_OK;
    }
    int want = policy == SP_NUMA_NODE ? node : current_node();
    if (want < 0) {
        snprintf(out->note, sizeof out->note,
                 "not bound: cannot tell this thread's node (%d nodes)",
                 topo_nodes);
        return SP_OK;
    }
    out->node = want;
    out->bind = 1;
    snprintf(out->note, sizeof out->note, "bound to node %d of %d", want,
             topo_nodes);
    return SP_OK;
}

size_t sp__pinned_map_len(size_t size, size_t align)
{
    size_t page = sp__page_size();
    /* Alignments beyond a page need slack to slide the data up to. */
    size_t extra = align > page ? align : 0;
    if (size == 0 || size > SIZE_MAX - extra - page)
        return 0;
    size_t len = size + extra;
    return (len + page - 1) / page * page;
}

static void *map_anon(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Bound memory comes from hwloc_alloc_membind(); everything else from
 * mmap() directly, because hwloc_alloc() falls back to the heap (and not
 * always page-aligned) when its topology is not this machine's. */
static void *map_bound(const sp__pinned_place *place, size_t len,
                       sp__pinned *out)
{
    if (place->bind) {
        void *p = NULL;
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (set) {
            hwloc_bitmap_only(set, (unsigned)place->node);
            p = hwloc_alloc_membind(topo, len, set, HWLOC_MEMBIND_BIND,
                                    HWLOC_MEMBIND_BYNODESET |
                                        HWLOC_MEMBIND_STRICT);
            hwloc_bitmap_free(set);
        }
        if (p && (uintptr_t)p % page_size_cached == 0) {
            out->bound = 1;
            out->via_hwloc = 1;
            return p;
        }
        if (p)
            hwloc_free(topo, p, len);
        /* Binding refused (no kernel support, cpuset limits): serve the
         * memory unbound rather than fail; the pool counts it. */
    }
    return map_anon(len);
}

int sp__pinned_alloc(const sp__pinned_place *place, size_t size, size_t align,
                     int no_lock, sp__pinned *out)
{
    memset(out, 0, sizeof *out);
    size_t len = sp__pinned_map_len(size, align);
    if (len == 0)
        return sp__fail(SP_ENOMEM,
                        "pinned alloc: %zu bytes aligned to %zu overflows",
                        size, align);
    void *base = map_bound(place, len, out);
    if (!base)
        return sp__fail(SP_ENOMEM, "pinned alloc: cannot map %zu bytes: %s",
                        len, strerror(errno));
    out->base = base;
    out->len = len;
    uintptr_t a = (uintptr_t)base;
    if (align > 1)
        a = (a + align - 1) & ~(uintptr_t)(align - 1);
    out->data = (void *)a;
    if (!no_lock) {
        /* mlock() also faults the pages in, so the first frame written to
         * the block does not pay for page faults. */
        if (lock_pages(base, len) == 0)
            out->locked = 1;
        else
            out->lock_errno = errno ? errno : EPERM;
    }
    return SP_OK;
}

void sp__pinned_free(sp__pinned *p)
{
    if (!p || !p->base)
        return;
    if (p->locked)
        unlock_pages(p->base, p->len);
    if (p->via_hwloc)
        hwloc_free(topo, p->base, p->len);
    else
        munmap(p->base, p->len);
    memset(p, 0, sizeof *p);
}
