// A small LZ4 frame encoder for the MCAP fixtures (@mcap/support only
// decompresses): greedy matching with one hash probe, independent blocks of
// up to 4 MiB, content checksum (xxHash32) on. Its frames are checked by the
// tests themselves: @mcap/support's wasm-lz4 and liblz4 both decode them.

const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;
const rotl = (x, r) => ((x << r) | (x >>> (32 - r))) >>> 0;
const rd32 = (b, i) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function xxh32(b) {
  let i = 0;
  const n = b.length;
  let h;
  if (n >= 16) {
    let v1 = (P1 + P2) >>> 0, v2 = P2, v3 = 0, v4 = (0 - P1) >>> 0;
    const round = (v, x) => Math.imul(rotl((v + Math.imul(x, P2)) >>> 0, 13), P1) >>> 0;
    for (; i + 16 <= n; i += 16) {
      v1 = round(v1, rd32(b, i));
      v2 = round(v2, rd32(b, i + 4));
      v3 = round(v3, rd32(b, i + 8));
      v4 = round(v4, rd32(b, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = P5;
  }
  h = (h + n) >>> 0;
  for (; i + 4 <= n; i += 4) {
    h = Math.imul(rotl((h + Math.imul(rd32(b, i), P3)) >>> 0, 17), P4) >>> 0;
  }
  for (; i < n; i++) {
    h = Math.imul(rotl((h + Math.imul(b[i], P5)) >>> 0, 11), P1) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function lz4Block(src) {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16);
  let o = 0, anchor = 0, i = 0;
  const table = new Int32Array(1 << 16).fill(-1);
  const putLen = (len) => {
    for (; len >= 255; len -= 255) out[o++] = 255;
    out[o++] = len;
  };
  const sequence = (litEnd, off, ml) => {
    const lit = litEnd - anchor;
    out[o++] = (Math.min(lit, 15) << 4) | (off ? Math.min(ml - 4, 15) : 0);
    if (lit >= 15) putLen(lit - 15);
    out.set(src.subarray(anchor, litEnd), o);
    o += lit;
    if (!off) return;
    out[o++] = off & 255;
    out[o++] = off >>> 8;
    if (ml - 4 >= 15) putLen(ml - 4 - 15);
  };
  // The format's rules: a match starts 12 or more bytes before the end,
  // the last 5 bytes are literals.
  while (i + 12 < n) {
    const seq = rd32(src, i);
    const h = Math.imul(seq, 2654435761) >>> 16;
    const ref = table[h];
    table[h] = i;
    if (ref >= 0 && i - ref <= 65535 && rd32(src, ref) === seq) {
      let ml = 4;
      while (i + ml < n - 5 && src[ref + ml] === src[i + ml]) ml++;
      sequence(i, i - ref, ml);
      i += ml;
      anchor = i;
    } else {
      i++;
    }
  }
  sequence(n, 0, 0);
  return out.subarray(0, o);
}

export function lz4Frame(data) {
  const parts = [];
  const flg = 0x64; // version 01, independent blocks, content checksum
  const bd = 0x70; // blocks of up to 4 MiB
  const head = new Uint8Array([0x04, 0x22, 0x4d, 0x18, flg, bd, 0]);
  head[6] = (xxh32(new Uint8Array([flg, bd])) >>> 8) & 255;
  parts.push(head);
  const u32 = (v) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return b;
  };
  for (let at = 0; at < data.length; at += 4 << 20) {
    const raw = data.subarray(at, Math.min(data.length, at + (4 << 20)));
    const packed = lz4Block(raw);
    if (packed.length < raw.length) {
      parts.push(u32(packed.length), packed);
    } else {
      parts.push(u32((raw.length | 0x80000000) >>> 0), raw);
    }
  }
  parts.push(u32(0), u32(xxh32(data)));
  return Buffer.concat(parts);
}
