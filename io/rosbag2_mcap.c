/* rosbag2 folders whose storage is MCAP (see rosbag2_int.h): each file
 * listed in metadata.yaml is indexed by the MCAP container
 * (sp__mcap_index_file, io/mcap_read.c) and the log then reads through its
 * ops. FILE-mode files (x_0.mcap.zstd) are decompressed into a temporary
 * file first; MESSAGE mode (each message's data a zstd frame) wraps the
 * MCAP ops' parse_record with a decompression into staging slot
 * SP__LOG_SLOTS - 1.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rosbag2_int.h"

#define SLOT_UNZSTD (SP__LOG_SLOTS - 1)

static int zstd_parse_record(sp_log *log, const sp__log_entry *e,
                             const uint8_t *rec, size_t avail, sp_log_msg *msg)
{
    SP_TRY(sp__mcap_ops.parse_record(log, e, rec, avail, msg));
    const char *what = "rosbag2 message (compression_mode MESSAGE)";
    uint64_t want;
    const char *why;
    if (sp__r2_zstd_size(msg->data, msg->size, &want, &why) < 0)
        return sp__fail(SP_EFORMAT, "%s: %zu bytes: %s", what, msg->size, why);
    uint8_t *dst;
    SP_TRY(sp__log_stage(log, SLOT_UNZSTD, want, what, &dst));
    SP_TRY(sp__decompress(SP__CODEC_ZSTD, msg->data, msg->size, dst,
                          (size_t)want, 1, what));
    msg->data = dst;
    msg->size = (size_t)want;
    return SP_OK;
}

static int zstd_fetch(sp_log *log, const sp__log_entry *e, const uint8_t **rec,
                      size_t *avail, sp_log_msg *msg)
{
    return sp__mcap_ops.fetch(log, e, rec, avail, msg);
}

static void zstd_close(sp_log *log)
{
    if (sp__mcap_ops.close)
        sp__mcap_ops.close(log);
}

/* The MCAP ops with the messages decompressed. */
static const sp__log_ops zstd_ops = {.name = "rosbag2",
                                     .parse_record = zstd_parse_record,
                                     .fetch = zstd_fetch,
                                     .close = zstd_close};

int sp__r2_open_mcap(sp_log *log, const char *dir, const sp__r2_meta *m)
{
    /* From here on a failure is cleaned up by the MCAP container's close:
     * its impl is created by the first sp__mcap_index_file(). */
    const sp__log_ops *ops = &sp__mcap_ops;
    if (m->compression == SP__R2_COMP_MESSAGE)
        ops = &zstd_ops;
    sp__log_set_ops(log, ops);
    int opened = 0;
    for (size_t i = 0; i < m->npaths; i++) {
        char path[4096], tmp[4096];
        int rc = sp__r2_resolve(dir, m, m->paths[i], path, sizeof path);
        int file_zstd = 0;
        if (rc == SP_OK && m->compression == SP__R2_COMP_FILE) {
            rc = sp__r2_unzstd_file(path, tmp, sizeof tmp);
            file_zstd = rc == SP_OK;
        }
        if (rc == SP_OK) {
            rc = sp__mcap_index_file(log, file_zstd ? tmp : path);
            /* The log holds the file open: its name can go. */
            if (file_zstd)
                unlink(tmp);
        }
        if (rc == SP_OK) {
            opened++;
            continue;
        }
        if (rc != SP_EFORMAT && rc != SP_ENOTFOUND && rc != SP_EIO)
            return rc;
        if (i + 1 == m->npaths && !opened)
            return rc;
        sp__log_damage(log, rc, "%s", sp_errmsg());
    }
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->version, sizeof li->version, "%d", m->version);
    snprintf(li->profile, sizeof li->profile, "mcap");
    if (m->compression != SP__R2_COMP_NONE)
        snprintf(li->compression, sizeof li->compression, "%s",
                 m->compression == SP__R2_COMP_MESSAGE ? "zstd (message)"
                                                       : "zstd (file)");
    snprintf(li->note, sizeof li->note,
             "metadata.yaml v%d, storage mcap, %zu file%s in its order",
             m->version, m->npaths, m->npaths == 1 ? "" : "s");
    li->indexed = 1;
    return SP_OK;
}
