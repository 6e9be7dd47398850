/* Helpers for the Ouster suites: the real captures, their UDP payloads
 * (a pcap walk of its own, so that the decoder is tested apart from the
 * pcap source), and a plan + scan made from a metadata file. */
#ifndef OUSTER_TEST_H
#define OUSTER_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_ouster.h"
#include "sp_ouster_meta.h"

/* The three captures of ../shared/data/pcap/ouster. */
#define OT_NCAPS 3
extern const char *const ot_caps[OT_NCAPS]; /* "OS-1-32-G_v2.1.1_1024x10" */

/* The UDP payloads of a classic Ethernet/IPv4 pcap, read whole. */
typedef struct ot_capture {
    uint8_t *file;
    size_t size;
    size_t n;                /* payloads */
    const uint8_t **payload; /* [n] into file */
    size_t *len;             /* [n] */
    uint16_t *port;          /* [n] UDP destination port */
} ot_capture;

/* Loads pcap/ouster/<name>.pcap; 0 (and no capture) when data is absent. */
int ot_capture_load(const char *name, ot_capture *c);
void ot_capture_free(ot_capture *c);

/* The metadata of a capture; 0 when data is absent. */
int ot_meta_load(const char *name, sp_ouster_meta *m);

/* The kernel's geometry of parsed metadata (borrows m's arrays). */
void ot_geom(const sp_ouster_meta *m, sp_ouster_geom *g);

/* A plan and a scan over fresh memory (free with ot_scan_free). */
typedef struct ot_decoder {
    sp_ouster_meta meta;
    sp_ouster_plan *plan;
    sp_ouster_scan scan;
    void *mem;
} ot_decoder;
void ot_decoder_init(ot_decoder *d, const sp_ouster_meta *m);
void ot_decoder_free(ot_decoder *d);

/* Decodes every lidar packet (size of the plan) of c with k into d's scan
 * (one frame: fails the test if the frame id changes). Returns packets. */
size_t ot_decode_all(ot_decoder *d, sp_kctx *k, const ot_capture *c);

#endif
