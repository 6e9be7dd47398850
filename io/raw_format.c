/* Headerless raw image frames (.raw, .yuv) as a registered format
 * (format_int.h): a file is one only by its name, and nothing in it says
 * its size or pixel format, which the raw source needs (width=, height=,
 * format=). Camera and ISP dumps usually carry them in the name
 * ("DSC_1339_768x512_rggb.raw", "cam0_1920x1080_nv12.yuv"), so `info`
 * reads WIDTHxHEIGHT and a format or Bayer pattern from the name, lists the
 * pixel formats whose frames divide the file, and, where the name settles
 * it, gives the source's launch line. A guess is said to be one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format_int.h"
#include "info_int.h"
#include "sp_image.h"
#include "sp_rawimg.h"

static int raw_probe(const char *path, int is_dir, const uint8_t *head,
                     size_t n)
{
    (void)head, (void)n;
    if (is_dir)
        return 0;
    return sp__info_has_ext(path, ".raw") || sp__info_has_ext(path, ".yuv")
               ? SP__PROBE_NAME
               : 0;
}

/* What a file's name says. */
typedef struct raw_name {
    uint32_t width, height; /* 0: no WIDTHxHEIGHT */
    int has_format;         /* a pixel format's name appears in it */
    sp_pixfmt format;
    char pattern[5];  /* "rggb" ... or "" */
    sp_pixfmt bayer8; /* the pattern's 8-bit Bayer format, when there is one */
    int bits;         /* digits after the pattern ("rggb12"), 0 if none */
} raw_name;

/* The patterns are the Bayer formats' names past "bayer_" ("rggb8"). */
#define BAYER_PREFIX "bayer_"

/* The first "<digits>x<digits>" with both in 1..SP_RAW_MAX_DIM and not
 * inside a longer word of digits or letters. */
static void name_size(const char *s, raw_name *o)
{
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) ||
            (p > s && isalnum((unsigned char)p[-1])))
            continue;
        char *x;
        unsigned long w = strtoul(p, &x, 10);
        if ((*x != 'x' && *x != 'X') || !isdigit((unsigned char)x[1]))
            continue;
        char *e;
        unsigned long h = strtoul(x + 1, &e, 10);
        if (isalpha((unsigned char)*e)) /* "1080p": not a size word */
            continue;
        if (w >= 1 && w <= SP_RAW_MAX_DIM && h >= 1 && h <= SP_RAW_MAX_DIM) {
            o->width = (uint32_t)w;
            o->height = (uint32_t)h;
            return;
        }
    }
}

/* Whether @p word appears in @p s as a whole word (bounded by non
 * letters-or-digits). */
static const char *word_in(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word))
        if ((p == s || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[n]))
            return p;
    return NULL;
}

static void read_name(const char *path, raw_name *o)
{
    memset(o, 0, sizeof *o);
    const char *slash = strrchr(path, '/');
    char s[256];
    snprintf(s, sizeof s, "%s", slash ? slash + 1 : path);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    name_size(s, o);
    /* Of the format names that appear as whole words, the longest. */
    size_t best = 0;
    for (int f = 0; f < SP_PIX_COUNT; f++) {
        const char *name = sp_pixfmt_name((sp_pixfmt)f);
        if (name && strlen(name) > best && word_in(s, name)) {
            best = strlen(name);
            o->has_format = 1;
            o->format = (sp_pixfmt)f;
        }
    }
    for (int f = SP_PIX_BAYER_RGGB8; f <= SP_PIX_BAYER_GBRG8 && !o->pattern[0];
         f++) {
        char pat[5];
        snprintf(pat, sizeof pat, "%s",
                 sp_pixfmt_name((sp_pixfmt)f) + strlen(BAYER_PREFIX));
        for (const char *p = strstr(s, pat); p; p = strstr(p + 1, pat)) {
            const char *e = p + 4;
            int bits = 0;
            while (isdigit((unsigned char)*e) && bits < 100)
                bits = bits * 10 + (*e++ - '0');
            if ((p == s || !isalnum((unsigned char)p[-1])) &&
                !isalnum((unsigned char)*e)) {
                memcpy(o->pattern, pat, sizeof pat);
                o->bayer8 = (sp_pixfmt)f;
                o->bits = bits;
                break;
            }
        }
    }
}

