/* ctest-label: pipeline */
/* ctest-timeout: 300 */
/* The demo (`sensorpipe` with no arguments) as a new user meets it: it
 * writes under 100 MB, says where and how much, counts sweeps and camera
 * frames apart from the rasters derived from them, and removes what a
 * previous demo wrote (and only that) before writing again. Its range
 * images have no empty column or row (cols=auto on the synthetic lidar). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_npy.h"

static char exe[4096], out[1 << 16], dir[900];

static int run_demo(void)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' 2>&1", dir, exe);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Bytes of regular files under @p path, recursively. */
static unsigned long long du(const char *path, unsigned long long *files)
{
    DIR *d = opendir(path);
    unsigned long long sum = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            sum += du(p, files);
        } else if (S_ISREG(st.st_mode)) {
            sum += (unsigned long long)st.st_size;
            ++*files;
        }
    }
    closedir(d);
    return sum;
}

static int exists(const char *rel)
{
    char p[2048];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return stat(p, &st) == 0;
}

static void has(const char *what)
{
    if (!strstr(out, what))
        fail_msg("the demo's output lacks '%s':\n%s", what, out);
}

static void test_demo(void **state)
{
    (void)state;
    const char *bin = getenv("SP_TEST_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", bin ? bin : ".");
    if (access(exe, X_OK) != 0) {
        print_message("skipped: %s not built\n", exe);
        skip();
    }
    snprintf(dir, sizeof dir, "%s", iot_tmp("demo"));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);

    assert_int_equal(run_demo(), 0);
    has("8 lidar sweeps and 8 camera frames in");
    has("16 sensor frames and 32 derived rasters out");
    has("the sensors' own data, processed:");
    has("derived from them:");
    has("overlay/image_02");
    has("cols=auto: 1800 columns");
    char where[1200];
    snprintf(where, sizeof where, "files under %s/sensorpipe-demo/", dir);
    has(where);
    char demo[1100];
    snprintf(demo, sizeof demo, "%s/sensorpipe-demo", dir);
    unsigned long long files = 0, bytes = du(demo, &files);
    double mb = (double)bytes / (1024.0 * 1024.0);
    print_message("the demo wrote %.1f MB in %llu files\n", mb, files);
    assert_true(mb <= 100.0);
    char said[128];
    snprintf(said, sizeof said, "wrote %.1f MB in %llu files", mb, files);
    has(said);
    assert_true(exists("sensorpipe-demo/overlay/image_02/000007.png"));
    assert_true(exists("sensorpipe-demo/bev/000000_c2.png"));

    /* The range image follows the sensor: 1800 columns, none empty, no
     * empty row either. */
    char p[2048];
    snprintf(p, sizeof p, "%s/range/000000.npy", demo);
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(p, &h), SP_OK);
    assert_int_equal(h.ndim, 3);
    assert_int_equal(h.shape[0], 5);
    assert_int_equal(h.shape[1], 64);
    assert_int_equal(h.shape[2], 1800);
    float *r = malloc(h.data_bytes);
    assert_int_equal(sp_npy_read(p, &h, r, h.data_bytes), SP_OK);
    for (size_t c = 0; c < 1800; c++) {
        int any = 0;
        for (size_t y = 0; y < 64 && !any; y++)
            any = r[y * 1800 + c] >= 0;
        if (!any)
            fail_msg("range column %zu is empty", c);
    }
    for (size_t y = 0; y < 64; y++) {
        size_t filled = 0;
        for (size_t c = 0; c < 1800; c++)
            filled += r[y * 1800 + c] >= 0;
        /* drop-outs only (glass, far, weak returns) */
        if (filled < 1800 / 2)
            fail_msg("range row %zu has %zu of 1800 pixels", y, filled);
    }
    free(r);

    /* A second run removes the first's files, and only those: a file of
     * another name in a stream folder, and anything outside the stream
     * folders, stay. */
    snprintf(p, sizeof p, "%s/bev/999999.npy", demo);
    iot_write_str(p, "an old demo array");
    snprintf(p, sizeof p, "%s/bev/notes.txt", demo);
    iot_write_str(p, "mine");
    snprintf(p, sizeof p, "%s/README.mine", demo);
    iot_write_str(p, "mine too");
    assert_int_equal(run_demo(), 0);
    char removed[128];
    snprintf(removed, sizeof removed,
             "removed the previous demo's output: %llu files", files + 1);
    has(removed);
    has("left 1 file there that the demo did not write, e.g. "
        "sensorpipe-demo/bev/notes.txt");
    assert_false(exists("sensorpipe-demo/bev/999999.npy"));
    assert_true(exists("sensorpipe-demo/bev/notes.txt"));
    assert_true(exists("sensorpipe-demo/README.mine"));
    unsigned long long files2 = 0;
    du(demo, &files2);
    assert_int_equal(files2, files + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
