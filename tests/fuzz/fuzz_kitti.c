/* libFuzzer target: the KITTI layout (io/kitti.c) on a folder tree built
 * from the input (fuzz_tree.h: file names, sizes, timestamps.txt, times.txt
 * and calibration files of raw drives, object sets and odometry
 * sequences). The first 4 bytes are the descriptor: streams (one of
 * STREAMS), start (byte % 4), count (byte % 4), step (0..2, 0xFF: -1).
 * sp_kitti_create on the tree's root, then every frame (up to MAX_FRAMES):
 * its shape, its points or pixels (into exact-size memory), its
 * calibration. Promises checked (sp_kitti.h):
 *  - a refusal carries a message and leaves *out NULL;
 *  - the frame count is the sum of the streams' selected frames, frames
 *    come in timestamp order (ties: stream order), each names a file
 *    under the root, a stream's first/last times bound its frames;
 *  - a velodyne frame's points are its file size / 16; a camera frame is
 *    refused as points (SP_EINVAL) and vice versa;
 *  - calibration is SP_OK (flags set or not) or SP_EFORMAT naming a file.
 * Memory stays bounded by the input: .bin files are at most its size and
 * images come from PNGs no larger than HARNESS_MAX_PIXELS. */
#include "fuzz_tree.h"

#include "sp_kitti.h"

#define MAX_FRAMES 48
#define HARNESS_MAX_PIXELS (1u << 22)

static const char *const TEMPLATES[] = {
    /* raw drive */
    "velodyne_points/data/%s.bin", "image_00/data/%s.png",
    "image_01/data/%s.png", "image_02/data/%s.png", "image_03/data/%s.png",
    "velodyne_points/timestamps.txt", "image_00/timestamps.txt",
    "image_02/timestamps.txt", "image_03/timestamps.txt",
    "calib_cam_to_cam.txt", "calib_velo_to_cam.txt",
    "../calib_cam_to_cam.txt", "../calib_velo_to_cam.txt",
    "velodyne_points/data/%s", "image_02/data/%s.txt", "image_01/data/",
    /* object sets and odometry sequences */
    "training/velodyne/%s.bin", "training/image_2/%s.png",
    "training/image_3/%s.png", "training/calib/%s.txt",
    "testing/velodyne/%s.bin", "velodyne/%s.bin", "image_2/%s.png",
    "image_0/%s.png", "image_1/%s.png", "calib/%s.txt", "calib.txt",
    "times.txt", "calib/", "training/calib.txt"};
#define NTEMPLATES (sizeof TEMPLATES / sizeof TEMPLATES[0])

static const char *const STREAMS[] = {
    NULL,       "velodyne",          "image_02", "velodyne,image_02",
    "image_2,image_3", "image_00,image_01", "velodyne,bogus", ""};

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_kitti: %s (status %d: %s)\n", what, rc,
            sp_errmsg());
    abort();
}

static void read_points(sp_kitti *k, size_t i, const sp_kitti_frame *f)
{
    size_t n = 0;
    int rc = sp_kitti_points_shape(k, i, &n);
    if (rc != SP_OK) {
        if (!sp_errmsg()[0])
            fail("points shape refused without a message", rc);
        return;
    }
    struct stat st;
    if (stat(f->path, &st) != 0 || (uint64_t)st.st_size != (uint64_t)n * 16)
        fail("points are not the file size / 16", 0);
    size_t bytes = sp_points_block_size(n ? n : 1, 0);
    void *mem = aligned_alloc(SP_ARRAY_ALIGN, (bytes + 63) & ~(size_t)63);
    if (!mem)
        abort();
    sp_points p;
    if (sp_points_init(&p, mem, bytes, n ? n : 1, 0) != SP_OK)
        abort();
    rc = sp_kitti_points_read(k, i, &p);
    if (rc != SP_OK || p.count != n)
        fail("reading points of an accepted shape failed", rc);
    free(mem);
    uint32_t w, h;
    sp_pixfmt fmt;
    if (sp_kitti_image_shape(k, i, &w, &h, &fmt) != SP_EINVAL)
        fail("a velodyne frame was not refused as an image", 0);
}

