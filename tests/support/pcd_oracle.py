#!/usr/bin/python3
"""An independent PCD reader and writer (numpy only) for test_pcd_fields.

  pcd_oracle.py compare A B [A B...]  same fields (padding "_" aside), types,
                                      sizes, counts, WIDTH/HEIGHT, VIEWPOINT
                                      and values bit for bit (NaN = NaN)
  pcd_oracle.py npy A.pcd B.npy       B, a structured array, holds every field
                                      of A with its type, count and values
  pcd_oracle.py autoware OUT.pcd ENC  Autoware's field set, mixed types
  pcd_oracle.py organised OUT.pcd ENC an organised cloud with rgb, normals,
                                      labels, a count-3 field, NaN points and
                                      a viewpoint
Exit status 0 when all holds; a message on stderr otherwise."""
import struct
import sys

import numpy as np

TYPES = {('F', 4): '<f4', ('F', 8): '<f8', ('U', 1): 'u1', ('U', 2): '<u2',
         ('U', 4): '<u4', ('U', 8): '<u8', ('I', 1): 'i1', ('I', 2): '<i2',
         ('I', 4): '<i4', ('I', 8): '<i8'}


def lzf_decompress(src, usize):
    out = bytearray()
    i = 0
    while i < len(src):
        ctrl = src[i]
        i += 1
        if ctrl < 32:
            out += src[i:i + ctrl + 1]
            i += ctrl + 1
        else:
            n = ctrl >> 5
            if n == 7:
                n += src[i]
                i += 1
            ref = len(out) - ((ctrl & 0x1f) << 8) - src[i] - 1
            i += 1
            for k in range(n + 2):
                out.append(out[ref + k])
    assert len(out) == usize, (len(out), usize)
    return bytes(out)


def lzf_literal(data):
    """A valid LZF stream of literal runs only."""
    out = bytearray()
    for k in range(0, len(data), 32):
        chunk = data[k:k + 32]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out)


def read(path):
    raw = open(path, 'rb').read()
    hdr = {}
    pos = 0
    while True:
        end = raw.index(b'\n', pos)
        line = raw[pos:end].decode().strip()
        pos = end + 1
        if not line or line.startswith('#'):
            continue
        key, *vals = line.split()
        hdr[key] = vals
        if key == 'DATA':
            break
    names = hdr['FIELDS']
    sizes = [int(s) for s in hdr['SIZE']]
    types = hdr['TYPE']
    counts = [int(c) for c in hdr.get('COUNT', ['1'] * len(names))]
    width, height = int(hdr['WIDTH'][0]), int(hdr.get('HEIGHT', ['1'])[0])
    npts = int(hdr.get('POINTS', [width * height])[0])
    vp = [float(v) for v in hdr.get('VIEWPOINT', '0 0 0 1 0 0 0'.split())]
    enc = hdr['DATA'][0]
    fields = []
    for k, n in enumerate(names):
        fields.append((n, types[k], sizes[k], counts[k]))
    dt = np.dtype([('f%d' % k, TYPES[(t, s)], (c,))
                   for k, (n, t, s, c) in enumerate(fields)])
    if enc == 'binary':
        arr = np.frombuffer(raw, dt, npts, pos)
    elif enc == 'binary_compressed':
        csize, usize = struct.unpack_from('<II', raw, pos)
        data = lzf_decompress(raw[pos + 8:pos + 8 + csize], usize)
        arr = np.zeros(npts, dt)
        off = 0
        for k in range(len(fields)):
            sub = dt['f%d' % k]
            nb = sub.itemsize * npts
            arr['f%d' % k] = np.frombuffer(data, sub.base, npts *
                                           sub.shape[0], off).reshape(
                                               npts, sub.shape[0])
            off += nb
    else:
        lines = [l for l in raw[pos:].decode().split('\n') if l.strip()]
        assert len(lines) == npts, (len(lines), npts)
        arr = np.zeros(npts, dt)
        for i, l in enumerate(lines):
            toks = l.split()
            t = 0
            for k, (n, ty, s, c) in enumerate(fields):
                vals = toks[t:t + c]
                t += c
                base = dt['f%d' % k].base
                if ty == 'F':
                    arr['f%d' % k][i] = np.array([float(v) for v in vals],
                                                 np.float64).astype(base)
                else:
                    arr['f%d' % k][i] = np.array([int(v) for v in vals], base)
    cols = {}
    order = []
    for k, (n, t, s, c) in enumerate(fields):
        if n == '_':
            continue
        cols[n] = ((t, s, c), arr['f%d' % k])
        order.append(n)
    return dict(order=order, cols=cols, width=width, height=height, vp=vp)


