/* Classic libpcap files read for their UDP datagrams (see sp_pcap.h).
 *
 * Why not libpcap itself: its offline reader reports damage as one line
 * without the byte offset or the record number, reads a truncated last
 * record as a clean end of file, and pulls a large library into a reader
 * of a 24-byte header and 16-byte records. This one names the file, the
 * byte offset and the packet number of every problem, and reads a file
 * through a fixed window (or a caller's memory, for the fuzz target). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_int.h"
#include "io_int.h"
#include "sp_pcap.h"

#define WINDOW (1u << 20) /* bytes read from the file at a time */

enum {
    LINK_NULL = 0,
    LINK_ETH = 1,
    LINK_RAW = 101,
    LINK_SLL = 113,
    LINK_RAW4 = 228,
    LINK_RAW6 = 229,
    LINK_SLL2 = 276
};

struct sp_pcap_reader {
    char *path;
    int fd;
    const uint8_t *mem; /* memory mode: the whole file */
    uint64_t size;      /* file size */
    uint8_t *buf;       /* file mode: window of the file */
    size_t buf_len;     /* valid bytes in buf */
    uint64_t buf_off;   /* file offset of buf[0] */
    uint64_t pos;       /* file offset of the next record */
    uint64_t number;    /* records read */
    int swap, nanos;
    uint32_t snaplen, linktype;
    sp_pcap_stats stats;
};

static uint32_t rd32(const sp_pcap_reader *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Make @p n bytes at file offset @p off available; NULL when the file
 * ends first (the caller says what was cut). */
static const uint8_t *need(sp_pcap_reader *r, uint64_t off, size_t n)
{
    if (off > r->size || n > r->size - off)
        return NULL;
    if (r->mem)
        return r->mem + off;
    if (off >= r->buf_off && off + n <= r->buf_off + r->buf_len)
        return r->buf + (off - r->buf_off);
    size_t want = WINDOW + SP_PCAP_MAX_RECORD + 16;
    if (r->size - off < want)
        want = (size_t)(r->size - off);
    if (sp__pread_full(r->fd, r->buf, want, off, r->path) < 0)
        return NULL;
    r->buf_off = off;
    r->buf_len = want;
    return r->buf;
}

const char *sp_pcap_linktype_name(const sp_pcap_reader *r)
{
    switch (r ? r->linktype : 0xffffffffu) {
    case LINK_NULL:
        return "BSD loopback";
    case LINK_ETH:
        return "Ethernet";
    case LINK_RAW:
    case LINK_RAW4:
    case LINK_RAW6:
        return "raw IP";
    case LINK_SLL:
        return "Linux cooked (SLL)";
    case LINK_SLL2:
        return "Linux cooked v2 (SLL2)";
    }
    return "unknown";
}

static int header(sp_pcap_reader *r)
{
    const uint8_t *h = need(r, 0, 24);
    if (h == NULL)
        return sp__fail(SP_EFORMAT,
                        "%s: byte 0: %llu bytes, expected a 24-byte pcap "
                        "header",
                        r->path, (unsigned long long)r->size);
    uint32_t m;
    memcpy(&m, h, 4);
    if (m == 0x0a0d0d0a)
        return sp__fail(SP_EFORMAT,
                        "%s: byte 0: a pcapng file, expected classic pcap "
                        "(convert it: editcap -F pcap in.pcapng out.pcap)",
                        r->path);
    if (m == 0xa1b2c3d4 || m == 0xa1b23c4d)
        r->swap = 0;
    else if (m == 0xd4c3b2a1 || m == 0x4d3cb2a1)
        r->swap = 1;
    else
        return sp__fail(SP_EFORMAT,
                        "%s: byte 0: magic 0x%08x, expected a pcap magic "
                        "(0xa1b2c3d4 or 0xa1b23c4d, either byte order)",
                        r->path, m);
    r->nanos = (m == 0xa1b23c4d || m == 0x4d3cb2a1);
    uint16_t major;
    memcpy(&major, h + 4, 2);
    if (r->swap)
        major = __builtin_bswap16(major);
    if (major != 2)
        return sp__fail(SP_EFORMAT, "%s: byte 4: version %u, expected 2",
                        r->path, major);
    r->snaplen = rd32(r, h + 16);
    r->linktype = rd32(r, h + 20) & 0x0fffffff; /* high bits: FCS info */
    if (!strcmp(sp_pcap_linktype_name(r), "unknown"))
        return sp__fail(SP_EFORMAT,
                        "%s: byte 20: link type %u, expected Ethernet (1), "
                        "Linux cooked (113, 276), raw IP (101, 228, 229) or "
                        "loopback (0)",
                        r->path, r->linktype);
    r->pos = 24;
    return SP_OK;
}

static int open_common(sp_pcap_reader *r, sp_pcap_reader **out)
{
    int rc = header(r);
    if (rc < 0) {
        sp_pcap_close(r);
        return rc;
    }
    *out = r;
    return SP_OK;
}

int sp_pcap_open(const char *path, sp_pcap_reader **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(path != NULL);
    sp_pcap_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    r->fd = -1;
    r->path = strdup(path);
    if (!r->path) {
        free(r);
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    }
    int rc = sp__open_read_size(path, &r->fd, &r->size);
    if (rc == SP_OK) {
        /* Page-aligned as the file's pages are: see sp__iobuf_reserve. */
        void *b = NULL;
        r->buf = posix_memalign(&b, 4096, WINDOW + SP_PCAP_MAX_RECORD + 16)
                     ? NULL
                     : b;
        if (!r->buf)
            rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
    }
    if (rc < 0) {
        sp_pcap_close(r);
        return rc;
    }
    return open_common(r, out);
}

int sp_pcap_open_mem(const void *mem, size_t size, const char *name,
                     sp_pcap_reader **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(mem != NULL || size == 0);
    static const uint8_t empty[1];
    sp_pcap_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "pcap: out of memory");
    r->fd = -1;
    r->path = strdup(name ? name : "pcap");
    if (!r->path) {
        free(r);
        return sp__fail(SP_ENOMEM, "pcap: out of memory");
    }
    r->mem = size ? mem : empty;
    r->size = size;
    return open_common(r, out);
}

