#!/usr/bin/env node
// Reads an MCAP file with the reference readers and prints what it holds as
// JSON, for tests/test_mcap_write.c to compare with what it wrote.
//
//   node mcap_dump.mjs FILE [--start NS --end NS] [--max-points N]
//
// Readers: @mcap/core's McapIndexedReader (footer, summary and its CRC,
// chunk indexes, message indexes, chunk CRCs; messages in log-time order)
// and McapStreamReader (a linear read of every record, chunk CRCs checked);
// @mcap/support's decompressHandlers for zstd and lz4. Messages are decoded
// with @foxglove/rosmsg2-serialization's MessageReader over the schema text
// parsed by @foxglove/rosmsg parse(text, {ros2: true}). The data section CRC
// (which neither reader checks) and the summary offset groups are checked
// here over the raw bytes.
//
// Output: one JSON object; list elements (schemas, channels, messages) one
// per line, keys in a fixed order, so a C test can compare lines exactly.
// 64-bit times are decimal strings; float32 values are their bit patterns
// as 8 hex digits; CRCs are CRC-32 (zlib) as 8 hex digits. PointCloud2
// messages list every point when width <= --max-points (default 64), and
// always points_crc: the CRC of every point's field values, each as its
// datatype's bytes (little-endian), concatenated in field order. Images
// give data_crc and their first 16 bytes in hex. Exit status 1 with a
// message on stderr when a reader refuses the file.
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";

import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";
import { parse } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";

const args = process.argv.slice(2);
if (args.length < 1) {
  process.stderr.write("usage: mcap_dump.mjs FILE [--start NS --end NS] [--max-points N]\n");
  process.exit(2);
}
const file = args[0];
let start, end;
let maxPoints = 64;
for (let i = 1; i < args.length; i += 2) {
  if (args[i] === "--start") start = BigInt(args[i + 1]);
  else if (args[i] === "--end") end = BigInt(args[i + 1]);
  else if (args[i] === "--max-points") maxPoints = Number(args[i + 1]);
  else throw new Error(`unknown option ${args[i]}`);
}

const hex32 = (n) => (n >>> 0).toString(16).padStart(8, "0");
const crcHex = (bytes) => hex32(crc32(bytes));
const line = (v) =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

const bytes = readFileSync(file);
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const readable = {
  size: async () => BigInt(bytes.length),
  read: async (offset, size) => bytes.subarray(Number(offset), Number(offset + size)),
};
const decompressHandlers = await loadDecompressHandlers();

// Records laid end to end over [from, to): their opcodes, or an error.
function walk(from, to) {
  const ops = [];
  let p = from;
  while (p < to) {
    if (p + 9 > to) throw new Error(`record head at ${p} runs past ${to}`);
    ops.push(view.getUint8(p));
    p += 9 + Number(view.getBigUint64(p + 1, true));
  }
  if (p !== to) throw new Error(`records end at ${p}, expected ${to}`);
  return ops;
}

const out = [];
const put = (key, value) => out.push(`${line(key)}: ${line(value)}`);
const putList = (key, items) =>
  out.push(`${line(key)}: [\n${items.map(line).join(",\n")}${items.length ? "\n" : ""}]`);

let reader;
try {
  reader = await McapIndexedReader.Initialize({ readable, decompressHandlers });
} catch (e) {
  process.stderr.write(`McapIndexedReader: ${e.message}\n`);
  process.exit(1);
}

put("header", { profile: reader.header.profile, library: reader.header.library });

// The data section CRC: every byte before the Data End record.
const dataCrc = crc32(bytes.subarray(0, Number(reader.dataEndOffset))) >>> 0;
put("crc", {
  summary: reader.footer.summaryCrc !== 0 ? "checked" : "absent",
  data_section:
    reader.dataSectionCrc === undefined
      ? "absent"
      : reader.dataSectionCrc === dataCrc
        ? "ok"
        : `bad ${hex32(reader.dataSectionCrc)} != ${hex32(dataCrc)}`,
  // The readers below verify every chunk CRC that is not 0 ("absent").
  chunks: (() => {
    const absent = reader.chunkIndexes.filter(
      (c) => view.getUint32(Number(c.chunkStartOffset) + 33, true) === 0,
    ).length;
    return absent === 0 ? "checked" : `${absent} of ${reader.chunkIndexes.length} absent`;
  })(),
});

