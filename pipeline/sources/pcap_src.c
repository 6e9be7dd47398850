/* The `pcap` source: a libpcap capture's UDP datagrams as packet frames
 * (sp_packets), `packets=` datagrams to a frame, read when pulled. Where
 * a scan ends is the lidar stage's business (cut=), so a frame is only a
 * batch; port= keeps one destination port (a lidar's data, not its
 * position or IMU packets). */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_pcap.h"
#include "sp_stage.h"

typedef struct pcap_src {
    sp_pcap_reader *r;
    sp_pcap_packet pending; /* read but not yet placed in a frame */
    int has_pending;
    int eos;
    size_t per_packet; /* data bytes reserved per packet */
    uint64_t seq;
    uint64_t wrong_port;
} pcap_src;

static const sp_prop_spec pcap_props[] = {
    {.name = "path", .type = SP_PROP_STRING, .help = "a .pcap capture file"},
    {.name = "port",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 65535,
     .help = "UDP destination port to keep; 0: every UDP datagram"},
    {.name = "packets",
     .type = SP_PROP_INT,
     .def = "64",
     .min = 1,
     .max = 65536,
     .help = "datagrams per frame (a batch: the lidar stage cuts scans)"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .max = SP_STREAM_NAME_MAX - 1,
     .def = "lidar",
     .help = "stream name of the frames"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int pcap_init(sp_stage *st)
{
    pcap_src *s = sp_stage_priv(st);
    return sp_pcap_open(sp_stage_prop_str(st, "path"), &s->r);
}

/* The next datagram for the given port into s->pending. */
static int next_packet(sp_stage *st, pcap_src *s)
{
    if (s->has_pending)
        return SP_OK;
    if (s->eos)
        return SP_EOS;
    uint16_t port = (uint16_t)sp_stage_prop_int(st, "port");
    for (;;) {
        int rc = sp_pcap_next(s->r, &s->pending);
        if (rc == SP_EOS)
            s->eos = 1;
        if (rc != SP_OK)
            return rc;
        if (port && s->pending.dst_port != port) {
            s->wrong_port++;
            continue;
        }
        s->has_pending = 1;
        return SP_OK;
    }
}

static int pcap_pull(sp_stage *st, sp_frame **out)
{
    pcap_src *s = sp_stage_priv(st);
    *out = NULL;
    int rc = next_packet(st, s);
    if (rc == SP_EOS && s->wrong_port && sp_stage_prop_int(st, "port")) {
        sp_stage_note(st, "%llu datagrams to other ports than %lld skipped",
                      (unsigned long long)s->wrong_port,
                      (long long)sp_stage_prop_int(st, "port"));
        s->wrong_port = 0;
    }
    if (rc != SP_OK)
        return rc;
    size_t n = (size_t)sp_stage_prop_int(st, "packets");
    /* Room per packet: the largest seen so far (lidars send one size). */
    if (s->pending.len > s->per_packet)
        s->per_packet = (s->pending.len + 63) & ~(size_t)63;
    const char *path = sp_pcap_path(s->r);
    uint64_t bytes = (uint64_t)sp_packets_block_size(n, n * s->per_packet, 0);
    SP_TRY(sp__src_frame_check(st, bytes, path, "a batch of packets"));
    sp_frame *f = NULL;
    rc = sp_frame_create_packets(sp_stage_poolmgr(st), n, n * s->per_packet, 0,
                                 &f);
    if (rc < 0)
        return sp__src_frame_fail(rc, s->seq, path);
    sp_packets *p = &f->u.packets;
    int64_t t0 = s->pending.stamp_ns;
    uint64_t first = s->pending.number;
    while (p->count < n) {
        rc = next_packet(st, s);
        if (rc == SP_EOS)
            break;
        if (rc < 0) {
            sp_frame_unref(f);
            return rc;
        }
        uint8_t *dst = sp_packets_reserve(p, s->pending.len);
        if (dst == NULL)
            break; /* a larger packet: it starts the next frame */
        memcpy(dst, s->pending.data, s->pending.len);
        sp_packets_commit(p, s->pending.len, s->pending.stamp_ns,
                          s->pending.dst_port);
        s->has_pending = 0;
    }
    sp__src_stamp(st, f, &s->seq, t0, path);
    f->origin_index = first; /* the record number of its first packet */
    *out = f;
    return SP_OK;
}

static void pcap_fini(sp_stage *st)
{
    pcap_src *s = sp_stage_priv(st);
    sp_pcap_close(s->r);
    s->r = NULL;
}

const sp_stage_class sp__stage_pcap = {
    .name = "pcap",
    .description = "libpcap capture files: UDP datagrams (lidar packets) as "
                   "packet frames for the lidar stage",
    .takes = "a libpcap capture (.pcap; pcapng is refused with a hint)",
    .gives = "packets (UDP payloads, port=, packets= per frame), stream "
             "lidar (stream=)",
    .props = pcap_props,
    .nprops = sizeof pcap_props / sizeof pcap_props[0],
    .priv_size = sizeof(pcap_src),
    .is_source = 1,
    .init = pcap_init,
    .pull = pcap_pull,
    .fini = pcap_fini,
};
