/* Internal to io/: the rosbag2 container (io/rosbag2.c: probe, open, the
 * log ops; io/rosbag2_db.c: one sqlite3 .db3 file; io/rosbag2_meta.c:
 * metadata.yaml; io/rosbag2_mcap.c: folders whose storage is MCAP).
 *
 * A rosbag2 bag is a folder: metadata.yaml names the storage (sqlite3 or
 * mcap), the files in recording order (relative_file_paths) and the
 * compression (zstd per message, or per file: x_0.db3.zstd). A .db3 file is
 * an SQLite database with the tables topics(id, name, type,
 * serialization_format, ...) and messages(id, topic_id, timestamp, data),
 * read read-only and immutable (nothing is ever written next to it). */
#ifndef SP_ROSBAG2_INT_H
#define SP_ROSBAG2_INT_H

#include <stddef.h>
#include <stdint.h>

#include "log_int.h"

/* ---- metadata.yaml (io/rosbag2_meta.c) ---- */

typedef enum sp__r2_storage {
    SP__R2_SQLITE3 = 0,
    SP__R2_MCAP = 1
} sp__r2_storage;

typedef enum sp__r2_compression {
    SP__R2_COMP_NONE = 0,
    SP__R2_COMP_MESSAGE = 1, /* each message's data is a zstd frame */
    SP__R2_COMP_FILE = 2     /* each storage file is x.db3.zstd */
} sp__r2_compression;

typedef struct sp__r2_meta_topic {
    char *name, *type, *serialization_format;
    uint64_t message_count;
} sp__r2_meta_topic;

typedef struct sp__r2_meta_file {
    char *path;
    int64_t starting_time, duration; /* ns */
    uint64_t message_count;
} sp__r2_meta_file;

typedef struct sp__r2_meta {
    int version; /* 1.. */
    sp__r2_storage storage;
    int64_t starting_time, duration; /* ns; 0 when absent */
    uint64_t message_count;
    char **paths; /* relative_file_paths, in recording order */
    size_t npaths;
    sp__r2_meta_topic *topics;
    size_t ntopics;
    sp__r2_compression compression;
    sp__r2_meta_file *files; /* version >= 5: per file */
    size_t nfiles;
    char ros_distro[32]; /* version >= 8; "" otherwise */
} sp__r2_meta;

/* The largest metadata.yaml read (a bag of many topics and splits stays
 * far below). */
#define SP__R2_META_MAX ((size_t)16 << 20)

/* Parse @p len bytes of metadata.yaml text at @p text (need not end in a
 * NUL) into @p m (zeroed first; sp__r2_meta_free() it on success and on
 * failure). @p name is the file named in messages. Unknown keys are
 * ignored. Returns SP_OK; SP_EFORMAT naming @p name, the line and column
 * and what was expected for a value that is missing, of the wrong kind or
 * out of range, or for text that is not YAML; SP_EUNSUPPORTED for a
 * storage or compression this reader does not know; SP_ENOMEM. */
int sp__r2_meta_parse(const char *text, size_t len, const char *name,
                      sp__r2_meta *m);
void sp__r2_meta_free(sp__r2_meta *m);

/* 1 when the first @p n bytes of a YAML text have rosbag2_bagfile_information
 * as their first key (comments, blank lines, a BOM and "---" before it are
 * allowed). Sets no message. */
int sp__r2_meta_sniff(const char *text, size_t n);

/* ---- one .db3 file (io/rosbag2_db.c) ---- */

typedef struct sp__r2_db sp__r2_db;

/* "file:<percent-encoded path>?immutable=1" into @p buf; SP_ERANGE when it
 * does not fit. */
int sp__r2_db_uri(const char *path, char *buf, size_t cap);

/* 1 when @p path is an SQLite database with tables messages and topics
 * (opened read-only and immutable, looking at the schema page only). Sets
 * no message. */
int sp__r2_db_is_bag(const char *path);

/* Open the .db3 at @p path (read-only, immutable) and add its topics and
 * one entry per message row to @p log as file @p file; @p shown is the
 * name used in messages (the user's file: "x_0.db3", or "x_0.db3.zstd"
 * when @p path is its decompressed copy). @p zstd_messages: 1 when
 * metadata.yaml says MESSAGE mode, -1 when unknown (no metadata: decided
 * from the first message's first bytes). *out is NULL on failure.
 * Returns SP_OK; SP_EFORMAT for a file that is not an SQLite database, a
 * missing table or column, a damaged database; SP_ENOMEM. Rows that are
 * damaged (an unknown topic_id, a timestamp that is not an integer) are
 * recorded with sp__log_damage(); rows whose data is not a blob are
 * indexed and fail when read, in their place. */
int sp__r2_db_open(sp_log *log, const char *path, const char *shown,
                   uint16_t file, int zstd_messages, sp__r2_db **out);
void sp__r2_db_close(sp__r2_db *db);

/* "sqlite schema 3 (humble)", "no schema table" ... for the note. */
const char *sp__r2_db_describe(const sp__r2_db *db);
/* 1 when the messages' data are zstd frames. */
int sp__r2_db_zstd(const sp__r2_db *db);
/* Rows indexed. */
uint64_t sp__r2_db_rows(const sp__r2_db *db);

/* The data of the row of entry @p e into staging slot SP__LOG_SLOT_FETCH
 * (decompressed into SP__LOG_SLOT_FETCH + 1 for zstd messages): *data,
 * *size. Allocation-free after the first call (one sqlite3_blob per file,
 * moved from row to row). SP_EFORMAT naming the file, the row id and the
 * topic for a row whose data is not a blob, a damaged database or a zstd
 * frame that does not decompress; SP_EIO; SP_EBUDGET / SP_ENOMEM. */
int sp__r2_db_fetch(sp_log *log, sp__r2_db *db, const sp__log_entry *e,
                    const uint8_t **data, size_t *size);

/* The content size of the zstd frame at @p p (@p n bytes) into *size;
 * SP_EFORMAT with *why ("not a zstd frame", ...) when it has none, or one
 * larger than @p n bytes of blocks can hold or than SP__LOG_MAX_STAGE.
 * Sets no message. */
int sp__r2_zstd_size(const uint8_t *p, size_t n, uint64_t *size,
                     const char **why);

/* ---- FILE-mode compression (io/rosbag2.c) ---- */

/* Decompress the zstd file @p path (streaming, bounded buffers) into a new
 * temporary file under $TMPDIR (or /tmp); its path into @p tmp (cap
 * bytes). The caller unlinks it. Errors name @p path, never the
 * temporary file. */
int sp__r2_unzstd_file(const char *path, char *tmp, size_t cap);

/* ---- storage mcap (io/rosbag2_mcap.c) ---- */

/* Index the MCAP files of a rosbag2 folder @p dir described by @p m into
 * @p log; from then on the log reads through the MCAP container's ops. */
int sp__r2_open_mcap(sp_log *log, const char *dir, const sp__r2_meta *m);

/* The path of storage file @p rel of the bag folder @p dir as rosbag2
 * resolves it (metadata versions below 4 name files from the folder's
 * parent), into @p buf; SP_ENOTFOUND naming metadata.yaml when missing. */
int sp__r2_resolve(const char *dir, const sp__r2_meta *m, const char *rel,
                   char *buf, size_t cap);

#endif
