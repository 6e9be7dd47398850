/* Packets: a batch of raw packets as packed arrays in one block (see
 * sp_packets.h). Appending copies bytes into the block; nothing here
 * allocates. */
#include <string.h>

#include "error_int.h"
#include "sp_packets.h"

#define ALIGN(n) (((n) + (size_t)63) & ~(size_t)63)

/* Adds ALIGN(bytes) to *total; 0 on overflow. */
static int add_piece(size_t *total, size_t count, size_t elem)
{
    if (elem && count > (SIZE_MAX - 64) / elem)
        return 0;
    size_t b = ALIGN(count * elem);
    if (b > SIZE_MAX - *total)
        return 0;
    *total += b;
    return 1;
}

size_t sp_packets_block_size(size_t capacity, size_t data_capacity,
                             size_t meta_capacity)
{
    size_t t = 0;
    if (meta_capacity == SIZE_MAX)
        return 0;
    if (!add_piece(&t, capacity, 4) || !add_piece(&t, capacity, 4) ||
        !add_piece(&t, capacity, 8) || !add_piece(&t, capacity, 2) ||
        !add_piece(&t, data_capacity, 1) ||
        !add_piece(&t, meta_capacity + 1, 1))
        return 0;
    return t;
}

int sp_packets_init(sp_packets *p, void *mem, size_t mem_size, size_t capacity,
                    size_t data_capacity, size_t meta_capacity)
{
    SP_GUARD(p != NULL && mem != NULL);
    memset(p, 0, sizeof *p);
    if (((uintptr_t)mem & 63) != 0)
        return sp__fail(SP_EINVAL,
                        "packets: memory at %p is not 64-byte "
                        "aligned",
                        mem);
    size_t need = sp_packets_block_size(capacity, data_capacity, meta_capacity);
    if (need == 0 || need > mem_size)
        return sp__fail(SP_EINVAL,
                        "packets: %zu packets, %zu data bytes and %zu metadata "
                        "bytes need %zu bytes, the memory holds %zu",
                        capacity, data_capacity, meta_capacity, need, mem_size);
    uint8_t *m = mem;
    p->offset = (uint32_t *)m;
    m += ALIGN(capacity * 4);
    p->length = (uint32_t *)m;
    m += ALIGN(capacity * 4);
    p->stamp_ns = (int64_t *)m;
    m += ALIGN(capacity * 8);
    p->port = (uint16_t *)m;
    m += ALIGN(capacity * 2);
    p->data = m;
    m += ALIGN(data_capacity);
    p->meta = (char *)m;
    p->meta[0] = '\0';
    p->capacity = capacity;
    p->data_capacity = data_capacity;
    p->meta_capacity = meta_capacity;
    return SP_OK;
}

uint8_t *sp_packets_reserve(sp_packets *p, size_t len)
{
    if (p == NULL || len > SP_PACKET_MAX_BYTES || p->count >= p->capacity ||
        len > p->data_capacity - p->data_size)
        return NULL;
    return p->data + p->data_size;
}

void sp_packets_commit(sp_packets *p, size_t len, int64_t stamp_ns,
                       uint16_t port)
{
    size_t i = p->count++;
    p->offset[i] = (uint32_t)p->data_size;
    p->length[i] = (uint32_t)len;
    p->stamp_ns[i] = stamp_ns;
    p->port[i] = port;
    p->data_size += len;
}

int sp_packets_append(sp_packets *p, const void *bytes, size_t len,
                      int64_t stamp_ns, uint16_t port)
{
    SP_GUARD(p != NULL && (bytes != NULL || len == 0));
    if (len > SP_PACKET_MAX_BYTES)
        return sp__fail(SP_EINVAL,
                        "packets: a packet of %zu bytes, expected "
                        "at most %u",
                        len, SP_PACKET_MAX_BYTES);
    uint8_t *dst = sp_packets_reserve(p, len);
    if (dst == NULL)
        return sp__fail(SP_ERANGE,
                        "packets: batch full (%zu of %zu packets, %zu of %zu "
                        "bytes), a %zu-byte packet does not fit",
                        p->count, p->capacity, p->data_size, p->data_capacity,
                        len);
    if (len)
        memcpy(dst, bytes, len);
    sp_packets_commit(p, len, stamp_ns, port);
    return SP_OK;
}

int sp_packets_set_meta(sp_packets *p, const char *text, size_t len)
{
    SP_GUARD(p != NULL && (text != NULL || len == 0));
    if (len > p->meta_capacity)
        return sp__fail(SP_ERANGE,
                        "packets: %zu bytes of metadata, room for "
                        "%zu",
                        len, p->meta_capacity);
    if (len)
        memcpy(p->meta, text, len);
    p->meta[len] = '\0';
    p->meta_size = len;
    return SP_OK;
}