def compare(a_path, b_path):
    a, b = read(a_path), read(b_path)
    errs = []
    if a['order'] != b['order']:
        errs.append('fields %s vs %s' % (a['order'], b['order']))
    for k in ('width', 'height', 'vp'):
        if a[k] != b[k]:
            errs.append('%s %s vs %s' % (k, a[k], b[k]))
    for n in a['order']:
        if n not in b['cols']:
            continue
        (ta, va), (tb, vb) = a['cols'][n], b['cols'][n]
        if len(va) != len(vb):
            errs.append('%s: %d points vs %d' % (n, len(va), len(vb)))
            continue
        if ta != tb:
            errs.append('%s: type %s vs %s' % (n, ta, tb))
            continue
        if va.tobytes() != vb.tobytes():
            # NaN payloads aside, equal bit for bit.
            if va.dtype.kind == 'f':
                same = (va == vb) | (np.isnan(va) & np.isnan(vb))
                if same.all():
                    continue
            bad = np.nonzero((va != vb).reshape(len(va), -1).any(axis=1))[0]
            errs.append('%s: %d points differ, first %d: %s vs %s' %
                        (n, len(bad), bad[0], va[bad[0]], vb[bad[0]]))
    if errs:
        sys.stderr.write('%s vs %s:\n  %s\n' % (a_path, b_path,
                                                  '\n  '.join(errs)))
        return 1
    return 0


def npy(pcd_path, npy_path):
    """The structured .npy holds every field of the PCD, same type, count
    and values."""
    a, b = read(pcd_path), np.load(npy_path)
    errs = []
    if list(b.dtype.names) != a['order']:
        errs.append('names %s vs %s' % (list(b.dtype.names), a['order']))
    for n in a['order']:
        (t, s, cnt), va = a['cols'][n]
        if n not in b.dtype.names:
            continue
        vb = b[n].reshape(len(b), -1)
        if vb.dtype != np.dtype(TYPES[(t, s)]) or vb.shape != va.shape:
            errs.append('%s: %s%s vs %s%s' % (n, vb.dtype, vb.shape,
                                              va.dtype, va.shape))
        elif vb.tobytes() != va.tobytes():
            errs.append('%s: values differ' % n)
    if errs:
        sys.stderr.write('%s vs %s:\n  %s\n' % (pcd_path, npy_path,
                                                  '\n  '.join(errs)))
        return 1
    return 0


def write(path, fields, arrs, width, height, vp, enc):
    """fields: (name, type, size, count); arrs: one (n, count) array each."""
    n = width * height
    head = ('# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\n'
            'FIELDS %s\nSIZE %s\nTYPE %s\nCOUNT %s\nWIDTH %d\nHEIGHT %d\n'
            'VIEWPOINT %s\nPOINTS %d\nDATA %s\n') % (
                ' '.join(f[0] for f in fields),
                ' '.join(str(f[2]) for f in fields),
                ' '.join(f[1] for f in fields),
                ' '.join(str(f[3]) for f in fields), width, height,
                ' '.join(repr(v) for v in vp), n, enc)
    dt = np.dtype([('f%d' % k, TYPES[(t, s)], (c,))
                   for k, (nm, t, s, c) in enumerate(fields)])
    rec = np.zeros(n, dt)
    for k, a in enumerate(arrs):
        rec['f%d' % k] = a.reshape(n, -1)
    with open(path, 'wb') as f:
        f.write(head.encode())
        if enc == 'binary':
            f.write(rec.tobytes())
        elif enc == 'binary_compressed':
            data = b''.join(np.ascontiguousarray(rec['f%d' % k]).tobytes()
                            for k in range(len(fields)))
            c = lzf_literal(data)
            f.write(struct.pack('<II', len(c), len(data)) + c)
        else:
            for i in range(n):
                toks = []
                for k, (nm, t, s, c) in enumerate(fields):
                    for v in rec['f%d' % k][i]:
                        if t == 'F':
                            toks.append(repr(float(v)) if s == 8 else
                                        '%.9g' % float(v))
                        else:
                            toks.append(str(int(v)))
                f.write((' '.join(toks) + '\n').encode())


