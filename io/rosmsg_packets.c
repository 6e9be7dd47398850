/* Lidar packet messages (see sp_rosmsg.h): velodyne_msgs/VelodyneScan,
 * pandar_msgs/PandarScan, the Ouster PacketMsg, and std_msgs/String for a
 * sensor's metadata. The scans are sequences of fixed-size structures, so
 * parsing finds the first packet and the stride (CDR pads a VelodynePacket
 * to 4 bytes between elements; ROS1 packs them) and checks the last one
 * ends inside the message; the packets are then read in place. */
#include <string.h>

#include "rosmsg_cursor_int.h"

#define VEL_DATA 1206
#define PANDAR_DATA 1500

int sp_rosmsg_packets_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                            sp_rosmsg_kind kind, sp_rospkt_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    out->kind = kind;
    sp__rcur c;
    if (kind == SP_ROSMSG_OUSTER_PACKET) {
        SP_TRY(sp__rcur_init(&c, buf, n, enc, "PacketMsg"));
        uint32_t len;
        const uint8_t *data;
        SP_TRY(sp__rcur_seq(&c, &len, 1, &data, "buf"));
        out->count = 1;
        out->first = data;
        out->data_at = 0;
        out->data_len = len;
        return SP_OK;
    }
    const char *type = kind == SP_ROSMSG_VELODYNE_SCAN ? "VelodyneScan"
                       : kind == SP_ROSMSG_PANDAR_SCAN ? "PandarScan"
                                                       : NULL;
    if (!type)
        return sp__fail(SP_EINVAL,
                        "packets: message kind %d, expected a "
                        "VelodyneScan, PandarScan or PacketMsg",
                        (int)kind);
    SP_TRY(sp__rcur_init(&c, buf, n, enc, type));
    SP_TRY(sp__rcur_header(&c, &out->header));
    /* Each element: time (8), data, [uint32 size]. */
    size_t elem =
        kind == SP_ROSMSG_VELODYNE_SCAN ? 8 + VEL_DATA : 8 + PANDAR_DATA + 4;
    SP_TRY(sp__rcur_seq_len(&c, &out->count, elem, "packets"));
    /* CDR: the stamp of every element is 4-aligned; the first one after
     * the count already is. */
    size_t stride = c.cdr ? (elem + 3) & ~(size_t)3 : elem;
    size_t first = c.pos;
    if (out->count) {
        size_t need = (size_t)(out->count - 1) * stride + elem;
        if (need > c.n - first)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: %u packets need %zu bytes, %zu "
                            "left",
                            type, first, out->count, need, c.n - first);
    }
    out->first = c.buf + first;
    out->stride = stride;
    out->data_at = 8;
    out->data_len = kind == SP_ROSMSG_VELODYNE_SCAN ? VEL_DATA : PANDAR_DATA;
    out->size_at = kind == SP_ROSMSG_PANDAR_SCAN ? 8 + PANDAR_DATA : 0;
    out->swap = c.swap;
    out->has_stamp = 1;
    if (out->size_at)
        for (uint32_t i = 0; i < out->count; i++) {
            uint32_t sz;
            memcpy(&sz, out->first + (size_t)i * stride + out->size_at, 4);
            if (out->swap)
                sz = sp__bswap32(sz);
            if (sz > PANDAR_DATA)
                return sp__fail(SP_EFORMAT,
                                "PandarScan: byte %zu: packet %u: size %u, "
                                "expected at most %d",
                                first + (size_t)i * stride + out->size_at, i,
                                sz, PANDAR_DATA);
        }
    return SP_OK;
}

void sp_rosmsg_packet_at(const sp_rospkt_msg *m, uint32_t i,
                         const uint8_t **data, size_t *len, int64_t *stamp_ns)
{
    const uint8_t *p = m->first + (size_t)i * m->stride;
    *data = p + m->data_at;
    *len = m->data_len;
    *stamp_ns = 0;
    if (m->size_at) {
        uint32_t sz;
        memcpy(&sz, p + m->size_at, 4);
        *len = m->swap ? sp__bswap32(sz) : sz;
    }
    if (m->has_stamp) {
        uint32_t sec, nsec;
        memcpy(&sec, p, 4);
        memcpy(&nsec, p + 4, 4);
        if (m->swap) {
            sec = sp__bswap32(sec);
            nsec = sp__bswap32(nsec);
        }
        /* Read as unsigned (ROS1's time; ROS 2's int32 seconds are never
         * negative in a recording). */
        *stamp_ns = (int64_t)sec * 1000000000 + nsec;
    }
}

int sp_rosmsg_string_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                           const char **s, size_t *len)
{
    SP_GUARD(s != NULL && len != NULL && (buf != NULL || n == 0));
    sp__rcur c;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "String"));
    return sp__rcur_string(&c, s, len, "data");
}