// Every summary offset group holds only records of its opcode, end to end.
const groups = [];
for (const [op, so] of [...reader.summaryOffsetsByOpcode].sort((a, b) => a[0] - b[0])) {
  let ok;
  try {
    const s = Number(so.groupStart);
    ok = walk(s, s + Number(so.groupLength)).every((o) => o === op) ? "ok" : "mixed";
  } catch (e) {
    ok = e.message;
  }
  groups.push({ opcode: op, start: so.groupStart, length: so.groupLength, check: ok });
}
putList("summary_offsets", groups);

const schemas = [];
const readers = new Map();
for (const s of [...reader.schemasById.values()].sort((a, b) => a.id - b.id)) {
  const text = new TextDecoder().decode(s.data);
  let parsed = "not ros2msg";
  if (s.encoding === "ros2msg") {
    const defs = parse(text, { ros2: true });
    readers.set(s.id, new MessageReader(defs));
    parsed = defs.map((d) => d.name ?? "").join(",");
  }
  schemas.push({
    id: s.id,
    name: s.name,
    encoding: s.encoding,
    size: s.data.byteLength,
    crc: crcHex(s.data),
    definitions: parsed,
  });
}
putList("schemas", schemas);

const channels = [...reader.channelsById.values()]
  .sort((a, b) => a.id - b.id)
  .map((c) => ({
    id: c.id,
    topic: c.topic,
    schema_id: c.schemaId,
    message_encoding: c.messageEncoding,
    metadata: Object.fromEntries(c.metadata),
  }));
putList("channels", channels);

const st = reader.statistics;
put(
  "statistics",
  st && {
    message_count: st.messageCount,
    schema_count: st.schemaCount,
    channel_count: st.channelCount,
    attachment_count: st.attachmentCount,
    metadata_count: st.metadataCount,
    chunk_count: st.chunkCount,
    message_start_time: st.messageStartTime,
    message_end_time: st.messageEndTime,
    channel_message_counts: Object.fromEntries(
      [...st.channelMessageCounts].sort((a, b) => a[0] - b[0]),
    ),
  },
);

// Chunk indexes, and the Message Index records each points at: one per
// channel, right after the chunk, ending where message_index_length says.
const chunks = reader.chunkIndexes.map((ci) => {
  let index = "ok";
  try {
    const miStart = Number(ci.chunkStartOffset + ci.chunkLength);
    const ops = walk(miStart, miStart + Number(ci.messageIndexLength));
    if (!ops.every((o) => o === 0x07)) index = "not message indexes";
    for (const [ch, off] of ci.messageIndexOffsets) {
      const o = Number(off);
      if (view.getUint8(o) !== 0x07 || view.getUint16(o + 9, true) !== ch)
        index = `channel ${ch}: no message index at ${o}`;
    }
    if (view.getUint8(Number(ci.chunkStartOffset)) !== 0x06) index = "no chunk at offset";
  } catch (e) {
    index = e.message;
  }
  return {
    start: ci.messageStartTime,
    end: ci.messageEndTime,
    compression: ci.compression,
    compressed: ci.compressedSize,
    uncompressed: ci.uncompressedSize,
    channels: [...ci.messageIndexOffsets.keys()].sort((a, b) => a - b),
    index,
  };
});
putList("chunks", chunks);