def autoware(path, enc):
    rng = np.random.default_rng(11)
    n = 1000
    fields = [('x', 'F', 4, 1), ('y', 'F', 4, 1), ('z', 'F', 4, 1),
              ('intensity', 'U', 1, 1), ('return_type', 'U', 1, 1),
              ('channel', 'U', 2, 1), ('azimuth', 'F', 4, 1),
              ('elevation', 'F', 4, 1), ('distance', 'F', 4, 1),
              ('time_stamp', 'U', 4, 1)]
    arrs = [rng.normal(0, 20, n).astype('<f4'),
            rng.normal(0, 20, n).astype('<f4'),
            rng.normal(0, 2, n).astype('<f4'),
            rng.integers(0, 256, n).astype('u1'),
            rng.integers(0, 7, n).astype('u1'),
            rng.integers(0, 128, n).astype('<u2'),
            rng.uniform(0, 6.28, n).astype('<f4'),
            rng.uniform(-0.4, 0.3, n).astype('<f4'),
            rng.uniform(0.5, 200, n).astype('<f4'),
            np.sort(rng.integers(0, 100_000_000, n)).astype('<u4')]
    write(path, fields, arrs, n, 1, [0, 0, 0, 1, 0, 0, 0], enc)


def autoware_f8(path, enc):
    """As Autoware's, with time_stamp float64 epoch seconds, a 2-byte
    signed and an 8-byte float custom field."""
    rng = np.random.default_rng(12)
    n = 500
    fields = [('x', 'F', 4, 1), ('y', 'F', 4, 1), ('z', 'F', 4, 1),
              ('intensity', 'U', 1, 1), ('return_type', 'U', 1, 1),
              ('channel', 'U', 2, 1), ('azimuth', 'F', 4, 1),
              ('elevation', 'F', 4, 1), ('distance', 'F', 4, 1),
              ('time_stamp', 'F', 8, 1), ('offset', 'I', 2, 1),
              ('range64', 'F', 8, 1)]
    arrs = [rng.normal(0, 20, n).astype('<f4'),
            rng.normal(0, 20, n).astype('<f4'),
            rng.normal(0, 2, n).astype('<f4'),
            rng.integers(0, 256, n).astype('u1'),
            rng.integers(0, 7, n).astype('u1'),
            rng.integers(0, 128, n).astype('<u2'),
            rng.uniform(0, 6.28, n).astype('<f4'),
            rng.uniform(-0.4, 0.3, n).astype('<f4'),
            rng.uniform(0.5, 200, n).astype('<f4'),
            1.7e9 + np.sort(rng.uniform(0, 0.1, n)),
            rng.integers(-30000, 30000, n).astype('<i2'),
            rng.normal(0, 1e5, n)]
    write(path, fields, arrs, n, 1, [0, 0, 0, 1, 0, 0, 0], enc)


def organised(path, enc):
    rng = np.random.default_rng(13)
    w, h = 16, 8
    n = w * h
    xyz = rng.normal(0, 5, (n, 3)).astype('<f4')
    xyz[::7] = np.nan  # invalid points of an organised cloud
    rgb = (rng.integers(0, 1 << 24, n).astype('<u4')).view('<f4')
    normals = rng.normal(0, 1, (n, 3)).astype('<f4')
    fields = [('x', 'F', 4, 1), ('y', 'F', 4, 1), ('z', 'F', 4, 1),
              ('rgb', 'F', 4, 1), ('normal_x', 'F', 4, 1),
              ('normal_y', 'F', 4, 1), ('normal_z', 'F', 4, 1),
              ('curvature', 'F', 4, 1), ('label', 'U', 4, 1),
              ('hist', 'F', 4, 3), ('flag', 'I', 1, 1),
              ('laser', 'U', 2, 1)]
    arrs = [xyz[:, 0], xyz[:, 1], xyz[:, 2], rgb, normals[:, 0],
            normals[:, 1], normals[:, 2],
            rng.uniform(0, 1, n).astype('<f4'),
            rng.integers(0, 40, n).astype('<u4'),
            rng.normal(0, 1, (n, 3)).astype('<f4'),
            rng.integers(-128, 128, n).astype('i1'),
            rng.integers(0, 64, n).astype('<u2')]
    write(path, fields, arrs, w, h, [1.5, -2.0, 0.25, 0.5, 0.5, 0.5, 0.5],
          enc)


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'compare':
        rest = sys.argv[2:]
        sys.exit(max(compare(rest[k], rest[k + 1])
                     for k in range(0, len(rest), 2)))
    if cmd == 'npy':
        sys.exit(npy(sys.argv[2], sys.argv[3]))
    {'autoware': autoware, 'autoware_f8': autoware_f8,
     'organised': organised}[cmd](sys.argv[2], sys.argv[3])
