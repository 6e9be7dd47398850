// The fixture bags of bag_src_fixtures.py as ROS 2 MCAP files, for the `bag`
// source tests (tests/test_bag_src_fixtures.c): every message of NAME.jsonl
// (its ROS 2 field values) serialized as CDR by
// @foxglove/rosmsg2-serialization's MessageWriter from the ros2msg
// definitions below (parsed by @foxglove/rosmsg), written by @mcap/core's
// McapWriter (profile ros2, schema encoding ros2msg, message encoding cdr,
// zstd chunks of 16 KiB, so there are several), log time = publish time =
// the bag's time, in the bag's order. Every message is read back with
// MessageReader and compared with the values before the file is kept.
//
//   node bag_src_mcap.mjs IN.jsonl OUT.mcap OUT_CDR.jsonl
//
// OUT_CDR.jsonl: one line per message {topic, type, log_time, cdr_b64}, for
// the rosbag2 .db3 that bag_src_fixtures.py db3 writes. Exit status 3 when
// the npm packages are not installed (the tests skip).
import { createRequire } from "node:module";
import fs from "node:fs";

const require = createRequire(import.meta.url);
let rosmsg, ser, mcap, zstd;
try {
  rosmsg = require("@foxglove/rosmsg");
  ser = require("@foxglove/rosmsg2-serialization");
  mcap = await import("@mcap/core");
  zstd = (await import("@foxglove/wasm-zstd")).default;
} catch (e) {
  console.error(`npm packages missing (${e.message}): run npm ci in tests/oracles`);
  process.exit(3);
}
await zstd.isLoaded;

const SEP = "\n================================================================================\n";
const HEADER = `MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
${SEP}MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
`;
const DEFS = {
  "sensor_msgs/msg/PointCloud2": `std_msgs/Header header
uint32 height
uint32 width
PointField[] fields
bool is_bigendian
uint32 point_step
uint32 row_step
uint8[] data
bool is_dense
${SEP}${HEADER}${SEP}MSG: sensor_msgs/PointField
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
`,
  "sensor_msgs/msg/Image": `std_msgs/Header header
uint32 height
uint32 width
string encoding
uint8 is_bigendian
uint32 step
uint8[] data
${SEP}${HEADER}`,
  "sensor_msgs/msg/CameraInfo": `std_msgs/Header header
uint32 height
uint32 width
string distortion_model
float64[] d
float64[9] k
float64[9] r
float64[12] p
uint32 binning_x
uint32 binning_y
RegionOfInterest roi
${SEP}${HEADER}${SEP}MSG: sensor_msgs/RegionOfInterest
uint32 x_offset
uint32 y_offset
uint32 height
uint32 width
bool do_rectify
`,
  "sensor_msgs/msg/LaserScan": `std_msgs/Header header
float32 angle_min
float32 angle_max
float32 angle_increment
float32 time_increment
float32 scan_time
float32 range_min
float32 range_max
float32[] ranges
float32[] intensities
${SEP}${HEADER}`,
  "std_msgs/msg/String": "string data\n",
};

const bytes = (b64) => new Uint8Array(Buffer.from(b64, "base64"));
const floats = (b64) => {
  const b = Buffer.from(b64, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

// The JSON twin's values as MessageWriter takes them.
function message(m) {
  const out = { ...m };
  for (const [k, v] of Object.entries(m)) {
    if (k.endsWith("_b64")) {
      delete out[k];
      out[k.slice(0, -4)] = bytes(v);
    } else if (k.endsWith("_f32")) {
      delete out[k];
      out[k.slice(0, -4)] = floats(v);
    }
  }
  return out;
}

// Read back equal to what was written (typed arrays by bytes).
function same(a, b, where) {
  if (ArrayBuffer.isView(a)) {
    const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (Buffer.compare(x, y) !== 0) throw new Error(`${where}: bytes differ`);
    return;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) throw new Error(`${where}: length differs`);
    a.forEach((v, i) => same(v, b[i], `${where}[${i}]`));
    return;
  }
  if (a !== null && typeof a === "object") {
    for (const k of Object.keys(a)) same(a[k], b[k], `${where}.${k}`);
    return;
  }
  if (typeof a === "number" && Object.is(Math.fround(a), Math.fround(b))) return;
  if (a !== b && !(typeof a === "boolean" && Number(a) === Number(b)))
    throw new Error(`${where}: wrote ${a}, read back ${b}`);
}

const [input, output, cdrOut] = process.argv.slice(2);
if (!input || !output || !cdrOut) {
  console.error("usage: node bag_src_mcap.mjs IN.jsonl OUT.mcap OUT_CDR.jsonl");
  process.exit(2);
}
const lines = fs
  .readFileSync(input, "utf8")
  .split("\n")
  .filter((l) => l.length)
  .map((l) => JSON.parse(l));

const parts = [];
let pos = 0n;
const sink = {
  write: async (b) => {
    parts.push(Buffer.from(b));
    pos += BigInt(b.byteLength);
  },
  position: () => pos,
};
const w = new mcap.McapWriter({
  writable: sink,
  chunkSize: 16 << 10,
  compressChunk: (d) => ({ compression: "zstd", compressedData: zstd.compress(d, 3) }),
});
await w.start({ profile: "ros2", library: "sensorpipe bag_src_mcap" });
const schemas = new Map();
const channels = new Map();
const seq = new Map();
const cdr = [];
for (const l of lines) {
  const def = DEFS[l.type];
  if (!def) throw new Error(`no definition for ${l.type}`);
  if (!schemas.has(l.type)) {
    const defs = rosmsg.parse(def, { ros2: true });
    schemas.set(l.type, {
      id: await w.registerSchema({
        name: l.type,
        encoding: "ros2msg",
        data: new TextEncoder().encode(def),
      }),
      writer: new ser.MessageWriter(defs),
      reader: new ser.MessageReader(defs),
    });
  }
  const s = schemas.get(l.type);
  if (!channels.has(l.topic)) {
    channels.set(
      l.topic,
      await w.registerChannel({
        topic: l.topic,
        schemaId: s.id,
        messageEncoding: "cdr",
        metadata: new Map([["offered_qos_profiles", ""]]),
      }),
    );
    seq.set(l.topic, 0);
  }
  const msg = message(l.msg);
  const data = s.writer.writeMessage(msg);
  same(msg, s.reader.readMessage(data), `${l.topic} at ${l.log_time}`);
  const t = BigInt(l.log_time);
  await w.addMessage({
    channelId: channels.get(l.topic),
    sequence: seq.get(l.topic),
    logTime: t,
    publishTime: t,
    data,
  });
  seq.set(l.topic, seq.get(l.topic) + 1);
  cdr.push(
    JSON.stringify({
      topic: l.topic,
      type: l.type,
      log_time: l.log_time,
      cdr_b64: Buffer.from(data).toString("base64"),
    }),
  );
}
await w.end();
fs.writeFileSync(output, Buffer.concat(parts));
fs.writeFileSync(cdrOut, cdr.join("\n") + "\n");