void sp_pcap_close(sp_pcap_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    free(r->path);
    free(r);
}

int sp_pcap_rewind(sp_pcap_reader *r)
{
    SP_GUARD(r != NULL);
    r->pos = 24;
    r->number = 0;
    return SP_OK;
}

void sp_pcap_get_stats(const sp_pcap_reader *r, sp_pcap_stats *out)
{
    if (r && out)
        *out = r->stats;
}

const char *sp_pcap_resolution(const sp_pcap_reader *r)
{
    return r && r->nanos ? "ns" : "us";
}

const char *sp_pcap_byte_order(const sp_pcap_reader *r)
{
    /* The file's order: its magic reads as written on a host of the same
     * order, swapped on the other. */
    const uint16_t one = 1;
    int host_little = *(const uint8_t *)&one == 1;
    return (host_little != (r && r->swap)) ? "little" : "big";
}

uint32_t sp_pcap_snaplen(const sp_pcap_reader *r)
{
    return r ? r->snaplen : 0;
}

const char *sp_pcap_path(const sp_pcap_reader *r)
{
    return r ? r->path : "";
}

/* The IP packet in a record's link frame: *ip and *n, or 0 when the
 * record carries something else. */
static int link_ip(const sp_pcap_reader *r, const uint8_t *p, size_t n,
                   const uint8_t **ip, size_t *ipn)
{
    size_t hl;
    uint16_t type;
    switch (r->linktype) {
    case LINK_ETH:
        if (n < 14)
            return 0;
        hl = 14;
        type = be16(p + 12);
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8);
             tags++) {
            if (n < hl + 4)
                return 0;
            type = be16(p + hl + 2);
            hl += 4;
        }
        break;
    case LINK_SLL:
        if (n < 16)
            return 0;
        hl = 16;
        type = be16(p + 14);
        break;
    case LINK_SLL2:
        if (n < 20)
            return 0;
        hl = 20;
        type = be16(p);
        break;
    case LINK_NULL: {
        if (n < 4)
            return 0;
        uint32_t fam;
        memcpy(&fam, p, 4);
        hl = 4;
        type = (fam == 2 || fam == 0x02000000) ? 0x0800 : 0x86dd;
        break;
    }
    default: /* raw IP: the version nibble says which */
        if (n < 1)
            return 0;
        hl = 0;
        type = (p[0] >> 4) == 4 ? 0x0800 : 0x86dd;
        break;
    }
    if (type != 0x0800 && type != 0x86dd)
        return 0;
    *ip = p + hl;
    *ipn = n - hl;
    return 1;
}

