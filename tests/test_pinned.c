/* ctest-label: unit */
/* Pinned allocation: page alignment and larger alignments, locking (and
 * the report when mlock() is refused: RLIMIT_MEMLOCK 0 and no
 * CAP_IPC_LOCK, in a child process), and how NUMA binding is reported,
 * including a refused binding (a re-executed child whose hwloc sees a
 * synthetic two-node topology). */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hwloc.h>

#include "pinned_int.h"
#include "sp_poolmgr.h"

/* NUMA nodes of this machine; 0 when hwloc describes another machine
 * (HWLOC_SYNTHETIC, HWLOC_XMLFILE), -1 when it cannot tell. */
static int numa_nodes(void)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0)
        return -1;
    int n = -1;
    if (hwloc_topology_load(t) == 0)
        n = hwloc_topology_is_thissystem(t)
                ? hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE)
                : 0;
    hwloc_topology_destroy(t);
    return n;
}

/* 1 when this process may mlock() a page right now (the system call:
 * AddressSanitizer turns the libc function into a no-op). */
static int can_lock(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    int ok = syscall(SYS_mlock, p, page) == 0;
    if (ok)
        syscall(SYS_munlock, p, page);
    munmap(p, page);
    return ok;
}

static void test_pinned_alignment(void **state)
{
    (void)state;
    size_t page = sp__page_size();
    assert_int_equal(page, (size_t)sysconf(_SC_PAGESIZE));
    sp__pinned_place place;
    assert_int_equal(sp__pinned_place_resolve(SP_NUMA_LOCAL, 0, &place), SP_OK);
    assert_true(place.note[0] != '\0');

    static const struct {
        size_t size, align;
    } cases[] = {
        {1, 64}, {4096, 64}, {5000, 4096}, {100, 1 << 16}, {3 << 20, 2 << 20}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sp__pinned m;
        assert_int_equal(
            sp__pinned_alloc(&place, cases[i].size, cases[i].align, 1, &m),
            SP_OK);
        size_t want = cases[i].align > page ? cases[i].align : page;
        assert_int_equal((uintptr_t)m.data % want, 0);
        assert_int_equal(m.len % page, 0);
        assert_int_equal(m.len,
                         sp__pinned_map_len(cases[i].size, cases[i].align));
        uint8_t *d = m.data;
        assert_true(d >= (uint8_t *)m.base &&
                    d + cases[i].size <= (uint8_t *)m.base + m.len);
        memset(d, 0x5A, cases[i].size);
        assert_int_equal(m.locked, 0); /* no_lock asked */
        sp__pinned_free(&m);
        assert_null(m.base);
    }
    assert_int_equal(sp__pinned_map_len(SIZE_MAX - 8, 64), 0);
    assert_int_equal(sp__pinned_map_len(0, 64), 0);
}

static void test_pool_alignment(void **state)
{
    (void)state;
    sp_pool_desc d = {
        .block_size = 1 << 20, .alignment = 2 << 20, .no_lock = 1};
    sp_pool *pool;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_block *b;
    assert_int_equal(sp_pool_acquire(pool, &b), SP_OK);
    assert_int_equal((uintptr_t)sp_block_data(b) % (2 << 20), 0);
    memset(sp_block_data(b), 1, 1 << 20);
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.alignment, 2 << 20);
    assert_int_equal(st.bytes_reserved, 3 << 20);
    assert_int_equal(st.bytes_locked, 0);
    assert_int_equal(st.lock_failures, 0);
    sp_pool_release(b);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);

    /* A page or more: page aligned even when 64 is asked. */
    sp_pool_desc p = {.block_size = 8192, .alignment = 64, .no_lock = 1};
    assert_int_equal(sp_pool_create(&p, &pool), SP_OK);
    assert_int_equal(sp_pool_acquire(pool, &b), SP_OK);
    assert_int_equal((uintptr_t)sp_block_data(b) % sp__page_size(), 0);
    sp_pool_release(b);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_locked_when_allowed(void **state)
{
    (void)state;
    if (!can_lock())
        skip(); /* mlock() refused here already: covered by the next case */
    sp_pool_desc d = {
        .name = "locked", .block_size = 64 << 10, .min_blocks = 2};
    sp_pool *pool;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.lock_failures, 0);
    assert_int_equal(st.bytes_reserved, 2 * (64 << 10));
    assert_int_equal(st.bytes_locked, st.bytes_reserved);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

/* Child-side checks; each failure exits with its own code. */
enum {
    CHILD_OK = 0,
    CHILD_CANNOT_REFUSE = 77,
    CHILD_POOL_CREATE = 10,
    CHILD_ACQUIRE,
    CHILD_STATS,
    CHILD_MGR,
    CHILD_REPORT_TABLE,
    CHILD_REPORT_JSON,
    CHILD_TOTAL_LINE,
    CHILD_NO_LOCK,
};

