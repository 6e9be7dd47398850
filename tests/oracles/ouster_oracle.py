#!/usr/bin/python3
"""Independent Ouster decoder for the tests: packet layouts and the
range-to-xyz formulas are taken from Ouster's sensor manual (Lidar Data
Format; Lidar Range to XYZ), in float64 numpy, sharing no code or tables
with the C decoder.

    ouster_oracle.py CAPTURE.pcap META.json                 # summary
    ouster_oracle.py CAPTURE.pcap META.json XYZ.f32 RANGE.u32
        compares the C decoder's first-return planes, column-major
        (measurement id major, beam minor): exits 1 when a range differs
        or a point is more than 1e-4 m from the manual's.
"""
import json
import struct
import sys

import numpy as np


def udp_payloads(path):
    """UDP payloads of a classic pcap (Ethernet/IPv4), in file order."""
    data = open(path, 'rb').read()
    magic = struct.unpack_from('<I', data, 0)[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(end + 'IIII', data, off)
        rec = data[off + 16:off + 16 + incl]
        off += 16 + incl
        eth_type = struct.unpack_from('>H', rec, 12)[0]
        if eth_type != 0x0800:
            continue
        ip = rec[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        ulen = struct.unpack_from('>H', udp, 4)[0]
        yield struct.unpack_from('>H', udp, 2)[0], udp[8:ulen]


def meta_of(path):
    m = json.load(open(path))
    if 'beam_intrinsics' in m:  # firmware 2.4+ layout
        bi, df = m['beam_intrinsics'], m['lidar_data_format']
        l2s = m['lidar_intrinsics']['lidar_to_sensor_transform']
        prof = df.get('udp_profile_lidar', 'LEGACY')
    else:
        bi, df = m, m['data_format']
        l2s = m['lidar_to_sensor_transform']
        prof = df.get('udp_profile_lidar', 'LEGACY')
    if 'beam_to_lidar_transform' in bi:
        b2l = np.array(bi['beam_to_lidar_transform'], float).reshape(4, 4)
    else:
        b2l = np.eye(4)
        b2l[0, 3] = bi['lidar_origin_to_beam_origin_mm']
    return dict(alt=np.array(bi['beam_altitude_angles'], float),
                az=np.array(bi['beam_azimuth_angles'], float),
                b2l=b2l, l2s=np.array(l2s, float).reshape(4, 4),
                h=df['pixels_per_column'], w=df['columns_per_frame'],
                cpp=df['columns_per_packet'], prof=prof,
                shift=np.array(df['pixel_shift_by_row'], int))


def decode(pcap, meta):
    """range (mm, uint32) as [W, H] from the packets, and seen columns."""
    h, w, cpp, prof = meta['h'], meta['w'], meta['cpp'], meta['prof']
    rng = np.zeros((w, h), np.uint32)
    seen = np.zeros(w, bool)
    for _, pay in udp_payloads(pcap):
        if prof == 'LEGACY':
            blk = 16 + h * 12 + 4
            if len(pay) != cpp * blk:
                continue
            for c in range(cpp):
                col = pay[c * blk:(c + 1) * blk]
                if struct.unpack_from('<I', col, blk - 4)[0] != 0xffffffff:
                    continue
                mid = struct.unpack_from('<H', col, 8)[0]
                px = np.frombuffer(col, np.uint32, h * 3, 16).reshape(h, 3)
                rng[mid] = px[:, 0] & 0xfffff
                seen[mid] = True
        else:
            stride = {'RNG19_RFL8_SIG16_NIR16': 12,
                      'RNG19_RFL8_SIG16_NIR16_DUAL': 16,
                      'RNG15_RFL8_NIR8': 4}[prof]
            blk = 12 + h * stride
            if len(pay) != 32 + cpp * blk + 32:
                continue
            for c in range(cpp):
                col = pay[32 + c * blk:32 + (c + 1) * blk]
                if not struct.unpack_from('<H', col, 10)[0] & 1:
                    continue
                mid = struct.unpack_from('<H', col, 8)[0]
                words = np.frombuffer(col, np.uint8, h * stride, 12)
                words = words.reshape(h, stride)
                if stride == 4:
                    r = (words[:, 0].astype(np.uint32) |
                         words[:, 1].astype(np.uint32) << 8) & 0x7fff
                    rng[mid] = r * 8
                else:
                    r = (words[:, 0].astype(np.uint32) |
                         words[:, 1].astype(np.uint32) << 8 |
                         words[:, 2].astype(np.uint32) << 16) & 0x7ffff
                    rng[mid] = r
                seen[mid] = True
    return rng, seen


def xyz(meta, rng):
    """The manual's formulas, float64, sensor frame, metres: [W, H, 3]."""
    w, h = rng.shape
    b2l = meta['b2l']
    n = np.hypot(b2l[0, 3], b2l[2, 3])
    enc = 2 * np.pi * (1 - np.arange(w) / w)[:, None]
    az = (-2 * np.pi * meta['az'] / 360)[None, :]
    phi = (2 * np.pi * meta['alt'] / 360)[None, :]
    r = rng.astype(float)
    x = (r - n) * np.cos(enc + az) * np.cos(phi) + b2l[0, 3] * np.cos(enc)
    y = (r - n) * np.sin(enc + az) * np.cos(phi) + b2l[0, 3] * np.sin(enc)
    z = (r - n) * np.sin(phi) + b2l[2, 3]
    p = np.stack([x, y, z, np.ones_like(x)], -1) @ meta['l2s'].T
    return p[..., :3] / 1000.0


def main():
    meta = meta_of(sys.argv[2])
    rng, seen = decode(sys.argv[1], meta)
    ref = xyz(meta, rng)
    valid = (rng > 0) & seen[:, None]
    if len(sys.argv) == 3:
        print('columns', seen.sum(), 'returns', valid.sum())
        return 0
    w, h = rng.shape
    got = np.fromfile(sys.argv[3], np.float32).reshape(3, w, h)
    got = np.moveaxis(got, 0, -1)
    got_r = np.fromfile(sys.argv[4], np.uint32).reshape(w, h)
    bad_r = int(((got_r != rng) & seen[:, None]).sum())
    err = np.abs(got.astype(float) - ref)[valid].max()
    print(f'columns {seen.sum()} returns {valid.sum()} range mismatches '
          f'{bad_r} max xyz error {err:.3g} m')
    return 0 if bad_r == 0 and err <= 1e-4 and valid.sum() > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
