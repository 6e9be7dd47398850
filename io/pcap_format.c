/* Classic pcap captures as a registered format (format_int.h): recognised
 * by their magic; `info` lists the UDP datagrams per destination port with
 * their sizes and the sensor they look like. */
#include <stdio.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
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

static const char *velodyne_model(uint8_t b)
{
    switch (b) {
    case 0x21:
        return "Velodyne HDL-32E";
    case 0x22:
        return "Velodyne VLP-16";
    case 0x24:
        return "Velodyne Puck Hi-Res";
    case 0x28:
        return "Velodyne VLP-32C";
    case 0x31:
        return "Velodyne Velarray";
    case 0xa1:
        return "Velodyne VLS-128";
    }
    return "Velodyne (unknown model byte)";
}

void sp_pcap_guess(const uint8_t *p, size_t n, uint16_t port, char *out,
                   size_t cap)
{
    if (n == 1206 && p[0] == 0xff &&
        (p[1] == 0xee || p[1] == 0xdd || p[1] == 0xcc || p[1] == 0xbb))
        snprintf(out, cap, "%s data (return byte 0x%02x)",
                 velodyne_model(p[1205]), p[1204]);
    else if (n == 512 && port == 8308)
        snprintf(out, cap, "Velodyne position packets");
    else if (n >= 8 && p[0] == 0xee && p[1] == 0xff) {
        const char *m = "Hesai (unknown layout)";
        if (n == 1194 || n == 1198)
            m = "Hesai Pandar64";
        else if (n == 1262 || n == 1266)
            m = "Hesai Pandar40P";
        else if (n == 1080 || n == 1084)
            m = "Hesai PandarXT32";
        else if (n == 1072 || n == 1076)
            m = "Hesai PandarQT64";
        snprintf(out, cap, "%s data", m);
    } else if (n == 48 && (port == 7503 || port == 7501))
        snprintf(out, cap, "Ouster IMU packets");
    else if (n % 16 == 0 && n >= 16 * 20 &&
             (port == 7502 || port == 7504 || n == 6464 || n == 24896 ||
              n == 12608 || n == 3392))
        snprintf(out, cap, "Ouster lidar packets");
    else
        snprintf(out, cap, "unknown");
}

#define MAX_PORTS 16

typedef struct port_count {
    uint16_t port;
    uint64_t n;
    size_t min, max;
    int64_t t0, t1;
    char guess[96];
} port_count;

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
            sp_pcap_guess(pk.data, pk.len, pk.dst_port, ports[i].guess,
                          sizeof ports[i].guess);
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
