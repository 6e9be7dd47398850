// ROS 2 CDR fixtures for tests/test_rosmsg.c, serialized by
// @foxglove/rosmsg2-serialization's MessageWriter from the ros2msg
// definitions below (parsed by @foxglove/rosmsg), so the bytes do not come
// from our C code.
//
//     node make_rosmsg_fixtures.mjs SPEC.json OUTDIR
//
// SPEC.json (written by the test) lists messages with their field values;
// each becomes OUTDIR/<name>.cdr_le (what MessageWriter writes) and
// OUTDIR/<name>.cdr_be (the same writer with its CdrWriter made big-endian).
// Every output is read back with MessageReader and compared with the input
// values, so a broken big-endian substitution fails here, not in the test.
// Exit status 3 when the npm packages are not installed (the test skips).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
let rosmsg, ser, cdrWriterModule, cdr;
try {
  rosmsg = require("@foxglove/rosmsg");
  ser = require("@foxglove/rosmsg2-serialization");
  cdr = require("@foxglove/cdr");
  cdrWriterModule = require("@foxglove/cdr/dist/CdrWriter");
} catch (e) {
  console.error(`npm packages missing (${e.message}): run npm ci in tests/oracles`);
  process.exit(3);
}

const HEADER = `MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
`;
const SEP = "\n================================================================================\n";

const DEFS = {
  PointCloud2: `std_msgs/Header header
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
  Image: `std_msgs/Header header
uint32 height
uint32 width
string encoding
uint8 is_bigendian
uint32 step
uint8[] data
${SEP}${HEADER}`,
  CompressedImage: `std_msgs/Header header
string format
uint8[] data
${SEP}${HEADER}`,
  CameraInfo: `std_msgs/Header header
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
  LaserScan: `std_msgs/Header header
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
};

const num = (v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v);

function build(s) {
  const header = {
    stamp: { sec: s.header.sec, nanosec: s.header.nsec },
    frame_id: s.header.frame_id,
  };
  switch (s.type) {
    case "PointCloud2":
      return {
        header,
        height: s.height,
        width: s.width,
        fields: s.fields.map((f) => ({ ...f })),
        is_bigendian: !!s.is_bigendian,
        point_step: s.point_step,
        row_step: s.row_step,
        data: Uint8Array.from(s.data),
        is_dense: !!s.is_dense,
      };
    case "Image":
      return {
        header,
        height: s.height,
        width: s.width,
        encoding: s.encoding,
        is_bigendian: s.is_bigendian,
        step: s.step,
        data: Uint8Array.from(s.data),
      };
    case "CompressedImage":
      return { header, format: s.format, data: Uint8Array.from(s.data) };
    case "CameraInfo":
      return {
        header,
        height: s.height,
        width: s.width,
        distortion_model: s.distortion_model,
        d: s.D.map(num),
        k: s.K.map(num),
        r: s.R.map(num),
        p: s.P.map(num),
        binning_x: s.binning_x,
        binning_y: s.binning_y,
        roi: { ...s.roi, do_rectify: !!s.roi.do_rectify },
      };
    case "LaserScan": {
      const m = { header };
      for (const k of ["angle_min", "angle_max", "angle_increment", "time_increment",
        "scan_time", "range_min", "range_max"])
        m[k] = num(s[k]);
      m.ranges = Float32Array.from(s.ranges.map(num));
      m.intensities = Float32Array.from(s.intensities.map(num));
      return m;
    }
    default:
      throw new Error(`unknown type ${s.type}`);
  }
}

// Values as MessageReader gives them back, for the comparison: typed
// arrays become plain arrays, float32 inputs are rounded the same way.
function same(a, b, where) {
  if (ArrayBuffer.isView(a)) a = Array.from(a);
  if (ArrayBuffer.isView(b)) b = Array.from(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length)
      throw new Error(`${where}: length differs`);
    a.forEach((v, i) => same(v, b[i], `${where}[${i}]`));
    return;
  }
  if (a !== null && typeof a === "object") {
    for (const k of Object.keys(a)) same(a[k], b[k], `${where}.${k}`);
    return;
  }
  if (typeof a === "number" && typeof b === "number") {
    if (Object.is(a, b) || Object.is(Math.fround(a), Math.fround(b))) return;
  }
  if (a !== b) throw new Error(`${where}: wrote ${a}, read back ${b}`);
}

// The big-endian writer: MessageWriter always asks for CDR_LE, so the
// CdrWriter it constructs (looked up on the module at each call) is
// replaced for the duration of one write by one that writes CDR_BE.
const LeWriter = cdrWriterModule.CdrWriter;
class BeWriter extends LeWriter {
  constructor(options = {}) {
    super({ ...options, kind: cdr.EncapsulationKind.CDR_BE });
  }
}
function writeBe(writer, msg) {
  cdrWriterModule.CdrWriter = BeWriter;
  try {
    return writer.writeMessage(msg);
  } finally {
    cdrWriterModule.CdrWriter = LeWriter;
  }
}

function main() {
  if (process.argv.length !== 4) {
    console.error("usage: node make_rosmsg_fixtures.mjs SPEC.json OUTDIR");
    return 1;
  }
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const out = process.argv[3];
  fs.mkdirSync(out, { recursive: true });
  for (const s of spec.messages) {
    const defs = rosmsg.parse(DEFS[s.type], { ros2: true });
    const writer = new ser.MessageWriter(defs);
    const reader = new ser.MessageReader(defs);
    const msg = build(s);
    const le = writer.writeMessage(msg);
    const be = writeBe(writer, msg);
    if (le[0] !== 0 || le[1] !== 1 || be[0] !== 0 || be[1] !== 0)
      throw new Error(`${s.name}: encapsulation ${le[1]} / ${be[1]}, expected 1 / 0`);
    same(msg, reader.readMessage(le), `${s.name} (LE)`);
    same(msg, reader.readMessage(be), `${s.name} (BE)`);
    fs.writeFileSync(path.join(out, `${s.name}.cdr_le`), le);
    fs.writeFileSync(path.join(out, `${s.name}.cdr_be`), be);
  }
  return 0;
}

process.exit(main());
