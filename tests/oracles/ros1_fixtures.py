#!/usr/bin/python3
"""Writes the ROS1 bag fixtures of tests/test_log_ros1.c with Debian's
python3-rosbag (no ROS core needed).

Usage: /usr/bin/python3 ros1_fixtures.py OUTDIR

  overlap_{none,bz2,lz4}.bag  two topics whose chunks overlap in time (one
      written ahead of the other), /cam written by two connections (a
      second callerid), equal times across topics, an empty message,
      messages of 0..3000 bytes; small chunks (chunk_threshold 2000).
  empty.bag                   no messages.
  tiny_{none,bz2,lz4}.bag     three short messages, one chunk.
  seed_{none,bz2,lz4}.bag     the tiny bags without the bag header's
      4 KB of padding (offsets moved to match): the fuzz seeds, < 4 KB;
      seed_empty.bag likewise.
"""
import os
import random
import struct
import sys

import genpy
import genpy.dynamic
import rosbag


def pytype(datatype, definition):
    """A message class as rosbag's raw write wants it; the md5sum is the one
    genpy computes from the definition, so reading it back warns of
    nothing."""
    gen = genpy.dynamic.generate_dynamic(datatype, definition)[datatype]

    class P(object):
        _type = datatype
        _md5sum = gen._md5sum
        _full_text = definition
    return P


STRING = pytype('std_msgs/String', 'string data\n')
# Not the real PointCloud2 definition: a self-contained stand-in.
CLOUD = pytype('sensor_msgs/PointCloud2',
               'uint32 height\nuint32 width\nuint8[] data\n')


def raw(p, data):
    return (p._type, data, p._md5sum, None, p)


def t(ns):
    return genpy.Time(ns // 1000000000, ns % 1000000000)


def overlap(path, compression):
    rng = random.Random(7)
    bag = rosbag.Bag(path, 'w', compression=compression, chunk_threshold=2000)
    base = 1700000000 * 1000000000
    # /points first, all of it, then /cam and /chatter: their chunks come
    # later in the file but cover the same times.
    for i in range(40):
        size = rng.choice([0, 1, 17, 300, 1000, 3000])
        bag.write('/points', raw(CLOUD, bytes(rng.getrandbits(8)
                                              for _ in range(size))),
                  t(base + i * 100000000), raw=True)
    for i in range(40):
        if i == 20:
            # A second connection on /cam (another publisher).
            del bag._topic_connections['/cam']
            hdr = {'topic': '/cam', 'type': STRING._type,
                   'md5sum': STRING._md5sum,
                   'message_definition': STRING._full_text,
                   'callerid': '/second_node'}
            bag.write('/cam', raw(STRING, b'\x05\x00\x00\x00second'),
                      t(base + i * 100000000 + 50000000),
                      connection_header=hdr, raw=True)
            continue
        data = b'cam %d ' % i + bytes(rng.getrandbits(8)
                                      for _ in range(rng.randrange(400)))
        # Every fifth /cam message has the time of a /points message.
        dt = 0 if i % 5 == 0 else 50000000
        bag.write('/cam', raw(STRING, data), t(base + i * 100000000 + dt), raw=True)
        if i % 10 == 3:
            bag.write('/chatter', raw(STRING, b'\x02\x00\x00\x00hi'),
                      t(base + i * 100000000 + dt), raw=True)
    bag.close()


def tiny(path, compression):
    bag = rosbag.Bag(path, 'w', compression=compression)
    base = 1600000000 * 1000000000
    bag.write('/a', raw(STRING, b'\x03\x00\x00\x00abc'), t(base), raw=True)
    bag.write('/b', raw(CLOUD, bytes(range(40))), t(base + 5), raw=True)
    bag.write('/a', raw(STRING, b'\x01\x00\x00\x00z'), t(base + 3), raw=True)
    bag.close()


def fields(header):
    out, i = [], 0
    while i < len(header):
        (n,) = struct.unpack_from('<I', header, i)
        name, _, value = header[i + 4:i + 4 + n].partition(b'=')
        out.append((name, value))
        i += 4 + n
    return out


def record(fs, data):
    header = b''.join(struct.pack('<I', len(k) + 1 + len(v)) + k + b'=' + v
                      for k, v in fs)
    return (struct.pack('<I', len(header)) + header +
            struct.pack('<I', len(data)) + data)


def shrink(src, dst):
    """The bag at src without the bag header's padding: every record after
    it moves back, so index_pos and each chunk_pos move with them."""
    b = open(src, 'rb').read()
    pos, recs = 13, []
    while pos < len(b):
        (hl,) = struct.unpack_from('<I', b, pos)
        (dl,) = struct.unpack_from('<I', b, pos + 4 + hl)
        recs.append((fields(b[pos + 4:pos + 4 + hl]),
                     b[pos + 8 + hl:pos + 8 + hl + dl]))
        pos += 8 + hl + dl
    first_len = 8 + len(b''.join(struct.pack('<I', len(k) + 1 + len(v)) + k +
                                 b'=' + v for k, v in recs[0][0]))
    delta = (len(record(*recs[0]))) - first_len
    out = []
    for i, (fs, data) in enumerate(recs):
        fs = [(k, struct.pack('<Q', struct.unpack('<Q', v)[0] - delta))
              if k in (b'index_pos', b'chunk_pos') else (k, v) for k, v in fs]
        out.append(record(fs, b'' if i == 0 else data))
    open(dst, 'wb').write(b'#ROSBAG V2.0\n' + b''.join(out))


def main(out):
    os.makedirs(out, exist_ok=True)
    for c in ('none', 'bz2', 'lz4'):
        overlap(os.path.join(out, 'overlap_%s.bag' % c), c)
        tiny(os.path.join(out, 'tiny_%s.bag' % c), c)
        shrink(os.path.join(out, 'tiny_%s.bag' % c),
               os.path.join(out, 'seed_%s.bag' % c))
    rosbag.Bag(os.path.join(out, 'empty.bag'), 'w').close()
    shrink(os.path.join(out, 'empty.bag'), os.path.join(out, 'seed_empty.bag'))


if __name__ == '__main__':
    main(sys.argv[1])
