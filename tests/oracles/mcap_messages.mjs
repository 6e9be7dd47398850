// The reference reading of an MCAP file for tests/test_log_mcap.c: every
// message, in log-time order, one line each:
//     topic <TAB> log_time <TAB> publish_time <TAB> sequence <TAB> length <TAB> sha1
// read with @mcap/core (decompression from @mcap/support).
//
// usage: node mcap_messages.mjs FILE [--stream]
//
// By default the indexed reader (McapIndexedReader: summary, chunk indexes,
// message indexes; equal log times in file order) is used when the file has
// chunk indexes; otherwise, or with --stream, the stream reader
// (McapStreamReader: every record in file order), whose messages are then
// sorted by log time, stably. The first line says which: "# reader indexed"
// or "# reader stream". A reading error ends the output with "# error ..."
// after the messages read before it (stream reader: in file order).
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";

const [file, ...flags] = process.argv.slice(2);
if (!file) {
  console.error("usage: node mcap_messages.mjs FILE [--stream]");
  process.exit(2);
}
const forceStream = flags.includes("--stream");
const decompressHandlers = await loadDecompressHandlers();
const fh = await open(file, "r");
const size = (await fh.stat()).size;

const readable = {
  size: async () => BigInt(size),
  read: async (offset, length) => {
    const buf = Buffer.alloc(Number(length));
    await fh.read(buf, 0, Number(length), Number(offset));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  },
};

function line(topic, m) {
  const sha1 = createHash("sha1").update(m.data).digest("hex");
  return `${topic}\t${m.logTime}\t${m.publishTime}\t${m.sequence}\t${m.data.byteLength}\t${sha1}`;
}

const out = [];
let error;
let indexed;
if (!forceStream) {
  try {
    indexed = await McapIndexedReader.Initialize({ readable, decompressHandlers });
    if (indexed.chunkIndexes.length === 0) {
      indexed = undefined;
    }
  } catch {
    indexed = undefined;
  }
}

if (indexed) {
  out.push("# reader indexed");
  try {
    for await (const m of indexed.readMessages()) {
      out.push(line(indexed.channelsById.get(m.channelId).topic, m));
    }
  } catch (e) {
    error = e;
  }
} else {
  out.push("# reader stream");
  const whole = await readable.read(0n, BigInt(size));
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  const channels = new Map();
  const msgs = [];
  try {
    reader.append(whole);
    for (let rec; (rec = reader.nextRecord()); ) {
      if (rec.type === "Channel") {
        channels.set(rec.id, rec);
      } else if (rec.type === "Message") {
        msgs.push([channels.get(rec.channelId).topic, rec]);
      }
    }
    if (!reader.done()) {
      throw new Error(`incomplete file: ${reader.bytesRemaining()} bytes left unparsed`);
    }
    // Array.prototype.sort is stable: equal log times keep file order.
    msgs.sort((a, b) => (a[1].logTime < b[1].logTime ? -1 : a[1].logTime > b[1].logTime ? 1 : 0));
  } catch (e) {
    error = e;
  }
  for (const [topic, m] of msgs) {
    out.push(line(topic, m));
  }
}
if (error) {
  out.push(`# error ${String(error.message ?? error).replace(/\s+/g, " ")}`);
}
await fh.close();
process.stdout.write(out.join("\n") + "\n");
