/* Helpers for the ROS1 bag suites (test_log_ros1*.c): the python3-rosbag
 * oracle and fixtures (tests/oracles/), SHA-1 of message bytes, a bag's
 * top-level records for tests that damage them, and message-by-message
 * comparison with the oracle. */
#ifndef SP_ROS1_TEST_H
#define SP_ROS1_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_log.h"

/* One message as rosbag reads it (see tests/oracles/ros1_oracle.py). */
typedef struct r1_omsg {
    char topic[256];
    int64_t t;
    uint64_t size;
    char sha[41];
    uint64_t chunk_pos, offset, avail;
} r1_omsg;

typedef struct r1_otopic {
    char name[256], type[256], md5[40];
    uint64_t count;
} r1_otopic;

/* Messages in log-time order (equal times in file order). */
typedef struct r1_oracle {
    r1_omsg *m;
    size_t nm;
    r1_otopic t[64];
    size_t nt;
} r1_oracle;

/* 1 when /usr/bin/python3 imports rosbag. */
int r1_have_rosbag(void);

/* The folder of fixtures ros1_fixtures.py wrote (once per process), or
 * NULL without python3-rosbag. */
const char *r1_fixtures(void);
/* Path of fixture @p name (a rotating static buffer). */
const char *r1_fixture(const char *name);

/* Run the oracle on @p bag (fails the test when it fails). */
void r1_oracle_load(const char *bag, r1_oracle *o);
void r1_oracle_free(r1_oracle *o);

void r1_sha1_hex(const uint8_t *p, size_t n, char out[41]);

/* A whole file in memory. */
typedef struct r1_bytes {
    uint8_t *p;
    size_t n;
} r1_bytes;
r1_bytes r1_read(const char *path);

/* A top-level record. */
typedef struct r1_rec {
    uint64_t pos, hlen, dlen, data_pos, end;
    int op;
} r1_rec;

/* The top-level records from byte 13 (at most @p cap). */
size_t r1_records(const r1_bytes *b, r1_rec *out, size_t cap);
/* File offset of field @p name's value in record @p r (0: none). */
uint64_t r1_field(const r1_bytes *b, const r1_rec *r, const char *name);

/* sp_log_next() must give exactly the oracle messages o->m[idx[0..n-1]]
 * (topic, time, size, SHA-1), then (unless @p final is 1: not checked)
 * status @p final. NULL idx = all in order. */
void r1_expect(sp_log *log, const r1_oracle *o, const size_t *idx, size_t n,
               int final);

/* Open @p path with @p desc; fails the test when the open fails. */
sp_log *r1_open(const char *path, const sp_log_desc *desc);

#endif
