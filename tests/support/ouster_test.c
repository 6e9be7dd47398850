/* Helpers for the Ouster suites (ouster_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ouster_test.h"
#include "sp_iotest.h"

const char *const ot_caps[OT_NCAPS] = {"OS-1-32-G_v2.1.1_1024x10",
                                       "OS-0-32-U1_v2.2.0_1024x10",
                                       "OS-0-128-U1_v2.3.0_1024x10"};

static uint32_t rd32(const uint8_t *p, int swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

int ot_capture_load(const char *name, ot_capture *c)
{
    memset(c, 0, sizeof *c);
    char rel[256];
    snprintf(rel, sizeof rel, "pcap/ouster/%s.pcap", name);
    const char *path = iot_data(rel);
    if (!path)
        return 0;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    c->size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    c->file = malloc(c->size);
    assert_non_null(c->file);
    assert_int_equal(fread(c->file, 1, c->size, f), c->size);
    fclose(f);
    uint32_t magic = rd32(c->file, 0);
    int swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
    size_t cap = c->size / 16 + 1;
    c->payload = calloc(cap, sizeof *c->payload);
    c->len = calloc(cap, sizeof *c->len);
    c->port = calloc(cap, sizeof *c->port);
    for (size_t off = 24; off + 16 <= c->size;) {
        uint32_t incl = rd32(c->file + off + 8, swap);
        const uint8_t *rec = c->file + off + 16;
        assert_true(off + 16 + incl <= c->size);
        off += 16 + (size_t)incl;
        if (incl < 42 || rec[12] != 0x08 || rec[13] != 0x00)
            continue;
        const uint8_t *ip = rec + 14;
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        if (ip[9] != 17 || 14 + ihl + 8 > incl)
            continue;
        const uint8_t *udp = ip + ihl;
        size_t ulen = (size_t)udp[4] << 8 | udp[5];
        assert_true(ulen >= 8 && 14 + ihl + ulen <= incl);
        c->payload[c->n] = udp + 8;
        c->len[c->n] = ulen - 8;
        c->port[c->n] = (uint16_t)(udp[2] << 8 | udp[3]);
        c->n++;
    }
    return 1;
}

void ot_capture_free(ot_capture *c)
{
    free(c->file);
    free(c->payload);
    free(c->len);
    free(c->port);
    memset(c, 0, sizeof *c);
}

int ot_meta_load(const char *name, sp_ouster_meta *m)
{
    char rel[256];
    snprintf(rel, sizeof rel, "pcap/ouster/%s.json", name);
    const char *path = iot_data(rel);
    if (!path)
        return 0;
    int rc = sp_ouster_meta_load(path, m);
    if (rc != SP_OK)
        fail_msg("%s: %s", path, sp_errmsg());
    return 1;
}

void ot_geom(const sp_ouster_meta *m, sp_ouster_geom *g)
{
    memset(g, 0, sizeof *g);
    g->profile = (sp_ouster_pkt)m->profile;
    g->beams = m->pixels_per_column;
    g->cols_per_packet = m->columns_per_packet;
    g->cols_per_frame = m->columns_per_frame;
    g->altitude_deg = m->beam_altitude_deg;
    g->azimuth_deg = m->beam_azimuth_deg;
    g->pixel_shift = m->pixel_shift_by_row;
    memcpy(g->beam_to_lidar, m->beam_to_lidar, sizeof g->beam_to_lidar);
    memcpy(g->lidar_to_sensor, m->lidar_to_sensor, sizeof g->lidar_to_sensor);
    g->init_id = m->init_id;
    g->prod_sn = m->prod_sn;
}

void ot_decoder_init(ot_decoder *d, const sp_ouster_meta *m)
{
    memset(d, 0, sizeof *d);
    d->meta = *m;
    sp_ouster_geom g;
    ot_geom(&d->meta, &g);
    assert_int_equal(sp_ouster_plan_create(&g, &d->plan), SP_OK);
    size_t n = sp_ouster_scan_size(d->plan);
    d->mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    assert_non_null(d->mem);
    /* Stale bytes must not leak into what is compared. */
    memset(d->mem, 0x5a, n);
    assert_int_equal(sp_ouster_scan_init(&d->scan, d->plan, d->mem, n), SP_OK);
}

void ot_decoder_free(ot_decoder *d)
{
    sp_ouster_plan_destroy(d->plan);
    free(d->mem);
    memset(d, 0, sizeof *d);
}

size_t ot_decode_all(ot_decoder *d, sp_kctx *k, const ot_capture *c)
{
    size_t want = sp_ouster_plan_packet_size(d->plan), n = 0;
    sp_ouster_scan_reset(&d->scan);
    for (size_t i = 0; i < c->n; i++) {
        if (c->len[i] != want)
            continue;
        int rc =
            sp_ouster_decode(k, d->plan, c->payload[i], c->len[i], &d->scan);
        if (rc != SP_OK)
            fail_msg("packet %zu: %s", i + 1, sp_errmsg());
        n++;
    }
    return n;
}
