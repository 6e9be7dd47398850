/* sensorpipe: classic libpcap capture files, read for the UDP packets in
 * them (lidar sensors send their measurements as UDP datagrams).
 *
 * Both byte orders and both time resolutions (microsecond magic
 * 0xa1b2c3d4, nanosecond 0xa1b23c4d) are read; link layers Ethernet (with
 * up to two 802.1Q/802.1ad tags), Linux cooked capture v1 and v2, raw IP
 * and BSD loopback; IPv4 (unfragmented: a reassembled datagram larger than
 * one Ethernet frame, as Ouster captures hold, is one record) and IPv6
 * without extension headers; then UDP. Records of other protocols are
 * counted and skipped. pcapng files are recognised and refused with a
 * message saying how to convert them.
 *
 * Damage stops the reader with SP_EFORMAT naming the file, the byte offset
 * of the record and its packet number (1-based, as Wireshark numbers
 * them): a record cut short by the end of the file, a captured length
 * beyond the snapshot length or the original length, an absurd size.
 * Nothing is allocated per packet: a record is read into the reader's own
 * buffer, allocated once when it is opened.
 *
 * Thread safety: one reader per thread. */
#ifndef SP_PCAP_H
#define SP_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest record the reader accepts (libpcap's own limit for Ethernet). */
#define SP_PCAP_MAX_RECORD 262144u

typedef struct sp_pcap_reader sp_pcap_reader;

/** One UDP datagram of a capture. */
typedef struct sp_pcap_packet {
    const uint8_t *data; /**< UDP payload; valid until the next call */
    size_t len;          /**< its bytes */
    int64_t stamp_ns;    /**< capture time, ns since the epoch */
    uint16_t src_port, dst_port;
    uint64_t number; /**< record number in the file, from 1 */
    uint64_t offset; /**< byte offset of the record's header */
} sp_pcap_packet;

/** What was seen so far. */
typedef struct sp_pcap_stats {
    uint64_t records;   /**< records read */
    uint64_t udp;       /**< UDP datagrams returned */
    uint64_t other;     /**< records of another protocol, skipped */
    uint64_t fragments; /**< IP fragments (not reassembled), skipped */
    uint64_t truncated; /**< datagrams cut by the snapshot length, skipped */
} sp_pcap_stats;

/** Open @p path (borrowed) and read its global header. *out is NULL on
 *  failure. SP_ENOTFOUND, SP_EIO, SP_EFORMAT (not a pcap file, a pcapng
 *  file, an unknown link type), SP_ENOMEM. */
int sp_pcap_open(const char *path, sp_pcap_reader **out);

/** As sp_pcap_open(), over @p size bytes at @p mem (borrowed; kept alive
 *  by the caller until sp_pcap_close()); @p name names it in messages. */
int sp_pcap_open_mem(const void *mem, size_t size, const char *name,
                     sp_pcap_reader **out);

/** The next UDP datagram into *pkt: SP_OK, SP_EOS after the last record,
 *  SP_EFORMAT for a damaged record (file, byte offset, packet number in
 *  the message), SP_EIO. */
int sp_pcap_next(sp_pcap_reader *r, sp_pcap_packet *pkt);

/** Back to the first record (stats are kept). */
int sp_pcap_rewind(sp_pcap_reader *r);

/** Counts so far. */
void sp_pcap_get_stats(const sp_pcap_reader *r, sp_pcap_stats *out);

/** "Ethernet", "Linux cooked (SLL)", ...; the time resolution ("us",
 *  "ns"); the byte order ("little", "big"); the snapshot length. */
const char *sp_pcap_linktype_name(const sp_pcap_reader *r);
const char *sp_pcap_resolution(const sp_pcap_reader *r);
const char *sp_pcap_byte_order(const sp_pcap_reader *r);
uint32_t sp_pcap_snaplen(const sp_pcap_reader *r);

/** The file's name as given. */
const char *sp_pcap_path(const sp_pcap_reader *r);

/** What a UDP datagram of @p n bytes (at @p p, borrowed) sent to @p port
 *  looks like, for people: "Velodyne VLP-16 data (return byte 0x37)",
 *  "Hesai Pandar64 data", "Ouster lidar packets", "unknown". */
void sp_pcap_guess(const uint8_t *p, size_t n, uint16_t port, char *out,
                   size_t cap);

/** The lidar stage's model= that decodes such a datagram ("vlp16",
 *  "pandar64", "ouster"), or NULL when it is no lidar data or a model the
 *  stage does not decode (Puck Hi-Res, Velarray, an unknown model byte).
 *  When @p what is not NULL, it gets sp_pcap_guess()'s words (@p cap
 *  bytes at most). When @p calib is not NULL, *calib is what that model's
 *  calib= must name, for people ("SENSOR.json (its metadata)" for Ouster,
 *  the unit's YAML table for a VLS-128), or NULL when its factory table
 *  serves. */
const char *sp_pcap_guess_model(const uint8_t *p, size_t n, uint16_t port,
                                char *what, size_t cap, const char **calib);

/** Close; NULL is a no-op. */
void sp_pcap_close(sp_pcap_reader *r);

#ifdef __cplusplus
}
#endif
#endif
