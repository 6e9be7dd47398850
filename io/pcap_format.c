/* Classic pcap captures as a registered format (format_int.h): recognised
 * by their magic; `info` lists the UDP datagrams per destination port with
 * their sizes and the sensor they look like. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "format_int.h"
#include "info_int.h"
#include "launch_value_int.h"
#include "sp_pcap.h"

static int pcap_probe(const char *path, int is_dir, const uint8_t *head,
                      size_t n)
{
    (void)path;
    if (is_dir || n < 4)
        return 0;
    uint32_t m;
    memcpy(&m, head, 4);
    return (m == 0xa1b2c3d4 || m == 0xa1b23c4d || m == 0xd4c3b2a1 ||
            m == 0x4d3cb2a1)
               ? SP__PROBE_CONTENT
               : 0;
}

/* Placeholders for a calib= the model cannot do without. */
#define VELODYNE_TABLE "SENSOR.yaml (the unit's own table)"
#define OUSTER_META "SENSOR.json (its metadata)"

/* Velodyne's factory (model) byte: the model for people, the lidar stage's
 * model= that decodes it (NULL: a model it does not decode), and what its
 * calib= must name (NULL: the factory table serves). */
static const struct {
    uint8_t byte;
    const char *what, *model, *calib;
} velodyne[] = {
    {0x21, "Velodyne HDL-32E", "hdl32e", NULL},
    {0x22, "Velodyne VLP-16", "vlp16", NULL},
    {0x24, "Velodyne Puck Hi-Res", NULL, NULL},
    {0x28, "Velodyne VLP-32C", "vlp32c", NULL},
    {0x31, "Velodyne Velarray", NULL, NULL},
    {0xa1, "Velodyne VLS-128", "vls128", VELODYNE_TABLE},
};

/* Hesai data packet sizes (without and with the UDP sequence tail). */
static const struct {
    size_t n[2];
    const char *what, *model;
} hesai[] = {
    {{1194, 1198}, "Hesai Pandar64", "pandar64"},
    {{1262, 1266}, "Hesai Pandar40P", "pandar40p"},
    {{1080, 1084}, "Hesai PandarXT32", "xt32"},
    {{1072, 1076}, "Hesai PandarQT64", "qt64"},
};

/* What the datagram is: the people's words in *what, the model= or NULL
 * returned, and in *calib what its calib= must name, or NULL. */
static const char *classify(const uint8_t *p, size_t n, uint16_t port,
                            char *what, size_t cap, const char **calib)
{
    *calib = NULL;
    if (n == 1206 && p[0] == 0xff &&
        (p[1] == 0xee || p[1] == 0xdd || p[1] == 0xcc || p[1] == 0xbb)) {
        for (size_t i = 0; i < sizeof velodyne / sizeof velodyne[0]; i++)
            if (velodyne[i].byte == p[1205]) {
                snprintf(what, cap, "%s data (return byte 0x%02x)",
                         velodyne[i].what, p[1204]);
                *calib = velodyne[i].calib;
                return velodyne[i].model;
            }
        snprintf(what, cap,
                 "Velodyne (unknown model byte) data (return byte 0x%02x)",
                 p[1204]);
        return NULL;
    }
    if (n == 512 && port == 8308) {
        snprintf(what, cap, "Velodyne position packets");
        return NULL;
    }
    if (n >= 8 && p[0] == 0xee && p[1] == 0xff) {
        for (size_t i = 0; i < sizeof hesai / sizeof hesai[0]; i++)
            if (n == hesai[i].n[0] || n == hesai[i].n[1]) {
                snprintf(what, cap, "%s data", hesai[i].what);
                return hesai[i].model;
            }
        snprintf(what, cap, "Hesai (unknown layout) data");
        return NULL;
    }
    if (n == 48 && (port == 7503 || port == 7501)) {
        snprintf(what, cap, "Ouster IMU packets");
        return NULL;
    }
    if (n % 16 == 0 && n >= 16 * 20 &&
        (port == 7502 || port == 7504 || n == 6464 || n == 24896 ||
         n == 12608 || n == 3392)) {
        snprintf(what, cap, "Ouster lidar packets");
        *calib = OUSTER_META;
        return "ouster";
    }
    snprintf(what, cap, "unknown");
    return NULL;
}

void sp_pcap_guess(const uint8_t *p, size_t n, uint16_t port, char *out,
                   size_t cap)
{
    const char *calib;
    classify(p, n, port, out, cap, &calib);
}

const char *sp_pcap_guess_model(const uint8_t *p, size_t n, uint16_t port,
                                char *what, size_t cap, const char **calib)
{
    char words[96];
    const char *dummy;
    if (what == NULL || cap == 0) {
        what = words;
        cap = sizeof words;
    }
    return classify(p, n, port, what, cap, calib ? calib : &dummy);
}

#define MAX_PORTS 16

typedef struct port_count {
    uint16_t port;
    uint64_t n;
    size_t min, max;
    int64_t t0, t1;
    char guess[96];
    const char *model; /* lidar model= that decodes it, or NULL */
    const char *calib; /* what its calib= must name, or NULL */
} port_count;

/* The line a user copies to decode a port's lidar packets. An Ouster
 * capture's metadata is the .json beside it of the same name when there
 * is one (as ouster-sdk saves them). */
