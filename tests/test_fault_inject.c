/* ctest-label: io */
/* ctest-timeout: 120 */
/* clang-format off */
/* ctest-wrap: malloc calloc realloc aligned_alloc strdup mmap open write writev rename close fsync fdatasync */
/* clang-format on */
/* Failure injection into the library's allocations and writes, for the pool
 * manager and every sink (npy, png, pcd, kittibin, mcap, null), as STYLE.md
 * asks. This program is linked with -Wl,--wrap= on the calls above (see
 * tests/CMakeLists.txt), so each call the library makes to them comes here
 * first; the library carries no test hook.
 *
 * Each case runs once to count the calls of one kind the operation makes,
 * then once per call (or an even sample of them) with that call failing,
 * and checks:
 *  - the exact status: SP_ENOMEM for an allocation, SP_EIO for a write,
 *    close, rename or open of an output (a failure the library may ignore,
 *    such as closing its write probe, may also end in SP_OK);
 *  - a message that names the output file (DIR/...) or the pool ("pool '");
 *  - nothing half-written left behind: no ".tmp." file anywhere under the
 *    output folder, and every file that is there reads back whole;
 *  - every block back in its pool: the caller's pool manager is destroyed
 *    with SP_OK (it refuses, SP_EBUSY, while a block is out), and under
 *    the sanitizer build LeakSanitizer sees no leak at exit.
 * Calls made inside other libraries (libc's own opendir, libpng, zstd) are
 * not wrapped: those fail only as the library's calls do. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_log.h"
#include "sp_npy.h"
#include "sp_pcd.h"
#include "sp_pipeline.h"
#include "sp_png.h"
#include "sp_poolmgr.h"

/* ---- the wrapped calls ---- */

enum {
    K_ALLOC, /* malloc calloc realloc aligned_alloc strdup */
    K_MMAP,
    K_OPEN,  /* only opens that create a file */
    K_WRITE, /* write writev */
    K_RENAME,
    K_CLOSE,
    K_FSYNC, /* fsync fdatasync */
    K_COUNT
};
static const char *const kind_name[K_COUNT] = {
    "allocation", "mmap", "open(O_CREAT)", "write", "rename", "close", "fsync"};

static _Atomic uint64_t calls[K_COUNT];
static _Atomic uint64_t fail_at[K_COUNT]; /* 1-based; 0 = never */
static int fail_errno[K_COUNT];
static _Atomic int failed; /* the armed call happened */

/* Counts the call; 1 when it is the one to fail (errno set). */
static int hit(int k)
{
    uint64_t n = atomic_fetch_add(&calls[k], 1) + 1;
    if (n != atomic_load(&fail_at[k]))
        return 0;
    atomic_store(&failed, 1);
    errno = fail_errno[k];
    return 1;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);
int __real_open(const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __real_writev(int fd, const struct iovec *iov, int n);
int __real_rename(const char *from, const char *to);
int __real_close(int fd);
int __real_fsync(int fd);
int __real_fdatasync(int fd);

void *__wrap_malloc(size_t n)
{
    return hit(K_ALLOC) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return hit(K_ALLOC) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return hit(K_ALLOC) ? NULL : __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return hit(K_ALLOC) ? NULL : __real_aligned_alloc(align, n);
}

char *__wrap_strdup(const char *s)
{
    return hit(K_ALLOC) ? NULL : __real_strdup(s);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    return hit(K_MMAP) ? MAP_FAILED
                       : __real_mmap(addr, len, prot, flags, fd, off);
}

int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
        if (hit(K_OPEN))
            return -1;
    }
    return __real_open(path, flags, mode);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    return hit(K_WRITE) ? -1 : __real_write(fd, buf, n);
}

ssize_t __wrap_writev(int fd, const struct iovec *iov, int n)
{
    return hit(K_WRITE) ? -1 : __real_writev(fd, iov, n);
}

int __wrap_rename(const char *from, const char *to)
{
    return hit(K_RENAME) ? -1 : __real_rename(from, to);
}

int __wrap_close(int fd)
{
    if (hit(K_CLOSE)) {
        __real_close(fd); /* as Linux does: the descriptor is gone anyway */
        errno = fail_errno[K_CLOSE];
        return -1;
    }
    return __real_close(fd);
}

