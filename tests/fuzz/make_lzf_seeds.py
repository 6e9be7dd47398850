#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_lzf (tests/fuzz/corpus/lzf/): a few small
inputs in the target's format (see fuzz_lzf.c), with LZF made by the tiny
greedy encoder below (literal runs and back references, the two LZF codes),
so the seeds hold both kinds. Run from anywhere; it rewrites the folder's
seed-*.bin files."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "lzf")
PS = [12, 15, 32, 31]  # point size of fuzz_lzf's layouts 0..3


def lzf(data):
    out, lit, i = bytearray(), bytearray(), 0

    def flush():
        for k in range(0, len(lit), 32):
            chunk = lit[k:k + 32]
            out.append(len(chunk) - 1)
            out.extend(chunk)
        lit.clear()

    while i < len(data):
        best, off = 0, 0
        for j in range(max(0, i - 8192), i):
            n = 0
            while i + n < len(data) and n < 264 and data[j + n] == data[i + n]:
                n += 1
            if n > best:
                best, off = n, i - j - 1
        if best >= 3:
            flush()
            n = best - 2
            if n < 7:
                out += bytes([(n << 5) | (off >> 8), off & 255])
            else:
                out += bytes([(7 << 5) | (off >> 8), n - 7, off & 255])
            i += best
        else:
            lit.append(data[i])
            i += 1
    flush()
    return bytes(out)


def decode_seed(layout, cols):
    points = len(cols) // PS[layout]
    z = lzf(cols)
    return bytes([layout]) + struct.pack("<H", points) + \
        struct.pack("<II", len(z), len(cols)) + z


def main():
    os.makedirs(HERE, exist_ok=True)
    seeds = {}
    xyz = struct.pack("<12f", *([0.5, 1.5, 2.5, 3.5] + [-1.0] * 4 + [7.0, 7.0, 8.0, 8.0]))
    seeds["seed-decode-xyz.bin"] = decode_seed(0, xyz)
    ring = xyz + bytes([10, 20, 30, 40]) + struct.pack("<4H", 0, 1, 2, 63)
    seeds["seed-decode-ring.bin"] = decode_seed(1, ring)
    dbl = struct.pack("<8d", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1e9, 1e9 + 0.1)
    seeds["seed-decode-f8.bin"] = decode_seed(2, dbl)
    pad = bytes(31 * 3)
    seeds["seed-decode-count3.bin"] = decode_seed(3, pad)
    seeds["seed-decode-zeros.bin"] = decode_seed(0, bytes(12 * 64))
    seeds["seed-roundtrip-xyz.bin"] = bytes([4]) + xyz
    seeds["seed-roundtrip-ring.bin"] = bytes([5]) + ring
    for name, data in seeds.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
