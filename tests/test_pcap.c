/* ctest-label: io */
/* The pcap reader (io/sp_pcap.h), its `info` description and the `pcap`
 * source: synthetic captures in both byte orders and time resolutions,
 * every link layer read (Ethernet with VLAN tags, Linux cooked v1/v2, raw
 * IPv4/IPv6, loopback), records larger than an Ethernet frame; damaged
 * captures (cut short, captured length beyond the snapshot or original
 * length, absurd sizes, pcapng, bad magic) refused with the file, byte
 * offset and packet number; the real Velodyne and Ouster captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_loginfo.h"
#include "sp_pcap.h"
#include "sp_pipeline.h"

typedef struct cap {
    uint8_t b[1 << 17];
    size_t n;
    int swap;
} cap;

static void w32(cap *c, uint32_t v)
{
    if (c->swap)
        v = __builtin_bswap32(v);
    memcpy(c->b + c->n, &v, 4);
    c->n += 4;
}

static void w16(cap *c, uint16_t v)
{
    if (c->swap)
        v = __builtin_bswap16(v);
    memcpy(c->b + c->n, &v, 2);
    c->n += 2;
}

static void header(cap *c, int swap, int nanos, uint32_t link, uint32_t snaplen)
{
    c->n = 0;
    c->swap = swap;
    w32(c, nanos ? 0xa1b23c4d : 0xa1b2c3d4);
    w16(c, 2);
    w16(c, 4);
    w32(c, 0);
    w32(c, 0);
    w32(c, snaplen);
    w32(c, link);
}

/* A record with an IPv4/UDP datagram of @p len payload bytes (value i&255)
 * after @p link_len link bytes from @p link_hdr. */
static void udp4(cap *c, uint32_t sec, uint32_t frac, const uint8_t *link_hdr,
                 size_t link_len, uint16_t sport, uint16_t dport, size_t len)
{
    size_t total = link_len + 20 + 8 + len;
    w32(c, sec);
    w32(c, frac);
    w32(c, (uint32_t)total);
    w32(c, (uint32_t)total);
    uint8_t *p = c->b + c->n;
    if (link_len)
        memcpy(p, link_hdr, link_len);
    uint8_t *ip = p + link_len;
    memset(ip, 0, 28);
    ip[0] = 0x45;
    size_t iplen = 28 + len;
    ip[2] = (uint8_t)(iplen > 65535 ? 0 : iplen >> 8);
    ip[3] = (uint8_t)(iplen > 65535 ? 0 : iplen);
    ip[9] = 17;
    uint8_t *u = ip + 20;
    u[0] = (uint8_t)(sport >> 8);
    u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8);
    u[3] = (uint8_t)dport;
    size_t ul = 8 + len;
    u[4] = (uint8_t)(ul > 65535 ? 0 : ul >> 8);
    u[5] = (uint8_t)(ul > 65535 ? 0 : ul);
    for (size_t i = 0; i < len; i++)
        u[8 + i] = (uint8_t)i;
    c->n += total;
}

static const uint8_t eth[14] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0};
static const uint8_t eth_vlan[18] = {0, 1,  2,  3,    4, 5, 6, 7,    8,
                                     9, 10, 11, 0x81, 0, 0, 5, 0x08, 0};