static int drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];
    if (syscall(SYS_capget, &h, c) != 0)
        return -1;
    c[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    c[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    c[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    return (int)syscall(SYS_capset, &h, c);
}

static int child_refused(void)
{
    struct rlimit rl = {0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
        return CHILD_CANNOT_REFUSE;
    /* Root's CAP_IPC_LOCK ignores the limit: drop it too. */
    drop_ipc_lock();
    if (can_lock())
        return CHILD_CANNOT_REFUSE;

    sp_pool_desc d = {.name = "unlocked",
                      .block_size = 64 << 10,
                      .min_blocks = 2,
                      .max_blocks = 4};
    sp_pool *pool;
    if (sp_pool_create(&d, &pool) != SP_OK)
        return CHILD_POOL_CREATE;
    sp_block *b[3];
    for (int i = 0; i < 3; i++) {
        if (sp_pool_acquire(pool, &b[i]) != SP_OK)
            return CHILD_ACQUIRE;
        memset(sp_block_data(b[i]), i, 64 << 10); /* served and usable */
    }
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    if (st.lock_failures != 3 || st.bytes_locked != 0 ||
        st.bytes_reserved != 3 * (64 << 10) || st.blocks != 3)
        return CHILD_STATS;
    for (int i = 0; i < 3; i++)
        sp_pool_release(b[i]);
    if (sp_pool_destroy(pool) != SP_OK)
        return CHILD_POOL_CREATE;

    sp_poolmgr_desc md = {.budget_bytes = 16 << 20};
    sp_poolmgr *mgr;
    sp_block *mb;
    if (sp_poolmgr_create(&md, &mgr) != SP_OK ||
        sp_poolmgr_acquire(mgr, 1 << 20, &mb) != SP_OK)
        return CHILD_MGR;
    static char buf[8192];
    sp_poolmgr_report(mgr, SP_REPORT_TABLE, buf, sizeof buf);
    if (!strstr(buf, "not locked (1 refused)"))
        return CHILD_REPORT_TABLE;
    const char *total = strstr(buf, "total:");
    if (!total || !strstr(total, "0.0 MiB locked") ||
        !strstr(total, "not locked"))
        return CHILD_TOTAL_LINE;
    sp_poolmgr_report(mgr, SP_REPORT_JSON, buf, sizeof buf);
    if (!strstr(buf, "\"locked\": false") ||
        !strstr(buf, "\"lock_failures\": 1,") ||
        !strstr(buf, "\"bytes_locked\": 0,"))
        return CHILD_REPORT_JSON;
    sp_pool_release(mb);
    if (sp_poolmgr_destroy(mgr) != SP_OK)
        return CHILD_MGR;

    /* no_lock: nothing tried, nothing refused. */
    sp_pool_desc n = {.block_size = 4096, .min_blocks = 1, .no_lock = 1};
    if (sp_pool_create(&n, &pool) != SP_OK)
        return CHILD_NO_LOCK;
    sp_pool_stats_get(pool, &st);
    if (st.lock_failures != 0 || st.bytes_locked != 0)
        return CHILD_NO_LOCK;
    sp_pool_destroy(pool);
    return CHILD_OK;
}

static void test_mlock_refused_still_served(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_refused());
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    int code = WEXITSTATUS(status);
    if (code == CHILD_CANNOT_REFUSE)
        skip(); /* could not make mlock() fail (no capability control) */
    if (code != CHILD_OK)
        print_error("child failed at check %d\n", code);
    assert_int_equal(code, CHILD_OK);
}

static void test_numa_reporting(void **state)
{
    (void)state;
    int nodes = numa_nodes();
    sp_pool_desc d = {.block_size = 4096, .min_blocks = 1, .no_lock = 1};
    sp_pool *pool;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    print_message("%d NUMA node(s): node %d, \"%s\"\n", nodes, st.numa_node,
                  st.numa_note);
    if (nodes == 1) {
        assert_int_equal(st.numa_node, -1);
        assert_non_null(strstr(st.numa_note, "single NUMA node"));
    } else if (nodes > 1) {
        assert_true(st.numa_node >= 0 && st.numa_node < nodes);
        assert_non_null(strstr(st.numa_note, "bound to node"));
    } else if (nodes == 0) {
        assert_int_equal(st.numa_node, -1);
        assert_non_null(strstr(st.numa_note, "not this system's"));
    }
    assert_int_equal(sp_pool_destroy(pool), SP_OK);

    d.numa = SP_NUMA_NONE;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.numa_node, -1);
    assert_non_null(strstr(st.numa_note, "policy none"));
    assert_int_equal(sp_pool_destroy(pool), SP_OK);

    if (nodes == 0)
        return; /* node numbers of another machine's topology mean nothing */
    d.numa = SP_NUMA_NODE;
    d.numa_node = nodes > 1 ? nodes - 1 : 0;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_block *b;
    assert_int_equal(sp_pool_acquire(pool, &b), SP_OK);
    sp_pool_stats_get(pool, &st);
    if (nodes > 1) {
        assert_int_equal(st.numa_node, nodes - 1);
        /* Every mapping was bound, so nothing says "unbound". */
        assert_null(strstr(st.numa_note, "unbound"));
    }
    sp_pool_release(b);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);

    d.numa_node = 1000;
    pool = (sp_pool *)&pool;
    assert_int_equal(sp_pool_create(&d, &pool), SP_EINVAL);
    assert_null(pool);
    assert_non_null(strstr(sp_errmsg(), "NUMA node 1000"));
    sp_poolmgr_desc md = {.numa = SP_NUMA_NODE, .numa_node = 1000};
    sp_poolmgr *mgr = (sp_poolmgr *)&mgr;
    assert_int_equal(sp_poolmgr_create(&md, &mgr), SP_EINVAL);
    assert_null(mgr);
}

