/* sensorpipe: a batch of raw sensor packets (lidar UDP payloads) as packed
 * arrays carved from one block.
 *
 * The payload bytes of every packet lie back to back in one byte array;
 * per-packet arrays give each packet's offset into it, its length, its
 * receive time and the UDP port it came to (0 when not known). The
 * sensor's metadata text (an Ouster sensor's metadata JSON, from a bag's
 * metadata topic) may travel with the packets, NUL-terminated, in the same
 * block. Like sp_points, the struct borrows its memory: it lives in the
 * block passed to sp_packets_init(), which the caller keeps alive, so a
 * packet frame costs no heap memory once the pools are warm.
 *
 * Block layout (what sp_packets_block_size() counts): offset (u32), length
 * (u32), stamp_ns (i64), port (u16), the data bytes, the metadata text;
 * each piece starting on a 64-byte boundary. */
#ifndef SP_PACKETS_H
#define SP_PACKETS_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags of a batch. */
enum {
    /** The batch is one whole scan as the recorder cut it (a
     *  velodyne_msgs/VelodyneScan or pandar_msgs/PandarScan message):
     *  the lidar stage's cut=message makes one cloud of it. */
    SP_PACKETS_SCAN = 1u << 0
};

/** Largest packet the arrays hold (a u32 length; real ones are < 64 KiB
 *  but a reassembled Ouster record exceeds one Ethernet frame). */
#define SP_PACKET_MAX_BYTES (1u << 20)

/** Bytes of sp_packets.vendor, with its NUL. */
#define SP_PACKETS_VENDOR_MAX 16

typedef struct sp_packets {
    uint8_t *data;     /**< payload bytes; packet i is data + offset[i] */
    uint32_t *offset;  /**< [capacity] byte offset of each packet in data */
    uint32_t *length;  /**< [capacity] bytes of each packet */
    int64_t *stamp_ns; /**< [capacity] receive (or message) time, ns */
    uint16_t *port;    /**< [capacity] UDP destination port, 0 unknown */
    size_t count;      /**< packets held */
    size_t capacity;   /**< packets the arrays have room for */
    size_t data_size;  /**< bytes of data used */
    size_t data_capacity;
    char *meta;           /**< metadata text, NUL-terminated ("" if none) */
    size_t meta_size;     /**< its length without the NUL */
    size_t meta_capacity; /**< room for text, without the NUL */
    unsigned flags;       /**< SP_PACKETS_* */
    char vendor[SP_PACKETS_VENDOR_MAX]; /**< what the source knows of the
                                             sender: "velodyne", "hesai",
                                             "ouster", or "" */
} sp_packets;

/** Bytes a block needs for @p capacity packets holding @p data_capacity
 *  payload bytes in all and @p meta_capacity bytes of metadata text
 *  (assuming the block starts 64-byte aligned). 0 on overflow. */
size_t sp_packets_block_size(size_t capacity, size_t data_capacity,
                             size_t meta_capacity);

/** Lay out @p p over @p mem (64-byte aligned, @p mem_size bytes): count,
 *  data_size, meta_size, flags 0, meta "", vendor "". SP_EINVAL when mem is
 *  misaligned or too small (sizes in the message). */
int sp_packets_init(sp_packets *p, void *mem, size_t mem_size, size_t capacity,
                    size_t data_capacity, size_t meta_capacity);

/** Append one packet: copies @p len bytes of @p bytes (borrowed).
 *  SP_ERANGE when the batch is full (packets or bytes): nothing changes,
 *  so the caller can start a new batch. SP_EINVAL for len above
 *  SP_PACKET_MAX_BYTES. */
int sp_packets_append(sp_packets *p, const void *bytes, size_t len,
                      int64_t stamp_ns, uint16_t port);

/** Room to append one packet of @p len bytes in place: returns where the
 *  caller writes its bytes (then sp_packets_commit()), or NULL when the
 *  batch is full. */
uint8_t *sp_packets_reserve(sp_packets *p, size_t len);

/** Finish the packet sp_packets_reserve() made room for. */
void sp_packets_commit(sp_packets *p, size_t len, int64_t stamp_ns,
                       uint16_t port);

/** Copy @p len bytes of metadata text @p text (borrowed; need not be
 *  NUL-terminated). SP_ERANGE when it does not fit (meta unchanged). */
int sp_packets_set_meta(sp_packets *p, const char *text, size_t len);

/** Packet @p i's bytes (no bounds check beyond the caller's i < count). */
static inline const uint8_t *sp_packets_at(const sp_packets *p, size_t i)
{
    return p->data + p->offset[i];
}

#ifdef __cplusplus
}
#endif
#endif