int __wrap_fsync(int fd)
{
    return hit(K_FSYNC) ? -1 : __real_fsync(fd);
}

int __wrap_fdatasync(int fd)
{
    return hit(K_FSYNC) ? -1 : __real_fdatasync(fd);
}

static void arm(int k, uint64_t at, int err)
{
    for (int i = 0; i < K_COUNT; i++) {
        atomic_store(&calls[i], 0);
        atomic_store(&fail_at[i], 0);
    }
    atomic_store(&failed, 0);
    fail_errno[k] = err;
    atomic_store(&fail_at[k], at);
}

static uint64_t disarm(int k)
{
    uint64_t n = atomic_load(&calls[k]);
    for (int i = 0; i < K_COUNT; i++)
        atomic_store(&fail_at[i], 0);
    return n;
}

/* ---- what a failure may leave behind ---- */

static char outdir[512];

/* Fails the test on any temporary file under @p dir; counts the others
 * and checks that each reads back whole. */
static void check_tree(const char *dir, size_t *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (strstr(e->d_name, ".tmp.") || strstr(e->d_name, "-probe")) {
            print_error("left behind: %s\n", p);
            fail();
        }
        struct stat st;
        assert_int_equal(lstat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            check_tree(p, files);
            continue;
        }
        (*files)++;
        size_t n = strlen(p);
        if (n > 4 && !strcmp(p + n - 4, ".npy")) {
            sp_npy_header h;
            assert_int_equal(sp_npy_read_header(p, &h), SP_OK);
        } else if (n > 4 && !strcmp(p + n - 4, ".png")) {
            uint8_t *mem = NULL;
            sp_png_info in;
            assert_int_equal(sp_png_probe(NULL, p, &in), SP_OK);
            sp_image img;
            mem = iot_image_alloc(&img, in.width, in.height, in.format, 0);
            assert_int_equal(sp_png_read(NULL, p, &img, NULL), SP_OK);
            free(mem);
        } else if (n > 4 && !strcmp(p + n - 4, ".pcd")) {
            sp_pcd_reader *r;
            size_t pts;
            unsigned f;
            assert_int_equal(sp_pcd_reader_create(p, &r), SP_OK);
            assert_int_equal(sp_pcd_reader_shape(r, 0, &pts, &f), SP_OK);
            sp_pcd_reader_destroy(r);
        } else if (n > 4 && !strcmp(p + n - 4, ".bin")) {
            assert_int_equal(st.st_size % 16, 0);
        } else if (n > 5 && !strcmp(p + n - 5, ".mcap")) {
            sp_log *log;
            assert_int_equal(sp_log_open(p, NULL, &log), SP_OK);
            sp_log_msg m;
            int rc;
            while ((rc = sp_log_next(log, &m)) == SP_OK)
                ;
            assert_int_equal(rc, SP_EOS);
            sp_log_destroy(log);
        }
    }
    closedir(d);
}

/* ---- one pipeline run under injection ---- */

typedef struct outcome {
    int rc;         /* the first failure: create or run */
    char msg[1024]; /* its message */
    size_t files;   /* complete files left */
} outcome;

/* Run @p launch with call @p at (1-based, 0 = none) of kind @p k failing
 * with @p err; returns how many calls of that kind the run made. */
static uint64_t run_pipeline(const char *launch, int k, uint64_t at, int err,
                             outcome *o)
{
    iot_rmdir(outdir);
    iot_mkdirs(outdir);
    sp_poolmgr *mgr = NULL;
    sp_poolmgr_desc md = {.budget_bytes = 64u << 20, .no_lock = 1};
    /* The caller's manager, created before arming (its own failures are
     * test_poolmgr_failures'), so that its blocks can be counted after. */
    assert_int_equal(sp_poolmgr_create(&md, &mgr), SP_OK);
    sp_pipeline_opts po = {.poolmgr = mgr, .backend = SP_BACKEND_SCALAR};
    sp_pipeline *p = NULL;
    o->msg[0] = '\0';
    arm(k, at, err);
    o->rc = sp_pipeline_create(launch, &po, &p);
    if (o->rc == SP_OK) {
        o->rc = sp_pipeline_run(p);
        if (o->rc < 0)
            snprintf(o->msg, sizeof o->msg, "%s", sp_errmsg());
        int drc = sp_pipeline_destroy(p);
        if (o->rc == SP_OK && drc < 0) {
            o->rc = drc;
            snprintf(o->msg, sizeof o->msg, "%s", sp_errmsg());
        }
    } else {
        assert_null(p);
        snprintf(o->msg, sizeof o->msg, "%s", sp_errmsg());
    }
    uint64_t n = disarm(k);
    /* Every block back: the manager refuses to go while one is out. */
    if (sp_poolmgr_destroy(mgr) != SP_OK) {
        print_error("pool manager not idle after '%s' (%d: %s): %s\n", launch,
                    o->rc, o->msg, sp_errmsg());
        fail();
    }
    o->files = 0;
    check_tree(outdir, &o->files);
    return n;
}

