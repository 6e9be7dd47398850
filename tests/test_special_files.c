/* ctest-label: io */
/* Files that are not what a reader or writer expects.
 *
 * - A FIFO, a device, a folder where a file is read: every reader (PCD,
 *   PNG, raw, .bin, npy, timestamps, calibration, the log containers and
 *   their probes, `info`, and the stages given such a path) refuses it at
 *   once, naming what it is. Before, opening a FIFO waited for a writer
 *   forever; an alarm turns such a hang into a failure here.
 * - A loop of symbolic links says so, not "no such file".
 * - A file or symbolic link planted at the name a writer's temporary file
 *   or a sink's write probe will take is never opened, truncated or
 *   written through: the target keeps its bytes, the output still lands
 *   (the next name is taken) and, when every name is taken, the message
 *   says so. sp_file_prepare() makes an output's folders and proves them
 *   writable the same way. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomic_file_int.h"
#include "sp_bin.h"
#include "sp_file.h"
#include "sp_iotest.h"
#include "sp_kitti.h"
#include "sp_log.h"
#include "sp_loginfo.h"
#include "sp_npy.h"
#include "sp_pcd.h"
#include "sp_pipeline.h"
#include "sp_png.h"
#include "sp_pngseq.h"
#include "sp_rawimg.h"

/* Every call here must return at once: a reader that waits on a FIFO is
 * killed by the alarm, and the test fails instead of hanging CI. */
#define WATCHDOG_S 60

static char fifo[1100], dir[1024];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", iot_tmp("special"));
    iot_rmdir(dir);
    iot_mkdirs(dir);
    snprintf(fifo, sizeof fifo, "%s/p", dir);
    if (mkfifo(fifo, 0600) != 0)
        return -1;
    alarm(WATCHDOG_S);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

static const char *in_dir(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* The pipeline must fail at create with a message holding @p what. */
static void launch_refused(const char *launch, const char *what)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc >= 0)
        fail_msg("'%s' was accepted", launch);
    assert_null(p);
    if (strstr(sp_errmsg(), what) == NULL)
        fail_msg("'%s': message \"%s\" lacks \"%s\"", launch, sp_errmsg(),
                 what);
}

static void test_fifo_refused_by_every_reader(void **state)
{
    (void)state;
    static const char *const is_fifo = "is a FIFO (named pipe), expected";

    sp_pcd_reader *pr = NULL;
    assert_int_equal(sp_pcd_reader_create(fifo, &pr), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);

    sp_png_info info;
    assert_int_equal(sp_png_probe(NULL, fifo, &info), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);
    sp_pngseq *ps = NULL;
    assert_true(sp_pngseq_create(fifo, &ps) < 0);
    iot_msg_has(fifo, is_fifo, NULL);

    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(fifo, &h), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);

    sp_bin_reader *br = NULL;
    assert_true(sp_bin_reader_create(fifo, NULL, &br) < 0);
    iot_msg_has(fifo, is_fifo, NULL);

    sp_raw_desc rd = {.width = 4, .height = 4, .format = SP_PIX_GRAY8};
    sp_raw_reader *rr = NULL;
    assert_true(sp_raw_reader_create(fifo, &rd, &rr) < 0);
    iot_msg_has(fifo, is_fifo, NULL);

    int64_t *t = NULL;
    size_t nt = 0;
    assert_int_equal(sp_timestamps_load(fifo, &t, &nt), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);

    sp_calib c;
    assert_int_equal(sp_calib_load_kitti(fifo, &c), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);
    assert_int_equal(sp_calib_load_kitti_raw(fifo, 2, &c), SP_EINVAL);
    iot_msg_has(fifo, is_fifo, NULL);

    /* The log containers and the probe that picks one. */
    sp_log *log = NULL;
    assert_true(sp_log_open(fifo, NULL, &log) < 0);
    assert_null(log);
    iot_msg_has(fifo, is_fifo, NULL);
    sp_loginfo *li = calloc(1, sizeof *li);
    assert_non_null(li);
    assert_true(sp_loginfo_probe(fifo, 4, li) < 0);
    iot_msg_has(fifo, is_fifo, NULL);
    free(li);
}

static void test_fifo_refused_by_stages(void **state)
{
    (void)state;
    char launch[1400];
    static const char *const srcs[] = {
        "pcd path=%s ! null",
        "pngs path=%s ! null",
        "bin path=%s ! null",
        "raw path=%s width=4 height=4 format=gray8 ! null",
        "bag path=%s ! null",
        "synth frames=1 camera=false ! project calib=%s width=8 height=8",
        "synth frames=1 lidar=false ! undistort calib=%s",
    };
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        snprintf(launch, sizeof launch, srcs[i], fifo);
        launch_refused(launch, "is a FIFO (named pipe)");
    }
}

