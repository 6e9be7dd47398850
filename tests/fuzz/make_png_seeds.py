#!/usr/bin/python3
"""Seed corpus for fuzz_png (and the PNG files of fuzz_kitti / fuzz_info):
tiny PNGs of every colour type and bit depth the reader handles, plain and
Adam7-interlaced, a palette with and without tRNS, each under 1 KB.

A small encoder of its own (zlib + struct), so that the seeds cover what
cv2 cannot write (palettes, 1/2/4-bit gray, interlacing, gray+alpha).

    /usr/bin/python3 tests/fuzz/make_png_seeds.py tests/fuzz/corpus/png
"""
import os
import struct
import sys
import zlib

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, body):
    c = struct.pack(">I", len(body)) + kind + body
    return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def pack_row(samples, depth):
    """samples: a flat list of sample values for one row."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        nbits += depth
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def png(width, height, color, depth, pixel, interlace=0, extra=b""):
    """pixel(x, y) -> tuple of samples."""
    ch = CHANNELS[color]
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, width, dx))
        if not xs:
            continue
        for y in range(y0, height, dy):
            samples = [s for x in xs for s in pixel(x, y)]
            assert all(len(pixel(x, y)) == ch for x in xs)
            raw += b"\x00" + pack_row(samples, depth)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def seeds():
    m = lambda d: (1 << d) - 1
    for depth in (1, 2, 4, 8, 16):
        yield f"gray{depth}", png(7, 5, 0, depth,
                                  lambda x, y, d=depth: ((x * 3 + y) % (m(d) + 1),))
    for depth in (8, 16):
        yield f"rgb{depth}", png(5, 4, 2, depth,
                                 lambda x, y, d=depth: (x * 40 % (m(d) + 1), y * 50 % (m(d) + 1), 7))
        yield f"rgba{depth}", png(4, 3, 6, depth,
                                  lambda x, y, d=depth: (x, y, x + y, m(d) - x))
        yield f"graya{depth}", png(3, 4, 4, depth, lambda x, y: (x * 9, y))
    plte = chunk(b"PLTE", bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]))
    for depth in (1, 2, 4, 8):
        n = min(4, 1 << depth)
        yield f"pal{depth}", png(6, 3, 3, depth, lambda x, y, n=n: ((x + y) % n,),
                                 extra=plte)
    yield "pal8-trns", png(6, 3, 3, 8, lambda x, y: ((x + y) % 4,),
                           extra=plte + chunk(b"tRNS", bytes([0, 128])))
    yield "gray8-adam7", png(9, 9, 0, 8, lambda x, y: (x * 16 + y,), interlace=1)
    yield "rgb8-adam7", png(5, 6, 2, 8, lambda x, y: (x, y, 3), interlace=1)
    yield "gray1-adam7", png(10, 3, 0, 1, lambda x, y: ((x ^ y) & 1,), interlace=1)
    yield "rgba16-adam7", png(3, 3, 6, 16, lambda x, y: (x, y, 9, 65535),
                              interlace=1)
    yield "1x1", png(1, 1, 0, 8, lambda x, y: (42,))
    # a text chunk before the data (skipped by the reader)
    yield "gray8-text", png(2, 2, 0, 8, lambda x, y: (x,),
                            extra=chunk(b"tEXt", b"sensorpipe:range\x000 1"))


def recipes():
    """fuzz_png's "RW" recipes: kind (colour type and depth), width - 1
    (low byte, then bit 8), zlib level and IDAT chunk size, then the
    filtered rows, each with its filter byte; every filter on every kind,
    rows of 1 pixel up, one row with filter 5 (unknown: refused)."""
    bpp = {0: 1, 1: 3, 2: 4, 3: 2, 4: 6, 5: 2}
    for kind, b in bpp.items():
        for w in (1, 5, 17, 33):
            rows = b"".join(bytes([f]) + bytes((x * 37 + f * 11 + w) & 255
                                               for x in range(w * b))
                            for f in range(5))
            yield (f"recipe-k{kind}-w{w}",
                   b"RW" + bytes([kind, w - 1, 0, 0x96]) + rows)
    yield "recipe-badfilter", b"RW" + bytes([1, 3, 0, 0x06]) + b"\x05" + bytes(12)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/png"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        assert len(data) < 4096, name
        with open(os.path.join(out, name + ".png"), "wb") as f:
            f.write(data)
    for name, data in recipes():
        assert len(data) < 4096, name
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