static void expect_packet(sp_pcap_reader *r, uint16_t dport, size_t len,
                          int64_t stamp)
{
    sp_pcap_packet pk;
    if (sp_pcap_next(r, &pk) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(pk.dst_port, dport);
    assert_int_equal(pk.len, len);
    assert_true(pk.stamp_ns == stamp);
    for (size_t i = 0; i < len; i++)
        if (pk.data[i] != (uint8_t)i)
            fail_msg("byte %zu", i);
}

static void test_orders_and_resolutions(void **state)
{
    (void)state;
    static cap c;
    for (int swap = 0; swap < 2; swap++)
        for (int nanos = 0; nanos < 2; nanos++) {
            header(&c, swap, nanos, 1, 65535);
            udp4(&c, 100, 5, eth, 14, 1, 2368, 1206);
            udp4(&c, 101, 7, eth_vlan, 18, 1, 7502, 8448); /* > 1500 B */
            sp_pcap_reader *r = NULL;
            assert_int_equal(sp_pcap_open_mem(c.b, c.n, "m.pcap", &r), SP_OK);
            assert_string_equal(sp_pcap_resolution(r), nanos ? "ns" : "us");
            expect_packet(r, 2368, 1206, 100000000000 + (nanos ? 5 : 5000));
            expect_packet(r, 7502, 8448, 101000000000 + (nanos ? 7 : 7000));
            sp_pcap_packet pk;
            assert_int_equal(sp_pcap_next(r, &pk), SP_EOS);
            sp_pcap_close(r);
        }
}

static void test_link_layers(void **state)
{
    (void)state;
    static cap c;
    uint8_t sll[16] = {0};
    sll[14] = 0x08;
    uint8_t sll2[20] = {0x08, 0};
    uint8_t loop[4] = {2, 0, 0, 0};
    struct {
        uint32_t link;
        const uint8_t *h;
        size_t n;
    } cases[] = {{113, sll, 16},
                 {276, sll2, 20},
                 {101, NULL, 0},
                 {228, NULL, 0},
                 {0, loop, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        header(&c, 0, 0, cases[i].link, 0);
        udp4(&c, 1, 0, cases[i].h, cases[i].n, 9, 2368, 100);
        sp_pcap_reader *r = NULL;
        assert_int_equal(sp_pcap_open_mem(c.b, c.n, "l.pcap", &r), SP_OK);
        expect_packet(r, 2368, 100, 1000000000);
        sp_pcap_close(r);
    }
    /* An ARP frame and an IPv4 fragment are counted and skipped. */
    header(&c, 0, 0, 1, 65535);
    uint8_t arp[14 + 28] = {0};
    arp[12] = 0x08;
    arp[13] = 0x06;
    w32(&c, 0), w32(&c, 0), w32(&c, sizeof arp), w32(&c, sizeof arp);
    memcpy(c.b + c.n, arp, sizeof arp);
    c.n += sizeof arp;
    size_t at = c.n;
    udp4(&c, 0, 0, eth, 14, 1, 2, 10);
    c.b[at + 16 + 14 + 6] = 0x20; /* more fragments */
    udp4(&c, 0, 0, eth, 14, 1, 3, 10);
    sp_pcap_reader *r = NULL;
    assert_int_equal(sp_pcap_open_mem(c.b, c.n, "f.pcap", &r), SP_OK);
    expect_packet(r, 3, 10, 0);
    sp_pcap_stats s;
    sp_pcap_get_stats(r, &s);
    assert_int_equal(s.records, 3);
    assert_int_equal(s.other, 1);
    assert_int_equal(s.fragments, 1);
    sp_pcap_close(r);
}

/* Opening or reading @p c fails with SP_EFORMAT and a message holding each
 * of the NULL-ended substrings. */
static void expect_damage(const cap *c, ...)
{
    sp_pcap_reader *r = NULL;
    int rc = sp_pcap_open_mem(c->b, c->n, "bad.pcap", &r);
    if (rc == SP_OK) {
        sp_pcap_packet pk;
        while ((rc = sp_pcap_next(r, &pk)) == SP_OK)
            ;
        sp_pcap_close(r);
    }
    assert_int_equal(rc, SP_EFORMAT);
    va_list ap;
    va_start(ap, c);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(sp_errmsg(), s))
            fail_msg("'%s' lacks '%s'", sp_errmsg(), s);
    va_end(ap);
}

static void test_damage(void **state)
{
    (void)state;
    static cap c;
    header(&c, 0, 0, 1, 65535);
    c.n = 10;
    expect_damage(&c, "bad.pcap", "byte 0", "24-byte pcap header", NULL);
    header(&c, 0, 0, 1, 65535);
    memcpy(c.b, "\x0a\x0d\x0d\x0a", 4);
    expect_damage(&c, "pcapng", "editcap", NULL);
    memcpy(c.b, "GIF8", 4);
    expect_damage(&c, "byte 0", "magic", NULL);
    header(&c, 0, 0, 1, 65535);
    c.b[4] = 3;
    expect_damage(&c, "byte 4", "version 3", NULL);
    header(&c, 0, 0, 999, 65535);
    expect_damage(&c, "byte 20", "link type 999", NULL);
    /* Second record cut in its header, then in its data. */
    header(&c, 0, 0, 1, 65535);
    udp4(&c, 0, 0, eth, 14, 1, 2, 100);
    size_t second = c.n;
    udp4(&c, 0, 0, eth, 14, 1, 2, 100);
    size_t full = c.n;
    c.n = second + 9;
    char off[32];
    snprintf(off, sizeof off, "byte %zu", second);
    expect_damage(&c, "bad.pcap", off, "packet 2", "truncated", NULL);
    c.n = full - 1;
    expect_damage(&c, off, "packet 2", "claims 142 bytes", NULL);
    /* Captured length beyond the original, the snapshot, anything. */
    c.n = full;
    uint32_t v = 141;
    memcpy(c.b + second + 12, &v, 4);
    expect_damage(&c, off, "packet 2", "exceeds the original length 141", NULL);
    header(&c, 0, 0, 1, 100);
    udp4(&c, 0, 0, eth, 14, 1, 2, 100);
    expect_damage(&c, "byte 24", "packet 1", "snapshot length 100", NULL);
    header(&c, 0, 0, 1, 0);
    w32(&c, 0), w32(&c, 0), w32(&c, 0x7fffffff), w32(&c, 0x7fffffff);
    expect_damage(&c, "packet 1", "captured length 2147483647", NULL);
    header(&c, 0, 0, 1, 0);
    udp4(&c, 0, 2000000, eth, 14, 1, 2, 10);
    expect_damage(&c, "packet 1", "sub-second time 2000000", NULL);
}

static void test_real_captures(void **state)
{
    (void)state;
    const char *hdl = iot_data("pcap/velodyne/rlu_hdl32_example.pcap");
    const char *os = iot_data("pcap/ouster/OS-0-32-U1_v2.2.0_1024x10.pcap");
    if (!hdl || !os)
        skip();
    sp_pcap_reader *r = NULL;
    assert_int_equal(sp_pcap_open(hdl, &r), SP_OK);
    size_t data = 0, pos = 0;
    sp_pcap_packet pk;
    int rc;
    while ((rc = sp_pcap_next(r, &pk)) == SP_OK) {
        data += pk.dst_port == 2368 && pk.len == 1206;
        pos += pk.dst_port == 8308 && pk.len == 512;
    }
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(data, 876);
    assert_int_equal(pos, 100);
    sp_pcap_close(r);
    /* Ouster: 64 lidar packets of 8448 B (one IPv4 record each, beyond an
     * Ethernet frame) and 10 IMU packets of 48 B. */
    assert_int_equal(sp_pcap_open(os, &r), SP_OK);
    size_t lidar = 0, imu = 0;
    while (sp_pcap_next(r, &pk) == SP_OK) {
        lidar += pk.len == 8448;
        imu += pk.len == 48;
    }
    assert_int_equal(lidar, 64);
    assert_int_equal(imu, 10);
    sp_pcap_close(r);

    sp_loginfo li;
    assert_int_equal(sp_loginfo_probe(hdl, 0, &li), SP_OK);
    assert_string_equal(li.source, "pcap");
    assert_int_equal(li.nstreams, 2);
    assert_string_equal(li.streams[0].name, "udp:2368");
    assert_int_equal(li.streams[0].frames, 876);
    assert_non_null(strstr(li.streams[0].type, "HDL-32E"));
    assert_non_null(strstr(li.text, "port 8308: 100 packets of 512 B"));
    sp_loginfo_free(&li);
}

static void test_source(void **state)
{
    (void)state;
    const char *hdl = iot_data("pcap/velodyne/rlu_hdl32_example.pcap");
    if (!hdl)
        skip();
    char launch[1024];
    snprintf(launch, sizeof launch, "pcap path=%s port=2368 packets=100", hdl);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    sp_frame *f = NULL;
    size_t frames = 0, packets = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_int_equal(f->payload, SP_PAYLOAD_PACKETS);
        const sp_packets *pk = &f->u.packets;
        for (size_t i = 0; i < pk->count; i++) {
            assert_int_equal(pk->length[i], 1206);
            assert_int_equal(pk->port[i], 2368);
            assert_int_equal(sp_packets_at(pk, i)[0], 0xff);
        }
        packets += pk->count;
        frames++;
        sp_frame_unref(f);
        f = NULL;
    }
    sp_pipeline_close(p);
    assert_int_equal(packets, 876);
    assert_int_equal(frames, 9);
    assert_int_equal(sp_pipeline_note_count(p), 1);
    assert_non_null(strstr(sp_pipeline_note(p, 0, NULL), "100 datagrams"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_and_resolutions),
        cmocka_unit_test(test_link_layers),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_real_captures),
        cmocka_unit_test(test_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
