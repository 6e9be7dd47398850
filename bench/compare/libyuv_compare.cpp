/* sensorpipe vs libyuv on the same images, in the same process, one thread,
 * thread CPU time by default (the machine is shared):
 *   NV12 -> RGB8 1920x1080     vs NV12ToRAW (libyuv's RAW is R,G,B in memory)
 *   NV12 -> RGBA8 1920x1080    vs NV12ToARGB (same bytes written)
 *   YUYV -> RGB8 1920x1080     vs YUY2ToARGB (this libyuv has no YUY2 to
 *                                 3-byte RGB; it writes 4 bytes a pixel),
 *                                 and vs YUY2ToARGB then ARGBToRAW, the two
 *                                 calls libyuv takes to the same bytes
 *   YUYV -> RGBA8 1920x1080    vs YUY2ToARGB (same bytes written)
 *   resize RGBA8 1080p -> 640x384 bilinear vs ARGBScale(kFilterBilinear)
 *   resize RGB8  1080p -> 640x384 bilinear vs RGBScale(kFilterBilinear)
 *   the two resizes again cache-cold: the source is flushed from every
 *   cache level (clflush) before each timed run, both libraries alike;
 *   after each pair, the memory floor (touch_floor) warm and cold.
 * The colour rows run both of sensorpipe's YUV rules, precision=exact and
 * precision=fast, each back-end, and libyuv interleaved (one run of each in
 * turn, so load changes hit all alike), medians of each.
 * Outputs are not expected to match: sensorpipe's exact rule reproduces
 * OpenCV (20-bit fixed point colour), its fast rule is within 1 of that,
 * INTER_LINEAR's 11-bit weights for resize; libyuv uses 6-bit colour
 * coefficients and its own filter; the last column says how far apart they
 * are (bytes differing, largest |difference|), for scale.
 *
 *   libyuv_compare [--runs N] [--quick] [--wall] [--json] [--colour]
 *                  [--resize]
 * (--colour: the colour rows only; --resize: the resize rows only) */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <libyuv.h>
#include <libyuv/scale_rgb.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "bench_util.h"
#include "compare_backends.h"
#include "compare_opts.h"
#include "sp_convert.h"
#include "sp_kernels.h"
#include "sp_resize.h"
#include "sp_status.h"

using namespace libyuv;

