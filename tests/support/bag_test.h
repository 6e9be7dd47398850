/* Helpers for the `bag` source suites (tests/test_bag_src*.c): the fixture
 * logs (tests/oracles/bag_src_fixtures.py writes ROS1 bags with
 * python3-rosbag; bag_src_mcap.mjs turns them into MCAP with @mcap/core and
 * @foxglove/rosmsg2-serialization; bag_src_fixtures.py db3 puts those CDR
 * messages into a rosbag2 .db3 with Python's sqlite3), the frame oracle
 * (bag_frames_oracle.py: what each message should become, from rosbag,
 * genpy and numpy), and pulling a pipeline's frames to compare them with
 * the oracle's bit for bit. */
#ifndef BAG_TEST_H
#define BAG_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_pipeline.h"

/* One expected frame (an "F" line of the oracle). */
typedef struct bt_frame {
    char topic[128], kind[8], fmt[24], calib[128];
    int64_t stamp, log_time; /* stamp 0: the frame is timed by log_time */
    uint64_t index, rank;    /* in its topic (time order); in file order */
    size_t n;                /* points */
    uint32_t height;         /* organised rows, 0 when not organised */
    int ring, time;          /* the frame has the channel */
    size_t off, len;         /* its bytes in data */
    uint32_t w, h;           /* image size */
} bt_frame;

/* A CameraInfo topic's first message (a "C" line). */
typedef struct bt_cal {
    char topic[128], frame_id[128], model[32];
    int w, h, nD;
    double D[16], K[9];
} bt_cal;

typedef struct bt_oracle {
    bt_frame *f;
    size_t nf;
    bt_cal c[16];
    size_t nc;
    uint8_t *data;
    size_t ndata;
} bt_oracle;

/* NULL when /usr/bin/python3 imports rosbag and numpy, else what is
 * missing. */
const char *bt_python_unavailable(void);
/* NULL when node and tests/oracles/node_modules are there, else why. */
const char *bt_node_unavailable(void);

/* print_message() why and skip() without python3-rosbag / numpy. */
#define BT_NEED_PYTHON()                                                       \
    do {                                                                       \
        const char *why_ = bt_python_unavailable();                            \
        if (why_) {                                                            \
            print_message("skipped: %s\n", why_);                              \
            skip();                                                            \
        }                                                                      \
    } while (0)
#define BT_NEED_NODE()                                                         \
    do {                                                                       \
        const char *why_ = bt_node_unavailable();                              \
        if (why_) {                                                            \
            print_message("skipped: %s\n", why_);                              \
            skip();                                                            \
        }                                                                      \
    } while (0)

/* $SP_TEST_DATA/ros1/NAME, or NULL after printing that it is missing. */
const char *bt_real(const char *name);

/* The path of fixture @p file of bag_src_fixtures.py ("clouds.bag"),
 * written once per process (fails the test if the script fails); a
 * rotating static buffer. Call BT_NEED_PYTHON() first. */
const char *bt_fixture(const char *file);
/* NAME.mcap made from fixture NAME.bag (once); call BT_NEED_NODE() first. */
const char *bt_fixture_mcap(const char *name);
/* The rosbag2 folder NAME_r2 made from the same CDR messages (once). */
const char *bt_fixture_r2(const char *name);

/* Run the oracle on @p bag (fields map or NULL) into @p o; fails the test
 * when it fails. */
void bt_oracle_load(const char *bag, const char *fields_map, bt_oracle *o);
void bt_oracle_free(bt_oracle *o);

/* The oracle frames whose topic is in the comma list @p topics (a trailing
 * '*' matches a prefix; NULL or "" = all), whose log time lies in
 * [t_lo, t_hi] (inclusive), in time order or, with @p file_order, file
 * order; at most @p max. Writes their indexes to @p idx (room for o->nf);
 * returns how many. */
size_t bt_select(const bt_oracle *o, const char *topics, int file_order,
                 int64_t t_lo, int64_t t_hi, size_t max, size_t *idx);

/* sp_pipeline_create() that fails the test with the message. */
sp_pipeline *bt_create(const char *launch);

/* Fails unless @p f is oracle frame @p e: metadata (stream, timestamp,
 * log time, origin_index, @p seq, origin starting with @p origin) and every
 * value bit for bit (points: x, y, z, intensity, ring, time; images: the
 * pixels, the format and the calibration). */
void bt_check_frame(const sp_frame *f, const bt_oracle *o, const bt_frame *e,
                    uint64_t seq, const char *origin);

/* Pull @p n frames, each equal to o->f[idx[i]] (seq counted per stream from
 * 0), then expect @p final from the next pull. */
void bt_expect(sp_pipeline *p, const bt_oracle *o, const size_t *idx, size_t n,
               const char *origin, int final);

/* bt_create(launch), bt_expect(... SP_EOS), close; returns the pipeline
 * (closed, notes final) for the caller to look at and destroy. */
sp_pipeline *bt_run_expect(const char *launch, const bt_oracle *o,
                           const size_t *idx, size_t n, const char *origin);

/* The first note containing @p s, or NULL. */
const char *bt_note(const sp_pipeline *p, const char *s);
/* Fails unless a note contains every one of the NULL-ended substrings
 * (prints the notes). */
void bt_note_has(const sp_pipeline *p, const char *first, ...);

/* Pull every frame; returns the final status and the count in *n. */
int bt_drain(sp_pipeline *p, size_t *n);

#endif
