/* Internal to the log reader (io/log.c: index and open; io/log_read.c:
 * selection and reading): the reader's state. Containers do not see it
 * (they use log_int.h). */
#ifndef SP_LOG_READER_INT_H
#define SP_LOG_READER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "log_int.h"

#define SP__LOG_MAX_FILES 65535u
#define SP__LOG_MAX_TOPICS 65535u
#define SP__LOG_SKIPPED_TEXT 4096

typedef struct sp__log_file {
    char *path;
    int fd;
    uint64_t size;
} sp__log_file;

typedef struct sp__log_topic {
    sp_log_topic pub;
    char *name, *type, *encoding, *schema, *md5;
} sp__log_topic;

typedef struct sp__log_slot {
    sp_block *block;
    uint8_t *data;
    size_t cap;
} sp__log_slot;

struct sp_log {
    const sp__log_ops *ops;
    void *impl;
    sp_log_desc desc;
    sp_poolmgr *own_mgr;
    sp_log_info info;

    sp__log_file *files;
    size_t nfiles, cap_files;
    sp__log_topic *topics;
    size_t ntopics, cap_topics;
    sp__log_chunk *chunks;
    size_t nchunks, cap_chunks;
    sp__log_entry *entries;
    size_t nentries, cap_entries;

    uint32_t *by_time; /* entry indices in log-time order (stable) */
    uint32_t *rank;    /* per entry: its position in its topic, log time */
    uint8_t *bad;      /* per chunk: 1 once it failed to load (skipped) */

    /* Damage found while indexing: reported after every message. */
    int damage_status;
    char damage_msg[SP__ERRMSG_MAX];

    /* Selection. */
    uint32_t *sel;
    size_t nsel, sel_pos;
    int latched; /* an error: repeated on every later call */
    char latched_msg[SP__ERRMSG_MAX];

    sp__log_slot slots[SP__LOG_SLOTS];
    uint32_t cached[2]; /* chunk in slot CHUNK0/1, or SP__LOG_NO_CHUNK */
    int lru;            /* the slot to evict next */

    size_t nskipped;
    char skipped[SP__LOG_SKIPPED_TEXT];
    size_t skipped_len;
};

#endif