/* The UDP datagram in an IP packet: 1 found, 0 another protocol, -1 a
 * fragment, -2 cut by the snapshot length. */
static int ip_udp(const uint8_t *ip, size_t n, const uint8_t **udp,
                  size_t *udpn)
{
    size_t hl, total;
    if (n < 1)
        return 0;
    if ((ip[0] >> 4) == 4) {
        if (n < 20)
            return -2;
        hl = (size_t)(ip[0] & 15) * 4;
        total = be16(ip + 2);
        if (hl < 20 || n < hl)
            return -2;
        if (ip[9] != 17)
            return 0;
        if ((be16(ip + 6) & 0x3fff) != 0)
            return -1; /* more fragments, or a fragment offset */
        /* A capture of a reassembled datagram may say 0 (TSO, or a length
         * beyond 16 bits): the record's length is what there is. */
        if (total == 0 || total > n)
            total = total == 0 ? n : total;
    } else if ((ip[0] >> 4) == 6) {
        if (n < 40)
            return -2;
        if (ip[6] != 17)
            return 0;
        hl = 40;
        total = 40 + (size_t)be16(ip + 4);
    } else {
        return 0;
    }
    if (total > n || total < hl + 8)
        return total > n ? -2 : 0;
    const uint8_t *u = ip + hl;
    size_t ulen = be16(u + 4);
    size_t have = total - hl;
    if (ulen == 0 || ulen > have)
        ulen = have; /* jumbo or reassembled: the IP length rules */
    if (ulen < 8)
        return 0;
    *udp = u;
    *udpn = ulen;
    return 1;
}

int sp_pcap_next(sp_pcap_reader *r, sp_pcap_packet *pkt)
{
    SP_GUARD(r != NULL && pkt != NULL);
    for (;;) {
        if (r->pos == r->size)
            return SP_EOS;
        uint64_t at = r->pos, number = r->number + 1;
        const uint8_t *h = need(r, at, 16);
        if (h == NULL)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: the file ends %llu "
                            "bytes into a 16-byte record header (truncated "
                            "capture)",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number,
                            (unsigned long long)(r->size - at));
        uint32_t sec = rd32(r, h), frac = rd32(r, h + 4);
        uint32_t incl = rd32(r, h + 8), orig = rd32(r, h + 12);
        if (incl > SP_PCAP_MAX_RECORD)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: captured length %u, "
                            "expected at most %u bytes",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number, incl,
                            SP_PCAP_MAX_RECORD);
        if (incl > orig)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: captured length %u "
                            "exceeds the original length %u",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number, incl, orig);
        if (r->snaplen && incl > r->snaplen)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: captured length %u "
                            "exceeds the file's snapshot length %u",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number, incl, r->snaplen);
        if (frac >= (r->nanos ? 1000000000u : 1000000u))
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: sub-second time %u, "
                            "expected below 1e%d",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number, frac, r->nanos ? 9 : 6);
        const uint8_t *p = need(r, at + 16, incl);
        if (p == NULL)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %llu: packet %llu: the record claims "
                            "%u bytes but the file ends after %llu "
                            "(truncated capture)",
                            r->path, (unsigned long long)at,
                            (unsigned long long)number, incl,
                            (unsigned long long)(r->size - at - 16));
        r->pos = at + 16 + incl;
        r->number = number;
        r->stats.records++;
        const uint8_t *ip, *udp;
        size_t ipn, udpn;
        if (!link_ip(r, p, incl, &ip, &ipn)) {
            r->stats.other++;
            continue;
        }
        int k = ip_udp(ip, ipn, &udp, &udpn);
        if (k == 0) {
            r->stats.other++;
            continue;
        }
        if (k == -1) {
            r->stats.fragments++;
            continue;
        }
        if (k == -2) {
            r->stats.truncated++;
            continue;
        }
        r->stats.udp++;
        pkt->data = udp + 8;
        pkt->len = udpn - 8;
        pkt->src_port = be16(udp);
        pkt->dst_port = be16(udp + 2);
        pkt->stamp_ns =
            (int64_t)sec * 1000000000 + (int64_t)frac * (r->nanos ? 1 : 1000);
        pkt->number = number;
        pkt->offset = at;
        return SP_OK;
    }
}