static void read_image(sp_kitti *k, size_t i)
{
    uint32_t w = 0, h = 0;
    sp_pixfmt fmt;
    int rc = sp_kitti_image_shape(k, i, &w, &h, &fmt);
    if (rc != SP_OK) {
        if (!sp_errmsg()[0])
            fail("image shape refused without a message", rc);
        return;
    }
    if ((uint64_t)w * h > HARNESS_MAX_PIXELS)
        return;
    size_t bytes = sp_image_block_size(w, h, fmt, 0);
    if (bytes == 0)
        fail("image shape is not a valid image", 0);
    void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!mem)
        abort();
    sp_image img;
    if (sp_image_init(&img, mem, bytes, w, h, fmt, 0) != SP_OK)
        abort();
    rc = sp_kitti_image_read(k, i, &img);
    if (rc != SP_OK && !sp_errmsg()[0])
        fail("image read refused without a message", rc);
    free(mem);
    size_t n;
    if (sp_kitti_points_shape(k, i, &n) != SP_EINVAL)
        fail("a camera frame was not refused as points", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    sp_kitti_desc d = {
        .streams = STREAMS[data[0] % (sizeof STREAMS / sizeof STREAMS[0])],
        .start = data[1] % 4,
        .count = data[2] % 4,
        .step = data[3] == 0xFF ? -1 : data[3] % 3,
    };
    ft_build(data + 4, size - 4, TEMPLATES, NTEMPLATES);

    sp_kitti *k = (sp_kitti *)1;
    int rc = sp_kitti_create(ft_root, &d, &k);
    if (getenv("SP_FUZZ_VERBOSE")) /* replaying a seed: what it opened */
        fprintf(stderr, "%s: status %d %s\n", ft_root, rc,
                rc ? sp_errmsg() : "");
    if (rc != SP_OK) {
        if (k || !sp_errmsg()[0])
            fail("a refusal left a handle or had no message", rc);
        return 0;
    }
    size_t total = 0, ns = sp_kitti_stream_count(k);
    for (size_t s = 0; s < ns; s++) {
        sp_kitti_stream_info si;
        if (sp_kitti_stream_get(k, s, &si) != SP_OK)
            fail("stream_get failed", 0);
        if (si.frames > si.files || (si.frames && si.t_first > si.t_last))
            fail("stream info is inconsistent", 0);
        total += si.frames;
    }
    size_t nf = sp_kitti_frame_count(k);
    if (nf != total || nf == 0)
        fail("frame count is not the sum of the streams' frames", 0);
    const char *note = sp_kitti_note(k);
    if (!note)
        fail("note is NULL", 0);
    sp_kitti_frame prev = {0};
    for (size_t i = 0; i < nf; i++) {
        sp_kitti_frame f;
        if (sp_kitti_frame_get(k, i, &f) != SP_OK || !f.path ||
            strncmp(f.path, ft_root, strlen(ft_root)) != 0 || f.stream >= ns)
            fail("a frame is not a file of a stream under the root", 0);
        if (i > 0 && (f.timestamp_ns < prev.timestamp_ns ||
                      (f.timestamp_ns == prev.timestamp_ns &&
                       f.stream < prev.stream)))
            fail("frames are not in timestamp order", 0);
        sp_kitti_stream_info si;
        sp_kitti_stream_get(k, f.stream, &si);
        if (f.timestamp_ns < si.t_first || f.timestamp_ns > si.t_last)
            fail("a frame's time is outside its stream's span", 0);
        prev = f;
        if (i >= MAX_FRAMES)
            continue;
        if (f.is_camera)
            read_image(k, i);
        else
            read_points(k, i, &f);
        const sp_calib *c = NULL;
        rc = sp_kitti_calib_get(k, i, &c);
        if (rc == SP_OK ? c == NULL
                        : rc != SP_EFORMAT || !strstr(sp_errmsg(), ft_base))
            fail("calibration is neither there nor refused naming a file", rc);
    }
    sp_kitti_frame f;
    if (sp_kitti_frame_get(k, nf, &f) == SP_OK)
        fail("a frame past the end was returned", 0);
    sp_kitti_destroy(k);
    return 0;
}