/* Bytes of one W x H frame of @p f in a file (no row padding); 0 when the
 * format cannot hold that size (NV12 and YUYV need even sizes). */
static unsigned long long frame_bytes(const raw_name *nm, sp_pixfmt f)
{
    size_t row = sp_image_row_bytes(nm->width, f);
    if (row == 0)
        return 0;
    unsigned long long b = (unsigned long long)row * nm->height;
    if (f == SP_PIX_NV12)
        b = nm->height % 2 ? 0 : b + b / 2;
    return b;
}

/* The name's pattern in 8 or 16 bits (the formats' order is the same). */
static sp_pixfmt bayer(const raw_name *nm, int sixteen)
{
    return (
        sp_pixfmt)(nm->bayer8 +
                   (sixteen ? SP_PIX_BAYER_RGGB16 - SP_PIX_BAYER_RGGB8 : 0));
}

/* The format the name settles, or -1: a format named outright, else a
 * Bayer pattern (its digits give the depth; without them, the depth whose
 * frames divide the file, 16-bit first when both do and it makes one
 * frame). */
static int settled(const raw_name *nm, unsigned long long size)
{
    if (nm->has_format)
        return (int)nm->format;
    if (!nm->pattern[0])
        return -1;
    if (nm->bits)
        return (int)bayer(nm, nm->bits > 8);
    unsigned long long b16 = frame_bytes(nm, bayer(nm, 1));
    unsigned long long b8 = frame_bytes(nm, bayer(nm, 0));
    if (b16 && size % b16 == 0 && (size == b16 || !b8 || size % b8))
        return (int)bayer(nm, 1);
    if (b8 && size % b8 == 0)
        return (int)bayer(nm, 0);
    return (int)bayer(nm, 1);
}

/* "gray16, bayer_*16, yuyv, uyvy (1 frame); gray8, bayer_*8 (2 frames)":
 * the formats whose frames divide the file, grouped by frame size. */
static void dividing(const raw_name *nm, unsigned long long size, char *buf,
                     size_t cap)
{
    size_t len = 0;
    int done[SP_PIX_COUNT] = {0};
    buf[0] = '\0';
    for (int f = 0; f < SP_PIX_COUNT && len < cap; f++) {
        unsigned long long fb = frame_bytes(nm, (sp_pixfmt)f);
        if (done[f] || !fb || size % fb)
            continue;
        len += (size_t)snprintf(buf + len, cap - len, "%s", len ? "; " : "");
        int bayer_listed = 0;
        for (int g = f; g < SP_PIX_COUNT && len < cap; g++) {
            if (done[g] || frame_bytes(nm, (sp_pixfmt)g) != fb)
                continue;
            done[g] = 1;
            const int is_bayer = sp_pixfmt_is_bayer((sp_pixfmt)g);
            if (is_bayer && bayer_listed)
                continue;
            bayer_listed |= is_bayer;
            len += (size_t)snprintf(
                buf + len, cap - len, "%s%s", g == f ? "" : ", ",
                is_bayer ? (sp_pixfmt_bytes_per_pixel((sp_pixfmt)g) == 2
                                ? "bayer_*16"
                                : "bayer_*8")
                         : sp_pixfmt_name((sp_pixfmt)g));
        }
        if (len < cap)
            len += (size_t)snprintf(buf + len, cap - len, " (%llu frame%s)",
                                    size / fb, size / fb == 1 ? "" : "s");
    }
}

/* The significant bits of the first frame's 16-bit little-endian samples
 * (a 14-bit sensor's dump tops out below 16384), or 0 when unread. */
static int sample_bits(const char *path, unsigned long long frame)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t buf[65536];
    unsigned top = 0;
    for (unsigned long long left = frame; left > 0;) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        size_t got = fread(buf, 1, want, f);
        for (size_t i = 0; i + 1 < got; i += 2) {
            unsigned v = buf[i] | (unsigned)buf[i + 1] << 8;
            top = v > top ? v : top;
        }
        if (got < want)
            break;
        left -= got;
    }
    fclose(f);
    int bits = 0;
    while (bits < 16 && (top >> bits) != 0)
        bits++;
    return bits;
}

