// MCAP fixtures for tests/test_log_mcap.c, written with @mcap/core's
// McapWriter (the reference writer), deterministic from a fixed seed.
//
// usage: node make_mcap_fixtures.mjs OUTDIR            the test set (~1 MB)
//        node make_mcap_fixtures.mjs OUTDIR --big N    also clouds_{zstd,lz4}.mcap:
//                                                      N messages of 120,000 points x 16 B
//
// Test set (same 240 messages on 6 channels unless said; chunks of ~4 KiB):
//   indexed_{none,zstd,lz4}.mcap   chunked, summary, statistics, summary offsets
//   nosummary_{none,zstd,lz4}.mcap chunked, no summary section (footer summary_start 0)
//   unchunked.mcap                 messages outside chunks; summary without chunk indexes
//   unchunked_nosummary.mcap       messages outside chunks, no summary
//   outoforder_zstd.mcap           log times not monotonic: chunks overlap in time
//   nomsgindex_lz4.mcap            chunk indexes but no message indexes
//   attach_zstd.mcap               attachments and metadata records among the chunks
//   empty.mcap                     channels, no message; empty_bare.mcap: nothing at all
//   brotli.mcap                    chunks whose compression is "brotli" (unsupported)
//   unknown_op.mcap                nosummary_none.mcap with records of opcodes 0x80 and
//                                  0x99 (reserved/unknown: to be skipped) after the Header
// LZ4 chunks are LZ4 frames (content checksum on) made by the small encoder
// below (@mcap/support only decompresses); zstd chunks by @foxglove/wasm-zstd.
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { McapWriter } from "@mcap/core";
import zstd from "@foxglove/wasm-zstd";

await zstd.isLoaded;

const [outdir, ...flags] = process.argv.slice(2);
if (!outdir) {
  console.error("usage: node make_mcap_fixtures.mjs OUTDIR [--big N]");
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });

// ---- LZ4 frame encoder (greedy, one hash probe) and xxHash32 ----

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

// ---- the messages ----

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = 1700000000000000000n;
const NMSG = 240;

// Several channels of one topic (/a twice), one channel that never carries
// a message, a ROS1 one, and a schemaless JSON one.
async function registerAll(w) {
  const blob = await w.registerSchema({
    name: "test_msgs/msg/Blob",
    encoding: "ros2msg",
    data: new TextEncoder().encode("uint8[] data\n"),
  });
  const str = await w.registerSchema({
    name: "std_msgs/msg/String",
    encoding: "ros2msg",
    data: new TextEncoder().encode("string data\n"),
  });
  const ros1 = await w.registerSchema({
    name: "std_msgs/String",
    encoding: "ros1msg",
    data: new TextEncoder().encode("string data\n"),
  });
  const md = new Map([["offered_qos_profiles", ""]]);
  return [
    await w.registerChannel({ topic: "/a", schemaId: blob, messageEncoding: "cdr", metadata: md }),
    await w.registerChannel({ topic: "/b", schemaId: str, messageEncoding: "cdr", metadata: md }),
    await w.registerChannel({ topic: "/a", schemaId: blob, messageEncoding: "cdr", metadata: new Map() }),
    await w.registerChannel({ topic: "/r1", schemaId: ros1, messageEncoding: "ros1", metadata: new Map() }),
    await w.registerChannel({ topic: "/j", schemaId: 0, messageEncoding: "json", metadata: new Map() }),
    await w.registerChannel({ topic: "/never", schemaId: str, messageEncoding: "cdr", metadata: md }),
  ];
}

function messages(channels, { outOfOrder = false } = {}) {
  const rnd = prng(12345);
  const list = [];
  let t = T0;
  for (let i = 0; i < NMSG; i++) {
    // Every 7th message shares the log time of the one before it.
    if (i % 7 !== 6) t += BigInt(1 + Math.floor(rnd() * 5000000));
    const logTime = outOfOrder ? T0 + BigInt(((i * 37) % NMSG) * 1000000 + (i % 5)) : t;
    const ch = channels[Math.floor(rnd() * 5)];
    const size = i % 50 === 3 ? 0 : Math.floor(rnd() * 3000);
    const data = new Uint8Array(size);
    for (let k = 0; k < size; k++) data[k] = (k % 13 === 0 ? rnd() * 256 : i + k) & 255;
    list.push({ channelId: ch, sequence: i, logTime, publishTime: logTime - 500n, data });
  }
  return list;
}