/* Which calls to fail: all of 1..n, or an even sample of `most`. */
static uint64_t nth(uint64_t i, uint64_t n, uint64_t most)
{
    return n <= most ? i + 1 : 1 + i * (n - 1) / (most - 1);
}

typedef struct sink_case {
    const char *name;
    const char *launch; /* %s: the output folder */
} sink_case;

/* Sweeps of 90 columns (~5.7k points, a twentieth of the default): the
 * ray casting and the float printing of whole sweeps were most of this
 * suite's time, and ten times that under qemu in the aarch64 stage. */
static const sink_case sinks[] = {
    {"npy", "synth frames=3 width=32 height=24 columns=90 ! npy dir=%s"},
    {"png", "synth frames=3 width=32 height=24 columns=90 ! png dir=%s"},
    {"pcd",
     "synth frames=3 camera=false columns=90 ! pcd dir=%s encoding=binary"},
    {"pcd ascii", "synth frames=2 camera=false columns=90 ! crop x=0:30 ! "
                  "pcd dir=%s encoding=ascii"},
    {"kittibin", "synth frames=3 camera=false columns=90 ! kittibin dir=%s"},
    {"mcap", "synth frames=3 width=32 height=24 columns=90 ! mcap "
             "path=%s/out.mcap chunk_kb=1"},
    {"null",
     "synth frames=3 width=32 height=24 columns=90 ! queue depth=2 ! null"},
};
#define NSINKS (sizeof sinks / sizeof sinks[0])

/* The status a failure of kind @p k must give. */
static int expected_status(int k)
{
    return k == K_ALLOC || k == K_MMAP ? SP_ENOMEM : SP_EIO;
}

static void inject(const sink_case *sc, int k, int err, uint64_t most)
{
    char launch[1024];
    snprintf(launch, sizeof launch, sc->launch, outdir);
    outcome o;
    uint64_t n = run_pipeline(launch, k, 0, 0, &o); /* counting pass */
    if (o.rc != SP_OK) {
        print_error("%s: the run without injection failed (%d): %s\n", sc->name,
                    o.rc, o.msg);
        fail();
    }
    size_t whole = o.files;
    if (n == 0) {
        print_message("  %-9s %-13s: no call to fail\n", sc->name,
                      kind_name[k]);
        return;
    }
    uint64_t runs = n < most ? n : most, ok_runs = 0;
    char example[160] = "";
    for (uint64_t i = 0; i < runs; i++) {
        uint64_t at = nth(i, n, most);
        run_pipeline(launch, k, at, err, &o);
        int did = atomic_load(&failed);
        if (o.rc == SP_OK) {
            /* A failure the library may ignore: closing its write probe,
             * a failed mmap it falls back from. The output is then whole. */
            if (k != K_CLOSE && k != K_MMAP && did) {
                print_error("%s: %s #%llu failed, yet the run succeeded\n",
                            sc->name, kind_name[k], (unsigned long long)at);
                fail();
            }
            ok_runs++;
            continue;
        }
        int want = expected_status(k);
        const char *must = k == K_ALLOC || k == K_MMAP ? NULL : outdir;
        if (k == K_MMAP && !strstr(o.msg, "pool '")) {
            print_error("%s: mmap #%llu: the message names no pool: %s\n",
                        sc->name, (unsigned long long)at, o.msg);
            fail();
        }
        if (o.rc != want || !o.msg[0] || (must && !strstr(o.msg, must)) ||
            (err == ENOSPC && k == K_WRITE &&
             !strstr(o.msg, strerror(ENOSPC)))) {
            print_error("%s: %s #%llu of %llu: status %d (%s), expected %d "
                        "naming %s: %s\n",
                        sc->name, kind_name[k], (unsigned long long)at,
                        (unsigned long long)n, o.rc, sp_status_name(o.rc), want,
                        must ? must : "what failed", o.msg);
            fail();
        }
        if (!example[0])
            snprintf(example, sizeof example, "%.150s", o.msg);
        /* The file that failed is not there (null writes none). */
        assert_true(o.files < whole || whole == 0);
    }
    print_message("  %-9s %-13s: %llu calls, %llu failed in turn (%llu ended "
                  "well); first: %s\n",
                  sc->name, kind_name[k], (unsigned long long)n,
                  (unsigned long long)runs, (unsigned long long)ok_runs,
                  example);
}