static int raw_describe(const char *path, size_t sample, sp_loginfo *li)
{
    (void)sample;
    struct stat st;
    if (stat(path, &st) != 0)
        return sp__fail(SP_ENOTFOUND, "%s: cannot read its size", path);
    if (!S_ISREG(st.st_mode))
        return sp__fail(SP_EFORMAT, "%s: not a regular file", path);
    const unsigned long long size = (unsigned long long)st.st_size;
    if (size == 0) {
        sp__info_text(li, "raw:     an empty file: no frame\n");
        return SP_OK;
    }
    raw_name nm;
    read_name(path, &nm);
    sp__info_attr(li, "raw", "file_size", 1, "%llu", size);
    if (!nm.width) {
        sp__info_text(li,
                      "raw:     %llu bytes, no header; its name gives no "
                      "WIDTHxHEIGHT: the raw source needs width=, height= "
                      "and format=\n",
                      size);
        return SP_OK;
    }
    sp__info_attr(li, "raw", "name_width", 1, "%u", nm.width);
    sp__info_attr(li, "raw", "name_height", 1, "%u", nm.height);
    char fits[512];
    dividing(&nm, size, fits, sizeof fits);
    sp__info_attr(li, "raw", "formats_that_fit", 0, "%s", fits);
    sp__info_text(li,
                  "raw:     %llu bytes, no header; its name gives %ux%u%s%s\n",
                  size, nm.width, nm.height,
                  nm.has_format   ? " and the format "
                  : nm.pattern[0] ? " and the Bayer pattern "
                                  : "",
                  nm.has_format ? sp_pixfmt_name(nm.format) : nm.pattern);
    if (!fits[0]) {
        sp__info_text(li,
                      "raw:     no %ux%u frame divides it: another "
                      "size, or padded rows (the raw source's stride=)\n",
                      nm.width, nm.height);
        return SP_OK;
    }
    sp__info_text(li, "raw:     %ux%u frames that divide it: %s\n", nm.width,
                  nm.height, fits);
    int f = settled(&nm, size);
    if (f < 0) {
        sp__info_text(li, "raw:     the name settles no format: pick one "
                          "above for format=\n");
        return SP_OK;
    }
    unsigned long long fb = frame_bytes(&nm, (sp_pixfmt)f);
    if (!fb || size % fb) {
        sp__info_text(li,
                      "raw:     but %ux%u %s frames are %llu bytes, which "
                      "do not divide the file\n",
                      nm.width, nm.height, sp_pixfmt_name((sp_pixfmt)f), fb);
        return SP_OK;
    }
    sp__info_attr(li, "raw", "format", 0, "%s", sp_pixfmt_name((sp_pixfmt)f));
    /* A 16-bit dump of a 10-14-bit sensor: its depth, for levels= and
     * the raw source's bit_depth=, from the first frame's largest value. */
    char depth[48] = "";
    if (sp_pixfmt_bytes_per_pixel((sp_pixfmt)f) == 2 &&
        sp_pixfmt_channels((sp_pixfmt)f) == 1) {
        int bits = sample_bits(path, fb);
        if (bits >= 9 && bits < 16) {
            sp__info_attr(li, "raw", "bit_depth", 1, "%d", bits);
            sp__info_text(li,
                          "raw:     the first frame's samples stay below "
                          "2^%d: %d-bit data\n",
                          bits, bits);
            snprintf(depth, sizeof depth, " bit_depth=%d", bits);
        }
    }
    /* Quoted as the launch string needs, for pasting. */
    const char *q = strpbrk(path, " \t!'\"=") == NULL ? ""
                    : strchr(path, '\'')              ? "\""
                                                      : "'";
    sp__info_text(li,
                  "raw:     read as the name says: raw path=%s%s%s width=%u "
                  "height=%u format=%s%s\n",
                  q, path, q, nm.width, nm.height, sp_pixfmt_name((sp_pixfmt)f),
                  depth);
    sp_loginfo_stream *o = sp__info_add_stream(li, "camera");
    if (!o)
        return SP_ENOMEM;
    sp__info_set(o->sensor, sizeof o->sensor, "camera");
    o->is_camera = 1;
    o->frames = (size_t)(size / fb);
    sp__info_note_image(o, nm.width, nm.height, sp_pixfmt_name((sp_pixfmt)f));
    return SP_OK;
}

const sp__format sp__format_raw = {
    .name = "raw",
    .what = "headerless raw image frames (.raw, .yuv)",
    .source = "raw",
    .order = 23,
    .probe = raw_probe,
    .describe = raw_describe,
};