/* A FIFO inside a log folder or a KITTI-like folder: the folder's readers
 * and probes pass over it or refuse it, never wait on it. */
static void test_fifo_inside_folders(void **state)
{
    (void)state;
    /* rosbag2: metadata.yaml and a .db3 as FIFOs. */
    const char *r2 = in_dir("r2");
    iot_mkdirs(r2);
    char p[1400];
    snprintf(p, sizeof p, "%s/metadata.yaml", r2);
    assert_int_equal(mkfifo(p, 0600), 0);
    sp_log *log = NULL;
    assert_true(sp_log_open(r2, NULL, &log) < 0);
    const char *r2b = in_dir("r2b");
    iot_mkdirs(r2b);
    snprintf(p, sizeof p, "%s/x_0.db3", r2b);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_true(sp_log_open(r2b, NULL, &log) < 0);
    assert_null(log);

    /* A folder of .pcd files where one name is a FIFO: the listing keeps
     * regular files only. */
    const char *pcds = in_dir("pcds");
    iot_mkdirs(pcds);
    snprintf(p, sizeof p, "%s/000000.pcd", pcds);
    assert_int_equal(mkfifo(p, 0600), 0);
    sp_pcd_reader *pr = NULL;
    assert_int_equal(sp_pcd_reader_create(pcds, &pr), SP_ENOTFOUND);
    iot_msg_has("holds no .pcd files", NULL);

    /* timestamps.txt beside the frames is a FIFO. (Through a pcd source
     * this also fails at init, after the reader is made: that path leaks
     * the reader until a failed init is unwound, issue 10 defect 5, so it
     * is checked on the loader here.) */
    snprintf(p, sizeof p, "%s/timestamps.txt", pcds);
    assert_int_equal(mkfifo(p, 0600), 0);
    int64_t *t = NULL;
    size_t nt = 0;
    assert_int_equal(sp_timestamps_load(p, &t, &nt), SP_EINVAL);
    iot_msg_has("timestamps.txt: is a FIFO", NULL);
}

static void test_devices_and_folders(void **state)
{
    (void)state;
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header("/dev/null", &h), SP_EINVAL);
    iot_msg_has("/dev/null: is a character device, expected a regular file",
                NULL);
    sp_calib c;
    assert_int_equal(sp_calib_load_kitti("/dev/zero", &c), SP_EINVAL);
    iot_msg_has("/dev/zero: is a character device", NULL);
    /* A folder where a file is read. */
    assert_int_equal(sp_npy_read_header(dir, &h), SP_EINVAL);
    iot_msg_has("is a folder, expected a regular file", NULL);
    assert_int_equal(sp_calib_load_kitti(dir, &c), SP_EINVAL);
    iot_msg_has("is a folder, expected a regular file", NULL);
}

static void test_symlink_loop(void **state)
{
    (void)state;
    const char *a = in_dir("loop_a.pcd"), *b = in_dir("loop_b.pcd");
    assert_int_equal(symlink(b, a), 0);
    assert_int_equal(symlink(a, b), 0);
    sp_pcd_reader *pr = NULL;
    assert_int_equal(sp_pcd_reader_create(a, &pr), SP_EIO);
    iot_msg_has(a, "too many levels of symbolic links (a symlink loop)", NULL);
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(a, &h), SP_EIO);
    iot_msg_has(a, "symlink loop", NULL);
    sp_log *log = NULL;
    assert_true(sp_log_open(a, NULL, &log) < 0);
    iot_msg_has(a, "symlink loop", NULL);
    /* A plain missing file is still "no such file". */
    assert_int_equal(sp_npy_read_header(in_dir("none.npy"), &h), SP_ENOTFOUND);
    iot_msg_has("none.npy: no such file", NULL);
}

/* ---- temporaries and probes never write through what is there ---- */

static const char victim_text[] = "someone else's file\n";

static void check_victim(const char *victim)
{
    FILE *f = fopen(victim, "r");
    assert_non_null(f);
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, victim_text);
}

/* The name sp__afile_open() will try next for @p path, found by opening
 * and aborting one (the counter is the process's). */
static unsigned next_counter(const char *path)
{
    sp__afile f;
    assert_int_equal(sp__afile_open(&f, path), SP_OK);
    const char *dot = strrchr(f.tmp, '.');
    unsigned n = (unsigned)strtoul(dot + 1, NULL, 10);
    sp__afile_abort(&f);
    return n + 1;
}

static void plant(const char *out, unsigned from, unsigned count,
                  const char *victim)
{
    const char *slash = strrchr(out, '/');
    for (unsigned i = 0; i < count; i++) {
        char name[1400];
        snprintf(name, sizeof name, "%.*s.%s.tmp.%ld.%u",
                 (int)(slash - out + 1), out, slash + 1, (long)getpid(),
                 from + i);
        assert_int_equal(symlink(victim, name), 0);
    }
}

