/* sensorpipe vs OpenCV on the same images, in the same process, one thread
 * (cv::setNumThreads(1); sensorpipe's CPU back-ends run on the calling
 * thread):
 *   debayer bilinear RGGB8 -> BGR8   vs cv::cvtColor(COLOR_BayerBG2BGR)
 *       (OpenCV names a pattern by its second row: BG = an RGGB sensor)
 *   resize linear RGB8 -> 640x384    vs cv::resize(INTER_LINEAR)
 *   normalize RGB8 640x384 -> float CHW, ImageNet mean/std
 *                                    vs cv::dnn::blobFromImage(img, blob,
 *       1/255, Size(), mean*255, swapRB=false, crop=false, CV_32F) then each
 *       of the 3 channel planes of the blob multiplied by 1/std[c] in place
 *       (blobFromImage computes (px - mean) * scale and has no std, so the
 *       division is the extra step a user must take; both are timed).
 * Inputs: random mosaics/images of 1242x375 (KITTI) and 1920x1080; both
 * libraries read the same bytes (OpenCV's Mat wraps sensorpipe's image
 * memory, stride included) and write into outputs allocated once. Each row
 * also says how far the two outputs are apart: differing bytes (debayer:
 * interior pixels only, the borders are documented to differ; resize: all)
 * and the largest |difference| of the normalised floats.
 *
 *   opencv_compare [--runs N] [--quick] [--cputime] [--json] */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "bench_util.h"
#include "compare_backends.h"
#include "compare_opts.h"
#include "sp_debayer.h"
#include "sp_kernels.h"
#include "sp_normalize.h"
#include "sp_resize.h"
#include "sp_status.h"

namespace {

struct Img {
    sp_image im{};
    uint8_t *mem = nullptr;
    Img(uint32_t w, uint32_t h, sp_pixfmt f, uint32_t seed)
    {
        size_t size = sp_image_block_size(w, h, f, 0);
        mem = static_cast<uint8_t *>(aligned_alloc(64, (size + 63) & ~size_t(63)));
        if (!mem || sp_image_init(&im, mem, size, w, h, f, 0) != SP_OK) {
            fprintf(stderr, "opencv_compare: cannot allocate %ux%u\n", w, h);
            exit(1);
        }
        uint32_t s = seed;
        for (size_t i = 0; i < size; i++) {
            s = s * 1103515245u + 12345u;
            mem[i] = uint8_t(s >> 16);
        }
    }
    ~Img() { free(mem); }
    Img(const Img &) = delete;
    Img &operator=(const Img &) = delete;
    cv::Mat mat() const
    {
        int type = im.format == SP_PIX_RGB8 || im.format == SP_PIX_BGR8
                       ? CV_8UC3
                       : CV_8UC1;
        return cv::Mat(int(im.height), int(im.width), type, im.data, im.stride);
    }
};

enum Kind { DEBAYER, RESIZE, NORMALIZE };

struct Job {
    Kind kind;
    sp_kctx *k = nullptr;
    const sp_image *src = nullptr;
    sp_image *dst = nullptr;
    sp_tensor *t = nullptr;
    sp_debayer_desc db{};
    /* OpenCV */
    cv::Mat csrc, cdst;
    cv::Size csize;
    cv::Scalar mean;
    float inv_std[3];
};

int run_sp(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    switch (j->kind) {
    case DEBAYER:
        return sp_debayer(j->k, &j->db, j->src, j->dst);
    case RESIZE:
        return sp_resize(j->k, j->src, j->dst, SP_RESIZE_LINEAR);
    default:
        return sp_normalize(j->k, nullptr, j->src, j->t);
    }
}

int run_cv(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    switch (j->kind) {
    case DEBAYER:
        cv::cvtColor(j->csrc, j->cdst, cv::COLOR_BayerBG2BGR);
        break;
    case RESIZE:
        cv::resize(j->csrc, j->cdst, j->csize, 0, 0, cv::INTER_LINEAR);
        break;
    default: {
        cv::dnn::blobFromImage(j->csrc, j->cdst, 1.0 / 255.0, cv::Size(),
                               j->mean, false, false, CV_32F);
        /* The blob is 1 x 3 x H x W: scale each channel plane by 1/std. */
        int h = j->csrc.rows, w = j->csrc.cols;
        for (int c = 0; c < 3; c++) {
            cv::Mat plane(h, w, CV_32F, j->cdst.ptr<float>(0, c));
            plane *= j->inv_std[c];
        }
        break;
    }
    }
    return 0;
}

double median(const Opts &o, bench_fn fn, void *arg)
{
    int warm = o.quick ? 3 : 10;
    return o.cputime ? bench_median_cpu_ms(fn, arg, warm, o.runs)
                     : bench_median_ms(fn, arg, warm, o.runs);
}

int failures = 0;

void row(const Opts &o, const char *op, const char *size, const char *be,
         double sp_ms, const char *ref, double cv_ms, const char *diff)
{
    double ratio = sp_ms > 0 ? cv_ms / sp_ms : 0.0;
    if (o.json)
        printf("{\"compare\":\"%s\",\"input\":\"%s\",\"backend\":\"%s\","
               "\"median_ms\":%.4f,\"ref\":\"%s\",\"ref_median_ms\":%.4f,"
               "\"ref_over_ours\":%.3f,\"difference\":\"%s\"}\n",
               op, size, be, sp_ms, ref, cv_ms, ratio, diff);
    else
        printf("%-10s %-20s %-7s %9.4f %-22s %9.4f %7.2fx  %s\n", op, size, be,
               sp_ms, ref, cv_ms, ratio, diff);
}

/* Times OpenCV once and each back-end; diff(j) describes the outputs. */
template <class Diff>
void measure(const Opts &o, Job &j, std::vector<Backend> &bs, const char *op,
             const char *size, const char *ref, Diff diff)
{
    double cv_ms = median(o, run_cv, &j);
    for (Backend &b : bs) {
        j.k = b.k;
        double ms = median(o, run_sp, &j);
        if (ms < 0) {
            fprintf(stderr, "opencv_compare: %s %s on %s: %s\n", op, size,
                    b.name, sp_errmsg());
            failures++;
            continue;
        }
        std::string d = diff(j);
        row(o, op, size, b.name, ms, ref, cv_ms, d.c_str());
    }
}

/* Bytes that differ between an sp_image and a Mat of the same shape, over
 * rows/columns [border, size - border). */
size_t differing(const sp_image &a, const cv::Mat &b, int border)
{
    size_t n = 0, bpp = size_t(b.elemSize());
    for (int y = border; y < int(a.height) - border; y++) {
        const uint8_t *p = a.data + size_t(y) * a.stride;
        const uint8_t *q = b.ptr<uint8_t>(y);
        for (size_t x = size_t(border) * bpp; x < (a.width - size_t(border)) * bpp; x++)
            n += p[x] != q[x];
    }
    return n;
}

} // namespace