class Sink {
  constructor() {
    this.parts = [];
    this.pos = 0n;
  }
  async write(buf) {
    this.parts.push(Buffer.from(buf));
    this.pos += BigInt(buf.byteLength);
  }
  position() {
    return this.pos;
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}

const compressors = {
  none: undefined,
  zstd: (d) => ({ compression: "zstd", compressedData: zstd.compress(d, 3) }),
  lz4: (d) => ({ compression: "lz4", compressedData: lz4Frame(d) }),
  brotli: (d) => ({ compression: "brotli", compressedData: d }),
};

const NO_SUMMARY = {
  repeatSchemas: false,
  repeatChannels: false,
  useStatistics: false,
  useSummaryOffsets: false,
  useChunkIndex: false,
  useAttachmentIndex: false,
  useMetadataIndex: false,
};

async function write(name, { comp = "none", opts = {}, outOfOrder = false, count = NMSG, extras } = {}) {
  const sink = new Sink();
  const w = new McapWriter({ writable: sink, chunkSize: 4096, compressChunk: compressors[comp], ...opts });
  await w.start({ profile: "ros2", library: "sensorpipe fixtures" });
  const ch = await registerAll(w);
  const msgs = messages(ch, { outOfOrder }).slice(0, count);
  for (let i = 0; i < msgs.length; i++) {
    await w.addMessage(msgs[i]);
    if (extras && i % 60 === 30) await extras(w, i);
  }
  await w.end();
  const bytes = sink.bytes();
  writeFileSync(join(outdir, name), bytes);
  return bytes;
}

for (const comp of ["none", "zstd", "lz4"]) {
  await write(`indexed_${comp}.mcap`, { comp });
  await write(`nosummary_${comp}.mcap`, { comp, opts: NO_SUMMARY });
}
await write("unchunked.mcap", { opts: { useChunks: false } });
await write("unchunked_nosummary.mcap", { opts: { useChunks: false, ...NO_SUMMARY } });
await write("outoforder_zstd.mcap", { comp: "zstd", outOfOrder: true });
await write("nomsgindex_lz4.mcap", { comp: "lz4", opts: { useMessageIndex: false } });
await write("attach_zstd.mcap", {
  comp: "zstd",
  extras: async (w, i) => {
    await w.addAttachment({
      name: `calib_${i}.yaml`,
      mediaType: "text/yaml",
      logTime: T0 + BigInt(i),
      createTime: T0,
      data: new TextEncoder().encode(`frame: ${i}\n`),
    });
    await w.addMetadata({ name: `meta_${i}`, metadata: new Map([["k", String(i)]]) });
  },
});
await write("empty.mcap", { count: 0 });
{
  const sink = new Sink();
  const w = new McapWriter({ writable: sink });
  await w.start({ profile: "", library: "sensorpipe fixtures" });
  await w.end();
  writeFileSync(join(outdir, "empty_bare.mcap"), sink.bytes());
}
await write("brotli.mcap", { comp: "brotli" });
{
  // Records of opcodes the spec reserves (0x80: user range; 0x99) right
  // after the Header: a reader skips them by their length.
  const src = readFileSync(join(outdir, "nosummary_none.mcap"));
  const hlen = Number(src.readBigUInt64LE(9));
  const at = 8 + 9 + hlen;
  const rec = (op, n) => {
    const b = Buffer.alloc(9 + n, 0xab);
    b[0] = op;
    b.writeBigUInt64LE(BigInt(n), 1);
    return b;
  };
  writeFileSync(
    join(outdir, "unknown_op.mcap"),
    Buffer.concat([src.subarray(0, at), rec(0x80, 5), rec(0x99, 0), src.subarray(at)]),
  );
}

// ---- large clouds for throughput measurements ----

const bigAt = flags.indexOf("--big");
if (bigAt >= 0) {
  const n = Number(flags[bigAt + 1] ?? 40);
  const POINTS = 120000;
  for (const comp of ["zstd", "lz4"]) {
    const sink = new Sink();
    const w = new McapWriter({ writable: sink, chunkSize: 4 << 20, compressChunk: compressors[comp] });
    await w.start({ profile: "ros2", library: "sensorpipe fixtures" });
    const schema = await w.registerSchema({
      name: "test_msgs/msg/Blob",
      encoding: "ros2msg",
      data: new TextEncoder().encode("uint8[] data\n"),
    });
    const ch = await w.registerChannel({ topic: "/cloud", schemaId: schema, messageEncoding: "cdr", metadata: new Map() });
    const rnd = prng(99);
    for (let m = 0; m < n; m++) {
      // A spinning 64-beam scan: x, y, z, intensity as float32.
      const f = new Float32Array(POINTS * 4);
      for (let p = 0; p < POINTS; p++) {
        const ring = p % 64, az = (p / 64) * 0.0033 + m * 0.01;
        const r = 8 + 30 * Math.abs(Math.sin(az * 3 + ring * 0.1)) + rnd() * 0.05;
        const el = (ring - 32) * 0.0065;
        f[p * 4] = r * Math.cos(el) * Math.cos(az);
        f[p * 4 + 1] = r * Math.cos(el) * Math.sin(az);
        f[p * 4 + 2] = r * Math.sin(el);
        f[p * 4 + 3] = Math.floor(rnd() * 256);
      }
      const logTime = T0 + BigInt(m) * 100000000n;
      await w.addMessage({ channelId: ch, sequence: m, logTime, publishTime: logTime, data: new Uint8Array(f.buffer) });
    }
    await w.end();
    writeFileSync(join(outdir, `clouds_${comp}.mcap`), sink.bytes());
  }
}