static void test_sinks_write_failures(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSINKS; s++) {
        inject(&sinks[s], K_WRITE, ENOSPC, 64);
        inject(&sinks[s], K_OPEN, EACCES, 16);
        inject(&sinks[s], K_RENAME, EXDEV, 16);
        inject(&sinks[s], K_CLOSE, EIO, 64);
        inject(&sinks[s], K_FSYNC, EIO, 16);
    }
}

static void test_sinks_allocation_failures(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSINKS; s++) {
        inject(&sinks[s], K_ALLOC, ENOMEM, 160);
        inject(&sinks[s], K_MMAP, ENOMEM, 32);
    }
}

/* ---- the pool manager on its own ---- */

static void test_poolmgr_failures(void **state)
{
    (void)state;
    /* create: each allocation in turn */
    sp_poolmgr *mgr = NULL;
    arm(K_ALLOC, 0, 0);
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    uint64_t n = disarm(K_ALLOC);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    for (uint64_t i = 1; i <= n; i++) {
        mgr = (sp_poolmgr *)1;
        arm(K_ALLOC, i, ENOMEM);
        int rc = sp_poolmgr_create(NULL, &mgr);
        disarm(K_ALLOC);
        assert_int_equal(rc, SP_ENOMEM);
        assert_null(mgr);
        iot_msg_has("pool manager", NULL);
    }
    /* acquire: a new size class (the pool, its name, a block header) and
     * the block's memory, each in turn; then the manager still serves
     * and goes idle. */
    for (int k = K_ALLOC; k <= K_MMAP; k++) {
        sp_poolmgr_desc md = {.budget_bytes = 8u << 20, .no_lock = 1};
        assert_int_equal(sp_poolmgr_create(&md, &mgr), SP_OK);
        sp_block *b = NULL;
        arm(k, 0, 0);
        assert_int_equal(sp_poolmgr_acquire(mgr, 100000, &b), SP_OK);
        n = disarm(k);
        sp_block_unref(b);
        assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
        assert_true(n > 0);
        for (uint64_t i = 1; i <= n; i++) {
            assert_int_equal(sp_poolmgr_create(&md, &mgr), SP_OK);
            b = (sp_block *)1;
            arm(k, i, ENOMEM);
            int rc = sp_poolmgr_acquire(mgr, 100000, &b);
            disarm(k);
            assert_int_equal(rc, SP_ENOMEM);
            assert_null(b);
            iot_msg_has("pool", NULL);
            if (k == K_MMAP)
                iot_msg_has("pool '", "cannot map", NULL);
            /* Nothing is out; the next acquire works. */
            for (size_t p = 0; p < sp_poolmgr_pool_count(mgr); p++) {
                sp_pool_stats st;
                assert_int_equal(sp_poolmgr_stats_get(mgr, p, &st), SP_OK);
                assert_int_equal(st.in_use, 0);
            }
            assert_int_equal(sp_poolmgr_acquire(mgr, 100000, &b), SP_OK);
            sp_block_unref(b);
            assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
        }
        print_message("  pool manager acquire: %llu %s calls failed in "
                      "turn\n",
                      (unsigned long long)n, kind_name[k]);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(outdir, sizeof outdir, "%s", iot_tmp("out"));
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poolmgr_failures),
        cmocka_unit_test(test_sinks_write_failures),
        cmocka_unit_test(test_sinks_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
