// Real point clouds as ROS 2 MCAP files: the sensor_msgs/PointCloud2
// messages of a ROS1 bag (read by python3-rosbag through
// ros1_clouds_dump.py) serialized as CDR by @foxglove/rosmsg2-serialization
// (sensor_msgs/msg/PointCloud2, schema encoding ros2msg, message encoding
// cdr, profile ros2) and written by @mcap/core's McapWriter once per chunk
// compression: OUTDIR/<name>_{none,zstd,lz4}.mcap. Log times are the bag's;
// header stamps, frame ids, fields and point bytes are the bag's messages'.
//
//   node make_pointcloud_mcap.mjs BAG OUTDIR [TOPIC ...]
//
// For end-to-end tests, e.g. with $SP_TEST_DATA/ros1/sick_rms1000_lms1000_bz2.bag
// (/cloud: 89 clouds of 541 points; /cloud_radar_rawtarget, /cloud_radar_track).
// Each file is read back with McapIndexedReader and MessageReader, and every
// message compared with the bag's, before it is kept.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { McapIndexedReader, McapWriter } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";
import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import zstd from "@foxglove/wasm-zstd";

import { lz4Frame } from "./lz4frame.mjs";

const [bag, outdir, ...topics] = process.argv.slice(2);
if (!bag || !outdir) {
  console.error("usage: node make_pointcloud_mcap.mjs BAG OUTDIR [TOPIC ...]");
  process.exit(2);
}
await zstd.isLoaded;
mkdirSync(outdir, { recursive: true });

const SEP = "\n================================================================================\n";
const SCHEMA = `std_msgs/Header header
uint32 height
uint32 width
PointField[] fields
bool is_bigendian
uint32 point_step
uint32 row_step
uint8[] data
bool is_dense
${SEP}MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
${SEP}MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
${SEP}MSG: sensor_msgs/PointField
uint8 INT8 = 1
uint8 UINT8 = 2
uint8 INT16 = 3
uint8 UINT16 = 4
uint8 INT32 = 5
uint8 UINT32 = 6
uint8 FLOAT32 = 7
uint8 FLOAT64 = 8
string name
uint32 offset
uint8 datatype
uint32 count
`;
const defs = parse(SCHEMA, { ros2: true });
const writer = new MessageWriter(defs);
const reader = new MessageReader(defs);

const here = dirname(fileURLToPath(import.meta.url));
const dump = execFileSync("/usr/bin/python3", [join(here, "ros1_clouds_dump.py"), bag, ...topics], {
  maxBuffer: 1 << 30,
}).toString();
const clouds = dump
  .split("\n")
  .filter((l) => l.length)
  .map((l) => JSON.parse(l));
if (clouds.length === 0) {
  console.error(`${bag}: no sensor_msgs/PointCloud2 messages`);
  process.exit(1);
}

function ros2(c) {
  return {
    header: { stamp: { sec: c.sec, nanosec: c.nsec }, frame_id: c.frame_id },
    height: c.height,
    width: c.width,
    fields: c.fields,
    is_bigendian: c.is_bigendian,
    point_step: c.point_step,
    row_step: c.row_step,
    data: new Uint8Array(Buffer.from(c.data, "base64")),
    is_dense: c.is_dense,
  };
}

const compressors = {
  none: undefined,
  zstd: (d) => ({ compression: "zstd", compressedData: zstd.compress(d, 3) }),
  lz4: (d) => ({ compression: "lz4", compressedData: lz4Frame(d) }),
};
const name = basename(bag).replace(/\.bag$/, "");
const handlers = await loadDecompressHandlers();

for (const comp of Object.keys(compressors)) {
  const parts = [];
  let pos = 0n;
  const sink = {
    write: async (b) => {
      parts.push(Buffer.from(b));
      pos += BigInt(b.byteLength);
    },
    position: () => pos,
  };
  const w = new McapWriter({ writable: sink, chunkSize: 256 << 10, compressChunk: compressors[comp] });
  await w.start({ profile: "ros2", library: "sensorpipe make_pointcloud_mcap" });
  const schemaId = await w.registerSchema({
    name: "sensor_msgs/msg/PointCloud2",
    encoding: "ros2msg",
    data: new TextEncoder().encode(SCHEMA),
  });
  const channels = new Map();
  const seq = new Map();
  for (const c of clouds) {
    if (!channels.has(c.topic)) {
      channels.set(
        c.topic,
        await w.registerChannel({
          topic: c.topic,
          schemaId,
          messageEncoding: "cdr",
          metadata: new Map([["offered_qos_profiles", ""]]),
        }),
      );
      seq.set(c.topic, 0);
    }
    const t = BigInt(c.log_time);
    const s = seq.get(c.topic);
    seq.set(c.topic, s + 1);
    await w.addMessage({
      channelId: channels.get(c.topic),
      sequence: s,
      logTime: t,
      publishTime: t,
      data: writer.writeMessage(ros2(c)),
    });
  }
  await w.end();
  const bytes = Buffer.concat(parts);

  // Read it back: every message equal to the bag's, in the same order
  // (the bag's order is by time within a topic).
  const r = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (o, n) => new Uint8Array(bytes.buffer, bytes.byteOffset + Number(o), Number(n)),
    },
    decompressHandlers: handlers,
  });
  const byTopic = new Map();
  for (const c of clouds) {
    if (!byTopic.has(c.topic)) byTopic.set(c.topic, []);
    byTopic.get(c.topic).push(c);
  }
  let n = 0;
  const next = new Map([...byTopic.keys()].map((k) => [k, 0]));
  for await (const m of r.readMessages()) {
    const topic = r.channelsById.get(m.channelId).topic;
    const want = byTopic.get(topic)[next.get(topic)];
    next.set(topic, next.get(topic) + 1);
    const got = reader.readMessage(m.data);
    if (
      got.width !== want.width ||
      got.point_step !== want.point_step ||
      got.header.frame_id !== want.frame_id ||
      Buffer.compare(Buffer.from(got.data), Buffer.from(want.data, "base64")) !== 0
    ) {
      throw new Error(`${topic} message ${n}: read back differs`);
    }
    n++;
  }
  if (n !== clouds.length) throw new Error(`read back ${n} of ${clouds.length} messages`);
  const out = join(outdir, `${name}_${comp}.mcap`);
  writeFileSync(out, bytes);
  console.log(`${out}: ${clouds.length} PointCloud2 messages on ${channels.size} topics`);
}