static void decode_hint(sp_loginfo *li, const char *path, const port_count *c)
{
    char json[PATH_MAX] = "";
    const char *calib = c->calib;
    if (calib && !strcmp(calib, OUSTER_META)) {
        const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
        size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path)
                                                     : strlen(path);
        struct stat st;
        if (stem + sizeof ".json" <= sizeof json) {
            memcpy(json, path, stem);
            memcpy(json + stem, ".json", sizeof ".json");
            if (stat(json, &st) == 0 && S_ISREG(st.st_mode))
                calib = json;
        }
    }
    char qpath[PATH_MAX + 8], qcalib[PATH_MAX + 8];
    sp__launch_value(qpath, sizeof qpath, path);
    if (calib == json) /* a placeholder stays as it is, for people */
        sp__launch_value(qcalib, sizeof qcalib, calib);
    else
        snprintf(qcalib, sizeof qcalib, "%s", calib ? calib : "");
    sp__info_text(li,
                  "  decode port %u: `pcap path=%s port=%u ! lidar "
                  "model=%s%s%s`\n",
                  c->port, qpath, c->port, c->model, calib ? " calib=" : "",
                  qcalib);
}

static int pcap_describe(const char *path, size_t sample, sp_loginfo *li)
{
    (void)sample;
    sp_pcap_reader *r;
    SP_TRY(sp_pcap_open(path, &r));
    port_count ports[MAX_PORTS];
    size_t nports = 0;
    uint64_t more = 0;
    sp_pcap_packet pk;
    int rc;
    while ((rc = sp_pcap_next(r, &pk)) == SP_OK) {
        size_t i = 0;
        while (i < nports && ports[i].port != pk.dst_port)
            i++;
        if (i == nports) {
            if (nports == MAX_PORTS) {
                more++;
                continue;
            }
            memset(&ports[i], 0, sizeof ports[i]);
            ports[i].port = pk.dst_port;
            ports[i].min = pk.len;
            ports[i].t0 = pk.stamp_ns;
            ports[i].model =
                classify(pk.data, pk.len, pk.dst_port, ports[i].guess,
                         sizeof ports[i].guess, &ports[i].calib);
            nports++;
        }
        port_count *c = &ports[i];
        c->n++;
        c->t1 = pk.stamp_ns;
        if (pk.len < c->min)
            c->min = pk.len;
        if (pk.len > c->max)
            c->max = pk.len;
    }
    sp_pcap_stats s;
    sp_pcap_get_stats(r, &s);
    sp__info_attr(li, "pcap", "link", 0, "%s", sp_pcap_linktype_name(r));
    sp__info_attr(li, "pcap", "resolution", 0, "%s", sp_pcap_resolution(r));
    sp__info_attr(li, "pcap", "byte_order", 0, "%s", sp_pcap_byte_order(r));
    sp__info_attr(li, "pcap", "snaplen", 1, "%u", sp_pcap_snaplen(r));
    sp__info_attr(li, "pcap", "records", 1, "%llu",
                  (unsigned long long)s.records);
    sp__info_attr(li, "pcap", "udp", 1, "%llu", (unsigned long long)s.udp);
    sp__info_text(li,
                  "pcap:    %s, %s timestamps, %s-endian, snaplen %u; %llu "
                  "records: %llu UDP, %llu other, %llu IP fragments, %llu "
                  "truncated\n",
                  sp_pcap_linktype_name(r), sp_pcap_resolution(r),
                  sp_pcap_byte_order(r), sp_pcap_snaplen(r),
                  (unsigned long long)s.records, (unsigned long long)s.udp,
                  (unsigned long long)s.other, (unsigned long long)s.fragments,
                  (unsigned long long)s.truncated);
    for (size_t i = 0; i < nports; i++) {
        char name[32];
        snprintf(name, sizeof name, "udp:%u", ports[i].port);
        sp_loginfo_stream *o = sp__info_add_stream(li, name);
        if (!o)
            break;
        sp__info_set(o->sensor, sizeof o->sensor, "packets");
        sp__info_set(o->type, sizeof o->type, "%s", ports[i].guess);
        o->frames = (size_t)ports[i].n;
        o->has_timestamps = 1;
        o->t_first = ports[i].t0;
        o->t_last = ports[i].t1;
        if (ports[i].n > 1 && ports[i].t1 > ports[i].t0)
            o->rate_hz = (double)(ports[i].n - 1) /
                         ((double)(ports[i].t1 - ports[i].t0) * 1e-9);
        sp__info_text(li, "  port %u: %llu packets of %zu%s%.0zu B: %s\n",
                      ports[i].port, (unsigned long long)ports[i].n,
                      ports[i].min, ports[i].min != ports[i].max ? "-" : "",
                      ports[i].min != ports[i].max ? ports[i].max : 0,
                      ports[i].guess);
    }
    if (more)
        sp__info_text(li, "  and %llu packets to further ports\n",
                      (unsigned long long)more);
    for (size_t i = 0; i < nports; i++)
        if (ports[i].model)
            decode_hint(li, path, &ports[i]);
    sp_pcap_close(r);
    if (rc != SP_EOS) {
        /* Damage after some packets: still describe what was read, and say
         * where it stopped. */
        sp__info_set(li->note, sizeof li->note, "stopped: %s", sp_errmsg());
    }
    return SP_OK;
}

const sp__format sp__format_pcap = {
    .name = "pcap",
    .what = "libpcap capture (UDP packets)",
    .source = "pcap",
    .order = 30,
    .probe = pcap_probe,
    .describe = pcap_describe,
};
