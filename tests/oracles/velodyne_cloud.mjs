// Decodes the Velodyne data packets of a classic pcap with Foxglove's
// @foxglove/velodyne-cloud (the independent oracle of tests/test_lidar_oracle.c)
// and writes every point as 8 little-endian float32: x, y, z, distance,
// intensity, laser id, raw block azimuth (0.01 deg), packet index.
//   node velodyne_cloud.mjs CAPTURE.pcap vlp16|hdl32e OUT.bin
import { readFileSync, writeFileSync } from "node:fs";
import vc from "@foxglove/velodyne-cloud";
const { Calibration, Model, PointCloud, RawPacket, Transformer } = vc;

const [path, modelName, out] = process.argv.slice(2);
const model = { vlp16: Model.VLP16, hdl32e: Model.HDL32E }[modelName];
if (model === undefined) throw new Error(`model ${modelName}`);
const buf = readFileSync(path);
const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
const packets = [];
for (let off = 24; off + 16 <= buf.length; ) {
  const incl = u32(off + 8);
  const rec = buf.subarray(off + 16, off + 16 + incl);
  off += 16 + incl;
  if (rec.length < 42 || rec.readUInt16BE(12) !== 0x0800 || rec[23] !== 17) continue;
  const ihl = (rec[14] & 15) * 4;
  const udp = 14 + ihl;
  const payload = rec.subarray(udp + 8, udp + rec.readUInt16BE(udp + 4));
  if (payload.length === 1206) packets.push(new Uint8Array(payload));
}
const transformer = new Transformer(new Calibration(model));
const rows = [];
packets.forEach((data, k) => {
  const cloud = new PointCloud({ stamp: 0, maxPoints: RawPacket.MAX_POINTS_PER_PACKET });
  transformer.unpack(new RawPacket(data), 0, 0, cloud);
  const v = new DataView(cloud.data.buffer, cloud.data.byteOffset);
  for (let i = 0; i < cloud.width; i++) {
    const o = i * cloud.point_step;
    rows.push(v.getFloat32(o, true), v.getFloat32(o + 4, true), v.getFloat32(o + 8, true),
      v.getFloat32(o + 12, true), v.getFloat32(o + 16, true), v.getUint16(o + 20, true),
      v.getUint16(o + 22, true), k);
  }
});
writeFileSync(out, Buffer.from(new Float32Array(rows).buffer));
console.log(`${packets.length} packets, ${rows.length / 8} points`);