namespace
{

struct Img {
    sp_image im{};
    uint8_t *mem = nullptr;
    size_t size = 0;
    Img(uint32_t w, uint32_t h, sp_pixfmt f, uint32_t seed)
    {
        size = sp_image_block_size(w, h, f, 0);
        mem = static_cast<uint8_t *>(
            aligned_alloc(64, (size + 63) & ~size_t(63)));
        if (!mem || sp_image_init(&im, mem, size, w, h, f, 0) != SP_OK) {
            fprintf(stderr, "libyuv_compare: cannot allocate %ux%u\n", w, h);
            exit(1);
        }
        uint32_t s = seed;
        for (size_t i = 0; i < size; i++) {
            s = s * 1103515245u + 12345u;
            mem[i] = uint8_t(s >> 16);
        }
    }
    ~Img()
    {
        free(mem);
    }
    Img(const Img &) = delete;
    Img &operator=(const Img &) = delete;
};

enum Kind {
    NV12_RGB,
    NV12_RGBA,
    YUYV_RGB,
    YUYV_RGB_RAW,
    YUYV_RGBA,
    RESIZE_RGBA,
    RESIZE_RGB
};

struct Job {
    Kind kind;
    sp_kctx *k = nullptr;
    sp_convert_desc cd{};
    const Img *src = nullptr;
    Img *dst = nullptr;  /* ours */
    Img *ydst = nullptr; /* libyuv's, its own stride */
    uint32_t ystride = 0;
    Img *ytmp = nullptr; /* YUYV_RGB_RAW: libyuv's ARGB frame on the way */
};

int run_sp(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    if (j->kind == RESIZE_RGBA || j->kind == RESIZE_RGB)
        return sp_resize(j->k, &j->src->im, &j->dst->im, SP_RESIZE_LINEAR);
    return sp_convert(j->k, &j->cd, &j->src->im, &j->dst->im);
}

int run_yuv(void *arg)
{
    Job *j = static_cast<Job *>(arg);
    const sp_image &s = j->src->im;
    const sp_image &d = j->dst->im;
    int w = int(s.width), h = int(s.height);
    uint8_t *out = j->ydst->mem;
    int os = int(j->ystride);
    switch (j->kind) {
    case NV12_RGB:
        return NV12ToRAW(s.data, int(s.stride),
                         s.data + size_t(s.stride) * s.height, int(s.stride),
                         out, os, w, h);
    case NV12_RGBA:
        return NV12ToARGB(s.data, int(s.stride),
                          s.data + size_t(s.stride) * s.height, int(s.stride),
                          out, os, w, h);
    case YUYV_RGB:
    case YUYV_RGBA:
        return YUY2ToARGB(s.data, int(s.stride), out, os, w, h);
    case YUYV_RGB_RAW: {
        /* libyuv's way to 3-byte R,G,B: two whole-frame calls */
        int rc = YUY2ToARGB(s.data, int(s.stride), j->ytmp->mem, w * 4, w, h);
        return rc ? rc : ARGBToRAW(j->ytmp->mem, w * 4, out, os, w, h);
    }
    case RESIZE_RGBA:
        return ARGBScale(s.data, int(s.stride), w, h, out, os, int(d.width),
                         int(d.height), kFilterBilinear);
    default:
        return RGBScale(s.data, int(s.stride), w, h, out, os, int(d.width),
                        int(d.height), kFilterBilinear);
    }
}

/* compare_opts.h's, with thread CPU time by default (--wall for wall
 * time) and a part alone (--colour, --resize). */
struct YuvOpts : Opts {
    int colour_only = 0, resize_only = 0;
    YuvOpts()
    {
        cputime = 1;
    }
};

/* Evicts [p, p + n) from every cache level. */
void flush(const uint8_t *p, size_t n)
{
#if defined(__x86_64__) || defined(__i386__)
    for (size_t i = 0; i < n; i += 64)
        _mm_clflush(p + i);
    _mm_mfence();
#else
    (void)p;
    (void)n;
#endif
}

int failures = 0;

void row(const Opts &o, const char *op, const char *input, const char *be,
         const char *rule, double sp_ms, const char *ref, double y_ms,
         const std::string &diff)
{
    double ratio = sp_ms > 0 ? y_ms / sp_ms : 0.0;
    if (o.json)
        printf("{\"compare\":\"%s\",\"input\":\"%s\",\"backend\":\"%s\","
               "\"precision\":\"%s\",\"median_ms\":%.4f,\"ref\":\"%s\","
               "\"ref_median_ms\":%.4f,\"ref_over_ours\":%.3f,"
               "\"difference\":\"%s\"}\n",
               op, input, be, rule, sp_ms, ref, y_ms, ratio, diff.c_str());
    else
        printf("%-10s %-19s %-7s %-5s %8.4f %-20s %8.4f %7.2fx  %s\n", op,
               input, be, rule, sp_ms, ref, y_ms, ratio, diff.c_str());
}

/* How far ours is from libyuv's output (channel order mapped). */
std::string difference(const Job &j)
{
    const sp_image &d = j.dst->im;
    size_t n = 0, total = 0;
    int m = 0;
    int ych = (j.kind == RESIZE_RGB) ? 3 : 4;
    int och = d.format == SP_PIX_RGB8 ? 3 : 4;
    /* libyuv's ARGB is B,G,R,A in memory; RAW and RGBScale keep order. */
    bool swap =
        j.kind == YUYV_RGB || j.kind == YUYV_RGBA || j.kind == NV12_RGBA;
    if (j.kind == NV12_RGB || j.kind == YUYV_RGB_RAW)
        ych = 3;
    for (uint32_t y = 0; y < d.height; y++) {
        const uint8_t *p = d.data + size_t(y) * d.stride;
        const uint8_t *q = j.ydst->mem + size_t(y) * j.ystride;
        for (uint32_t x = 0; x < d.width; x++)
            for (int c = 0; c < 3; c++) {
                int a = p[x * och + c], b = q[x * ych + (swap ? 2 - c : c)];
                n += a != b;
                m = std::max(m, std::abs(a - b));
                total++;
            }
    }
    char s[96];
    snprintf(s, sizeof s, "%.1f%% colour bytes differ, max %d",
             100.0 * n / total, m);
    return s;
}

/* The memory floor of a resize to 640x384: one load per 64-byte line of
 * each source row a bilinear resize reads (rows floor(y) and floor(y) + 1
 * of each output row), nothing computed. Cold (source flushed) it is the
 * least a cold resize can take on this machine; warm it is what the same
 * lines cost from the caches the source fits (L3 here, not L2). */
double touch_floor(const Opts &o, const Img &src, bool cold)
{
    const sp_image &im = src.im;
    size_t row = size_t(im.width) * 4;
    if (im.format == SP_PIX_RGB8)
        row = size_t(im.width) * 3;
    std::vector<double> t;
    volatile uint8_t sink = 0;
    for (int r = 0; r < o.runs + 2; r++) {
        if (cold)
            flush(src.mem, src.size);
        double t0 = o.cputime ? bench_cpu_ms() : bench_now_ms();
        uint8_t acc = 0;
        int32_t last = -1;
        for (uint32_t dy = 0; dy < 384; dy++) {
            double fy = (dy + 0.5) * double(im.height) / 384 - 0.5;
            int32_t y = fy < 0 ? 0 : int32_t(fy);
            for (int32_t yy = y; yy <= y + 1 && yy < int32_t(im.height); yy++) {
                if (yy <= last)
                    continue;
                const uint8_t *p = im.data + size_t(yy) * im.stride;
                for (size_t x = 0; x < row; x += 64)
                    acc = uint8_t(acc + p[x]);
                last = yy;
            }
        }
        sink = uint8_t(sink + acc);
        double t1 = o.cputime ? bench_cpu_ms() : bench_now_ms();
        if (r >= 2)
            t.push_back(t1 - t0);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

/* The resize rows: libyuv and each back-end one run each in turn, as the
 * colour rows, so a load change hits all alike; medians of each. Cold:
 * the source is flushed before every run (outside the timed span). */
void measure(const Opts &o, Job &j, std::vector<Backend> &bs, const char *op,
             const char *input, const char *ref, bool cold)
{
    std::vector<std::vector<double>> t(bs.size() + 1);
    int warm = o.quick ? 3 : 10;
    for (int r = 0; r < warm + o.runs; r++)
        for (size_t c = 0; c <= bs.size(); c++) {
            if (c > 0)
                j.k = bs[c - 1].k;
            if (cold)
                flush(j.src->mem, j.src->size);
            double t0 = o.cputime ? bench_cpu_ms() : bench_now_ms();
            int rc = c == 0 ? run_yuv(&j) : run_sp(&j);
            double t1 = o.cputime ? bench_cpu_ms() : bench_now_ms();
            if (rc < 0) {
                fprintf(stderr, "libyuv_compare: %s %s on %s: %s\n", op, input,
                        c == 0 ? "libyuv" : bs[c - 1].name,
                        c == 0 ? "failed" : sp_errmsg());
                failures++;
                return;
            }
            if (r >= warm)
                t[c].push_back(t1 - t0);
        }
    for (std::vector<double> &v : t)
        std::sort(v.begin(), v.end());
    double y_ms = t[0][t[0].size() / 2];
    for (size_t c = 1; c <= bs.size(); c++) {
        j.k = bs[c - 1].k;
        run_sp(&j); /* this back-end's output, for the difference column */
        row(o, op, input, bs[c - 1].name, "-", t[c][t[c].size() / 2], ref, y_ms,
            difference(j));
    }
}

/* The colour rows: libyuv and, for each back-end, both rules, one run of
 * each in turn; the median of each. */
void measure_colour(const Opts &o, Job &j, std::vector<Backend> &bs,
                    const char *op, const char *ref)
{
    struct Case {
        Backend *b;
        sp_convert_precision p;
        std::vector<double> t;
    };
    std::vector<Case> cs;
    for (Backend &b : bs)
        for (int p = 0; p < 2; p++)
            cs.push_back({&b, sp_convert_precision(p), {}});
    std::vector<double> yt;
    sp_convert_to to = j.cd.to;
    int warm = o.quick ? 3 : 10;
    for (int r = 0; r < warm + o.runs; r++) {
        double t0 = o.cputime ? bench_cpu_ms() : bench_now_ms();
        int rc = run_yuv(&j);
        double t1 = o.cputime ? bench_cpu_ms() : bench_now_ms();
        if (rc < 0) {
            fprintf(stderr, "libyuv_compare: %s: libyuv failed\n", op);
            failures++;
            return;
        }
        if (r >= warm)
            yt.push_back(t1 - t0);
        for (Case &c : cs) {
            j.k = c.b->k;
            j.cd = sp_convert_desc{};
            j.cd.to = to;
            j.cd.precision = c.p;
            t0 = o.cputime ? bench_cpu_ms() : bench_now_ms();
            rc = run_sp(&j);
            t1 = o.cputime ? bench_cpu_ms() : bench_now_ms();
            if (rc < 0) {
                fprintf(stderr, "libyuv_compare: %s on %s: %s\n", op, c.b->name,
                        sp_errmsg());
                failures++;
                return;
            }
            if (r >= warm)
                c.t.push_back(t1 - t0);
        }
    }
    auto med = [](std::vector<double> &v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    double y_ms = med(yt);
    for (Case &c : cs) {
        /* The output of this case, for the difference column. */
        j.k = c.b->k;
        j.cd.precision = c.p;
        run_sp(&j);
        row(o, op, "1920x1080", c.b->name, sp_convert_precision_name(c.p),
            med(c.t), ref, y_ms, difference(j));
    }
    j.cd.precision = SP_CONVERT_EXACT;
}

} // namespace

int main(int argc, char **argv)
{
    YuvOpts o;
    const OptFlag flags[] = {{"--colour", &o.colour_only, 1},
                             {"--resize", &o.resize_only, 1},
                             {"--wall", &o.cputime, 0}};
    if (int rc = compare_parse_opts(argc, argv, "libyuv_compare", o, flags, 3))
        return rc;
    std::vector<Backend> bs = make_backends();
    if (!o.json) {
        double load[3] = {0, 0, 0};
        if (getloadavg(load, 3) < 0)
            load[0] = -1;
        printf("# libyuv %d vs sensorpipe; %s, median of %d runs; load "
               "average %.2f %.2f %.2f\n",
               LIBYUV_VERSION, o.cputime ? "thread CPU time" : "wall time",
               o.runs, load[0], load[1], load[2]);
        printf("%-10s %-19s %-7s %-5s %8s %-20s %8s %8s  %s\n", "op", "input",
               "ours", "rule", "ms", "libyuv", "ms", "yuv/ours", "outputs");
    }
    const uint32_t W = 1920, H = 1080;
    Img ydst(W * 4, H, SP_PIX_GRAY8,
             0); /* big enough for every libyuv output */
    if (!o.resize_only) {
        Img nv12(W, H, SP_PIX_NV12, 3);
        Img rgb(W, H, SP_PIX_RGB8, 0);
        Img rgba(W, H, SP_PIX_RGBA8, 0);
        Job j;
        j.kind = NV12_RGB;
        j.src = &nv12;
        j.dst = &rgb;
        j.ydst = &ydst;
        j.ystride = W * 3;
        measure_colour(o, j, bs, "nv12>rgb", "NV12ToRAW");
        j.kind = NV12_RGBA;
        j.cd.to = SP_CONVERT_RGBA;
        j.dst = &rgba;
        j.ystride = W * 4;
        measure_colour(o, j, bs, "nv12>rgba", "NV12ToARGB");
    }
    if (!o.resize_only) {
        Img yuyv(W, H, SP_PIX_YUYV, 5);
        Img rgb(W, H, SP_PIX_RGB8, 0);
        Img rgba(W, H, SP_PIX_RGBA8, 0);
        Job j;
        j.kind = YUYV_RGB;
        j.src = &yuyv;
        j.dst = &rgb;
        j.ydst = &ydst;
        j.ystride = W * 4;
        measure_colour(o, j, bs, "yuyv>rgb", "YUY2ToARGB (4 B/px)");
        Img argb(W * 4, H, SP_PIX_GRAY8, 0);
        j.kind = YUYV_RGB_RAW;
        j.ytmp = &argb;
        j.ystride = W * 3;
        measure_colour(o, j, bs, "yuyv>rgb", "YUY2ToARGB+ARGBToRAW");
        j.ystride = W * 4;
        j.kind = YUYV_RGBA;
        j.cd.to = SP_CONVERT_RGBA;
        j.dst = &rgba;
        measure_colour(o, j, bs, "yuyv>rgba", "YUY2ToARGB");
    }
    for (int cold = 0; cold < 2 && !o.colour_only; cold++) {
        Img srca(W, H, SP_PIX_RGBA8, 11), dsta(640, 384, SP_PIX_RGBA8, 0);
        Img src3(W, H, SP_PIX_RGB8, 13), dst3(640, 384, SP_PIX_RGB8, 0);
        Job j;
        j.kind = RESIZE_RGBA;
        j.src = &srca;
        j.dst = &dsta;
        j.ydst = &ydst;
        j.ystride = 640 * 4;
        measure(o, j, bs, cold ? "resizecold" : "resize", "1080p>640x384 rgba",
                "ARGBScale bilinear", cold);
        j.kind = RESIZE_RGB;
        j.src = &src3;
        j.dst = &dst3;
        j.ystride = 640 * 3;
        measure(o, j, bs, cold ? "resizecold" : "resize", "1080p>640x384 rgb",
                "RGBScale bilinear", cold);
        double fa = touch_floor(o, srca, cold), f3 = touch_floor(o, src3, cold);
        if (o.json)
            printf("{\"floor\":\"%s\",\"rgba_ms\":%.4f,\"rgb_ms\":%.4f}\n",
                   cold ? "cold" : "warm", fa, f3);
        else
            printf("# %s memory floor (one load per source line a resize "
                   "reads): rgba %.4f ms, rgb %.4f ms\n",
                   cold ? "cold" : "warm", fa, f3);
    }
    for (Backend &b : bs)
        sp_kctx_destroy(b.k);
    return failures ? 1 : 0;
}