// A message as a line: what the C test builds from what it wrote.
function describe(m) {
  const ch = reader.channelsById.get(m.channelId);
  const schema = reader.schemasById.get(ch.schemaId);
  const d = {
    topic: ch.topic,
    channel: m.channelId,
    sequence: m.sequence,
    log_time: m.logTime,
    publish_time: m.publishTime,
    type: schema ? schema.name : "",
  };
  const mr = readers.get(ch.schemaId);
  if (!mr) return { ...d, data_len: m.data.byteLength, data_crc: crcHex(m.data) };
  const msg = mr.readMessage(m.data);
  if (!msg.header) return d; // a type without a std_msgs/Header
  d.stamp = [msg.header.stamp.sec, msg.header.stamp.nanosec];
  d.frame_id = msg.header.frame_id;
  if (d.type === "sensor_msgs/msg/PointCloud2") {
    Object.assign(d, {
      height: msg.height,
      width: msg.width,
      fields: msg.fields.map((f) => [f.name, f.offset, f.datatype, f.count]),
      is_bigendian: msg.is_bigendian,
      point_step: msg.point_step,
      row_step: msg.row_step,
      is_dense: msg.is_dense,
      data_len: msg.data.byteLength,
    });
    const size = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 8: 8 };
    const le = !msg.is_bigendian;
    const dv = new DataView(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    const n = msg.width * msg.height;
    let stride = 0;
    for (const f of msg.fields) stride += size[f.datatype] * f.count;
    const canon = new Uint8Array(n * stride);
    const cv = new DataView(canon.buffer);
    const points = [];
    let q = 0;
    for (let i = 0; i < n; i++) {
      const row = Math.floor(i / msg.width);
      const base = row * msg.row_step + (i % msg.width) * msg.point_step;
      const values = [];
      for (const f of msg.fields) {
        for (let k = 0; k < f.count; k++) {
          const at = base + f.offset + k * size[f.datatype];
          switch (f.datatype) {
            case 7: {
              const bits = dv.getUint32(at, le);
              cv.setUint32(q, bits, true);
              values.push(hex32(bits));
              break;
            }
            case 4: {
              const v = dv.getUint16(at, le);
              cv.setUint16(q, v, true);
              values.push(v);
              break;
            }
            default: {
              for (let b = 0; b < size[f.datatype]; b++) canon[q + b] = msg.data[at + b];
              values.push(`bytes@${at}`);
            }
          }
          q += size[f.datatype];
        }
      }
      if (n <= maxPoints) points.push(values);
    }
    d.points_crc = crcHex(canon);
    if (n <= maxPoints) d.points = points;
  } else if (d.type === "sensor_msgs/msg/Image") {
    Object.assign(d, {
      height: msg.height,
      width: msg.width,
      encoding: msg.encoding,
      is_bigendian: msg.is_bigendian,
      step: msg.step,
      data_len: msg.data.byteLength,
      data_crc: crcHex(msg.data),
      first: Buffer.from(msg.data.subarray(0, 16)).toString("hex"),
    });
  }
  return d;
}

const key = (m) => `${m.logTime}/${m.channelId}/${m.sequence}/${crcHex(m.data)}`;
const indexed = [];
try {
  for await (const m of reader.readMessages({ validateCrcs: true })) indexed.push(m);
} catch (e) {
  process.stderr.write(`McapIndexedReader.readMessages: ${e.message}\n`);
  process.exit(1);
}

// The linear read: every record, in file order.
const stream = new McapStreamReader({ decompressHandlers, validateCrcs: true });
stream.append(bytes);
const counts = {};
const linear = [];
try {
  for (let r; (r = stream.nextRecord()); ) {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
    if (r.type === "Message") linear.push(r);
  }
} catch (e) {
  process.stderr.write(`McapStreamReader: ${e.message}\n`);
  process.exit(1);
}
const a = indexed.map(key).sort();
const b = linear.map(key).sort();
put("stream", {
  messages: linear.length,
  done: stream.done(),
  same_as_indexed: a.length === b.length && a.every((k, i) => k === b[i]),
  records: Object.fromEntries(Object.entries(counts).sort()),
});

if (start !== undefined || end !== undefined) {
  const range = [];
  for await (const m of reader.readMessages({ startTime: start, endTime: end })) {
    range.push(`${reader.channelsById.get(m.channelId).topic}:${m.sequence}`);
  }
  put("range", range);
}

putList("messages", indexed.map(describe));
process.stdout.write(`{\n${out.join(",\n")}\n}\n`);
