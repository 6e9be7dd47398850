// MCAP fixtures for tests/test_log_mcap.c, written with @mcap/core's
// McapWriter (the reference writer), deterministic from a fixed seed.
//
// usage: node make_mcap_fixtures.mjs OUTDIR            the test set (~3 MB)
//        node make_mcap_fixtures.mjs OUTDIR --big N    also clouds_{zstd,lz4}.mcap:
//                                                      N messages of 120,000 points x 16 B
//        node make_mcap_fixtures.mjs OUTDIR --seeds    the same layouts, tiny (6 messages
//                                                      of <= 24 bytes): fuzzing seeds
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

import { lz4Frame } from "./lz4frame.mjs";

await zstd.isLoaded;

const [outdir, ...flags] = process.argv.slice(2);
if (!outdir) {
  console.error("usage: node make_mcap_fixtures.mjs OUTDIR [--big N]");
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });

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
const SEEDS = flags.includes("--seeds");
const NMSG = SEEDS ? 6 : 240;
const MAXSIZE = SEEDS ? 24 : 3000;
const CHUNK = SEEDS ? 64 : 4096;

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
    const size = i % 50 === 3 ? 0 : Math.floor(rnd() * MAXSIZE);
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
  const w = new McapWriter({ writable: sink, chunkSize: CHUNK, compressChunk: compressors[comp], ...opts });
  await w.start({ profile: "ros2", library: "sensorpipe fixtures" });
  const ch = await registerAll(w);
  const msgs = messages(ch, { outOfOrder }).slice(0, count);
  for (let i = 0; i < msgs.length; i++) {
    await w.addMessage(msgs[i]);
    if (extras && i % 60 === (SEEDS ? 3 : 30)) await extras(w, i);
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