/* Runs in a re-executed copy of this program whose environment makes hwloc
 * see two NUMA nodes on this (one-node or not) machine. */
static int numa_child(const char *mode, int real_nodes)
{
    sp_pool_desc d = {.block_size = 8192, .no_lock = 1};
    sp_pool *pool;
    sp_pool_stats st;
    sp_block *b;
    if (strcmp(mode, "other-machine") == 0) {
        /* A topology that is not this system's: never bound. */
        if (sp_pool_create(&d, &pool) != SP_OK)
            return 10;
        if (sp_pool_acquire(pool, &b) != SP_OK)
            return 11;
        sp_pool_stats_get(pool, &st);
        if (st.numa_node != -1 || !strstr(st.numa_note, "not this system's"))
            return 12;
        sp_pool_release(b);
        return sp_pool_destroy(pool) == SP_OK ? 0 : 13;
    }
    /* "refused": hwloc is told the synthetic topology is this machine, so
     * binding to node 1 is tried; the kernel has no such node, refuses,
     * and the block must still be served, unbound, and counted. */
    d.numa = SP_NUMA_NODE;
    d.numa_node = 1;
    if (sp_pool_create(&d, &pool) != SP_OK)
        return 20;
    if (sp_pool_acquire(pool, &b) != SP_OK)
        return 21;
    memset(sp_block_data(b), 3, 8192);
    if ((uintptr_t)sp_block_data(b) % (uintptr_t)sysconf(_SC_PAGESIZE))
        return 22;
    sp_pool_stats_get(pool, &st);
    if (st.numa_node != 1 || !strstr(st.numa_note, "bound to node 1 of 2"))
        return 23;
    /* On a machine that really has a node 1 the binding succeeds. */
    int unbound = strstr(st.numa_note, "1 mappings unbound") != NULL;
    if (real_nodes < 2 ? !unbound : unbound)
        return 24;
    sp_pool_release(b);
    return sp_pool_destroy(pool) == SP_OK ? 0 : 25;
}

/* Runs this program again with @p args. A cross-built test runs under an
 * emulator (SP_TEST_EMULATOR, "qemu-aarch64-static"), which must run the
 * copy too: without a binfmt_misc entry the kernel cannot exec it. */
static void reexec(char **args)
{
    const char *emu = getenv("SP_TEST_EMULATOR");
    if (!emu || !*emu) {
        execv("/proc/self/exe", args);
        return;
    }
    static char words[512], self[4096];
    char *argv[16];
    int n = 0;
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return;
    self[len] = '\0';
    snprintf(words, sizeof words, "%s", emu);
    for (char *w = strtok(words, " "); w && n < 10; w = strtok(NULL, " "))
        argv[n++] = w;
    argv[n++] = self;
    for (int i = 1; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    execvp(argv[0], argv);
}

static void run_numa_child(const char *mode, int thissystem)
{
    int real_nodes = numa_nodes();
    if (real_nodes <= 0)
        skip(); /* hwloc already describes another machine here */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("HWLOC_SYNTHETIC", "numa:2 core:1 pu:1", 1);
        if (thissystem)
            setenv("HWLOC_THISSYSTEM", "1", 1);
        char real[16];
        snprintf(real, sizeof real, "%d", real_nodes);
        char *args[] = {"test_pinned", "--numa-child", (char *)mode, real,
                        NULL};
        reexec(args);
        _exit(99);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        print_error("numa child '%s' failed at check %d\n", mode,
                    WEXITSTATUS(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_numa_other_machine_topology(void **state)
{
    (void)state;
    run_numa_child("other-machine", 0);
}

static void test_numa_binding_refused_still_served(void **state)
{
    (void)state;
    run_numa_child("refused", 1);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--numa-child") == 0)
        return numa_child(argv[2], atoi(argv[3]));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_alignment),
        cmocka_unit_test(test_pool_alignment),
        cmocka_unit_test(test_locked_when_allowed),
        cmocka_unit_test(test_mlock_refused_still_served),
        cmocka_unit_test(test_numa_reporting),
        cmocka_unit_test(test_numa_other_machine_topology),
        cmocka_unit_test(test_numa_binding_refused_still_served),
    };
    return cmocka_run_group_tests_name("pinned", tests, NULL, NULL);
}