int main(int argc, char **argv)
{
    Opts o;
    if (int rc = compare_parse_opts(argc, argv, "opencv_compare", o))
        return rc;
    cv::setNumThreads(1);
    std::vector<Backend> bs = make_backends();
    if (!o.json) {
        double load[3] = {0, 0, 0};
        if (getloadavg(load, 3) < 0)
            load[0] = -1;
        printf("# OpenCV %s (setNumThreads(1)) vs sensorpipe; %s, median of "
               "%d runs after warm-up; load average %.2f %.2f %.2f\n",
               CV_VERSION, o.cputime ? "thread CPU time" : "wall time", o.runs,
               load[0], load[1], load[2]);
        printf("%-10s %-20s %-7s %9s %-22s %9s %8s  %s\n", "op", "input",
               "ours", "ms", "OpenCV", "ms", "cv/ours", "outputs");
    }
    static const uint32_t sizes[][2] = {{1242, 375}, {1920, 1080}};
    char size[64], d[128];

    for (const auto &s : sizes) {
        Img bay(s[0], s[1], SP_PIX_BAYER_RGGB8, 7);
        Img out(s[0], s[1], SP_PIX_BGR8, 0);
        Job j;
        j.kind = DEBAYER;
        j.db.bgr = 1;
        j.src = &bay.im;
        j.dst = &out.im;
        j.csrc = bay.mat();
        j.cdst.create(int(s[1]), int(s[0]), CV_8UC3);
        snprintf(size, sizeof size, "%ux%u rggb8", s[0], s[1]);
        measure(o, j, bs, "debayer", size, "cvtColor BayerBG2BGR", [&](Job &jj) {
            snprintf(d, sizeof d, "%zu interior bytes differ",
                     differing(*jj.dst, jj.cdst, 1));
            return std::string(d);
        });
    }

    for (const auto &s : sizes) {
        Img rgb(s[0], s[1], SP_PIX_RGB8, 11);
        Img out(640, 384, SP_PIX_RGB8, 0);
        Job j;
        j.kind = RESIZE;
        j.src = &rgb.im;
        j.dst = &out.im;
        j.csrc = rgb.mat();
        j.csize = cv::Size(640, 384);
        j.cdst.create(384, 640, CV_8UC3);
        snprintf(size, sizeof size, "%ux%u>640x384", s[0], s[1]);
        measure(o, j, bs, "resize", size, "resize INTER_LINEAR", [&](Job &jj) {
            snprintf(d, sizeof d, "%zu bytes differ",
                     differing(*jj.dst, jj.cdst, 0));
            return std::string(d);
        });
    }

    {
        Img rgb(640, 384, SP_PIX_RGB8, 13);
        size_t shape[4];
        int ndim;
        size_t bytes = sp_normalize_block_size(640, 384, SP_PIX_RGB8);
        void *tm = aligned_alloc(64, (bytes + 63) & ~size_t(63));
        sp_tensor t;
        if (!tm || sp_normalize_shape(640, 384, SP_PIX_RGB8, shape, &ndim) ||
            sp_tensor_init(&t, tm, bytes, SP_DTYPE_F32, ndim, shape)) {
            fprintf(stderr, "opencv_compare: cannot allocate a tensor\n");
            return 1;
        }
        static const double mean[3] = {0.485, 0.456, 0.406};
        static const double stdv[3] = {0.229, 0.224, 0.225};
        Job j;
        j.kind = NORMALIZE;
        j.src = &rgb.im;
        j.t = &t;
        j.csrc = rgb.mat();
        j.mean = cv::Scalar(mean[0] * 255, mean[1] * 255, mean[2] * 255);
        for (int c = 0; c < 3; c++)
            j.inv_std[c] = float(1.0 / stdv[c]);
        measure(o, j, bs, "normalize", "640x384 rgb8>chw f32",
                "blobFromImage + /std", [&](Job &jj) {
                    const float *a = static_cast<const float *>(jj.t->data);
                    const float *b = jj.cdst.ptr<float>();
                    double m = 0;
                    for (size_t i = 0; i < 3 * 640 * 384; i++)
                        m = std::max(m, double(std::fabs(a[i] - b[i])));
                    snprintf(d, sizeof d, "max |diff| %.2g", m);
                    return std::string(d);
                });
        free(tm);
    }

    for (Backend &b : bs)
        sp_kctx_destroy(b.k);
    return failures ? 1 : 0;
}
