/* Internal to io/: the format registry. A file format registers itself by
 * defining, in its own io/ file,
 *
 *     const sp__format sp__format_<name> = {.name = "...", ...};
 *
 * at file scope, starting a line: the build finds that definition and adds
 * it to the table (cmake/gen_registry.cmake writes
 * generated/sp_formats_list.h), so a new format costs its own io/ files,
 * its stage wrappers and its tests, and nothing else changes. The table
 * serves three callers:
 *  - `sensorpipe info` (io/info.c): which format a path is (by content:
 *    magic bytes, a folder's layout; by extension only for headerless
 *    formats), and its description;
 *  - sp_log_open() (io/log.c): the message-log containers (.log set);
 *  - readers that must refuse another format's file (a .bag given to the
 *    bin source): sp__format_of().
 * Never installed. */
#ifndef SP_FORMAT_INT_H
#define SP_FORMAT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_loginfo.h"

struct sp__log_ops;

/* A probe's answers. */
#define SP__PROBE_CONTENT 1
#define SP__PROBE_NAME 2

/* How many first bytes of a file the probes see (a file may be shorter). */
#define SP__FORMAT_HEAD 512

typedef struct sp__format {
    const char *name;   /* "ros1", "mcap", "pcd" ... */
    const char *what;   /* for people: "ROS1 bag v2.0" */
    const char *source; /* the stage that reads it: "bag", "pcd" ... */
    /* How a launch string names such a file, when not "<source> path=":
     * "lidar model=ouster calib=". NULL: the source's path=. */
    const char *use;
    /* Probe order among formats giving the same answer: lower first. */
    int order;
    /* Whether this format reads @p path: SP__PROBE_CONTENT when its content
     * says so (magic bytes, a folder's layout), SP__PROBE_NAME when only
     * its name suggests it (headerless files, a folder that may be a
     * dataset), 0 when not. @p head holds the file's first @p n bytes
     * (NULL for a folder, is_dir 1). Sets no error message. Every content
     * answer of every format is tried before any name answer. */
    int (*probe)(const char *path, int is_dir, const uint8_t *head, size_t n);
    /* Describe @p path for `info` (probing up to @p sample frames per
     * stream). NULL for a log container: the shared log description
     * (io/log_describe.c) is used. */
    int (*describe)(const char *path, size_t sample, sp_loginfo *li);
    /* A message-log container (ROS1 bag, MCAP, rosbag2), or NULL. */
    const struct sp__log_ops *log;
} sp__format;

/* The registered formats in probe order. */
size_t sp__format_count(void);
const sp__format *sp__format_at(size_t i);

/* The format that reads @p path (content first), or NULL with an
 * SP_ENOTFOUND message naming what was seen and the formats known. */
const sp__format *sp__format_of(const char *path);

/* For a reader of format @p mine given @p path: SP_OK when no other
 * format claims the file by its content; else SP_EFORMAT saying what the
 * file is and which source reads it ("drive.bag is a ROS1 bag v2.0: read
 * it with `bag path=...`"). */
int sp__format_refuse_other(const char *path, const char *mine);

/* @p rc with "PATH is a WHAT, not NOT_A: read it with `USE PATH`" (the
 * format's launch words, the path quoted as the parser needs), or "... (no
 * source reads it)": the refusal of a file of format @p f. */
int sp__format_refuse(int rc, const sp__format *f, const char *path,
                      const char *not_a);

/* For a folder that is no format's: what its files and folders (one
 * level, the first 256 by name) are by content, per format with the launch
 * words that read it and up to three names, as a clause to append to a
 * message: @p lead, then "3 x libpcap capture (UDP packets), read with
 * `pcap path=...`: a.pcap, b.pcap, c.pcap". Empty when none is. Called on
 * the way to an error: a folder it cannot list may set the message that
 * the caller's then replaces. */
void sp__format_folder_hint(const char *dir, const char *lead, char *buf,
                            size_t cap);
#define SP__FOLDER_HINT "; in it, by content: "

/* SP_ENOTFOUND: "DIR: folder holds no WHAT files, expected at least one"
 * and the folder's hint (above), for a source given a folder of others. */
int sp__fail_empty_folder(const char *dir, const char *what);

/* The describe function of log containers (io/log_describe.c). */
int sp__log_describe(const char *path, size_t sample, sp_loginfo *li);

#endif