static void test_planted_links_at_temporary_names(void **state)
{
    (void)state;
    const char *victim = in_dir("victim.txt");
    iot_write_str(victim, victim_text);
    float x[1] = {1}, y[1] = {2}, z[1] = {3}, in[1] = {4};
    sp_points pts = {
        .x = x, .y = y, .z = z, .intensity = in, .count = 1, .capacity = 1};

    /* One name taken: the write takes the next, the target is untouched. */
    const char *out = in_dir("a.pcd");
    plant(out, next_counter(out), 1, victim);
    sp_pcd_writer *w = NULL;
    assert_int_equal(sp_pcd_writer_create(&w), SP_OK);
    assert_int_equal(sp_pcd_writer_write(w, out, &pts, SP_PCD_ASCII), SP_OK);
    check_victim(victim);
    sp_pcd_header hdr;
    assert_int_equal(sp_pcd_header_read(out, &hdr), SP_OK);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    /* Created 0644 (less what the umask takes away). */
    mode_t um = umask(0);
    umask(um);
    assert_int_equal(st.st_mode & 0777, 0644 & ~um);

    /* Every name taken: a clear refusal, nothing written anywhere. */
    const char *out2 = in_dir("b.pcd");
    plant(out2, next_counter(out2), 16, victim);
    assert_int_equal(sp_pcd_writer_write(w, out2, &pts, SP_PCD_ASCII), SP_EIO);
    iot_msg_has(out2, "names from",
                "are taken by files or links already "
                "there (left untouched)",
                NULL);
    check_victim(victim);
    assert_int_equal(access(out2, F_OK), -1);
    sp_pcd_writer_destroy(w);

    /* The npy writer and the MCAP writer take the same path. */
    const char *out3 = in_dir("c.npy");
    plant(out3, next_counter(out3), 16, victim);
    assert_int_equal(sp_npy_write_points(out3, &pts, 0), SP_EIO);
    check_victim(victim);
}

/* A sink's write probe in its folder: a link planted at its name is left
 * alone and the folder still counts as writable. */
static void test_planted_link_at_probe(void **state)
{
    (void)state;
    const char *victim = in_dir("victim2.txt");
    iot_write_str(victim, victim_text);
    const char *outdir = in_dir("probe_out");
    iot_mkdirs(outdir);
    char probe[1400];
    snprintf(probe, sizeof probe, "%s/sensorpipe-probe", outdir);
    plant(probe, next_counter(probe), 1, victim);
    /* And the name the probe had before, opened with O_TRUNC. */
    char old[1400];
    snprintf(old, sizeof old, "%s/.sensorpipe-probe.%ld", outdir,
             (long)getpid());
    assert_int_equal(symlink(victim, old), 0);
    char launch[1500];
    snprintf(launch, sizeof launch, "synth frames=1 camera=false ! npy dir=%s",
             outdir);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    check_victim(victim);
    /* Every probe name taken: refused at create, naming the folder. */
    plant(probe, next_counter(probe), 16, victim);
    p = NULL;
    assert_true(sp_pipeline_create(launch, NULL, &p) < 0);
    iot_msg_has("cannot write files there", "taken by files or links", NULL);
    check_victim(victim);
}

/* sp_file_prepare(): the folders of a new output are made and the folder
 * proved writable, leaving no file there; a planted link at the probe's
 * name is not written through; a FIFO where a folder should be is
 * refused naming the path. */
static void test_file_prepare(void **state)
{
    (void)state;
    const char *out = in_dir("made/a/out.json");
    assert_int_equal(sp_file_prepare(out), SP_OK);
    struct stat sb;
    assert_int_equal(stat(in_dir("made/a"), &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    DIR *d = opendir(in_dir("made/a"));
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    assert_int_equal(entries, 0);
    const char *victim = in_dir("victim.txt");
    iot_write_str(victim, victim_text);
    plant(out, next_counter(out), 1, victim);
    assert_int_equal(sp_file_prepare(out), SP_OK);
    check_victim(victim);
    assert_int_equal(sp_file_write_atomic(out, "{}", 2), SP_OK);
    assert_int_equal(access(out, F_OK), 0);
    assert_int_equal(sp_file_prepare(in_dir("p/x.json")), SP_EIO);
    iot_msg_has("p/x.json", "cannot create", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_fifo_refused_by_every_reader),
        T(test_fifo_refused_by_stages),
        T(test_fifo_inside_folders),
        T(test_devices_and_folders),
        T(test_symlink_loop),
        T(test_planted_links_at_temporary_names),
        T(test_planted_link_at_probe),
        T(test_file_prepare),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
