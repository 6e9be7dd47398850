#!/usr/bin/python3
"""An independent rosbag2 reader and fixture writer for tests/test_log_rosbag2.c.

Reads bags with Python's sqlite3 module and PyYAML (zstd through libzstd by
ctypes, or the zstd command), never through sensorpipe.

  rosbag2_oracle.py dump PATH [file]    one line per message, in log-time
                                        order (or file order with "file"):
                                        topic TAB type TAB time TAB size TAB
                                        sha1 TAB file-index TAB row
  rosbag2_oracle.py check PATH DUMP [file]
                                        compare DUMP, written by the C test
                                        (per message "topic TAB time TAB size
                                        TAB row NL" then the bytes), with
                                        what this reader reads; exit 1 and
                                        say where on the first difference
  rosbag2_oracle.py make DIR            write the fixture bags under DIR
"""
import ctypes
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import yaml

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_zstd = ctypes.CDLL("libzstd.so.1")
_zstd.ZSTD_compressBound.restype = ctypes.c_size_t
_zstd.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_compress.restype = ctypes.c_size_t
_zstd.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                                ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_zstd.ZSTD_isError.restype = ctypes.c_uint
_zstd.ZSTD_isError.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
_zstd.ZSTD_getFrameContentSize.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_zstd.ZSTD_decompress.restype = ctypes.c_size_t
_zstd.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                                  ctypes.c_void_p, ctypes.c_size_t]


def zstd_compress(data, level=3):
    cap = _zstd.ZSTD_compressBound(len(data))
    dst = ctypes.create_string_buffer(cap)
    n = _zstd.ZSTD_compress(dst, cap, data, len(data), level)
    assert not _zstd.ZSTD_isError(n)
    return dst.raw[:n]


def zstd_decompress(frame):
    size = _zstd.ZSTD_getFrameContentSize(frame, len(frame))
    assert size < (1 << 62), "frame without a content size"
    dst = ctypes.create_string_buffer(max(size, 1))
    n = _zstd.ZSTD_decompress(dst, size, frame, len(frame))
    assert not _zstd.ZSTD_isError(n) and n == size
    return dst.raw[:n]


# ---- reading ----

def storage_files(path):
    """(files in reading order, message-mode zstd or None when unknown)."""
    if os.path.isfile(path):
        return [path], None
    meta = os.path.join(path, "metadata.yaml")
    if not os.path.exists(meta):
        names = sorted(n for n in os.listdir(path)
                       if n.endswith(".db3") or n.endswith(".db3.zstd"))
        return [os.path.join(path, n) for n in names], None
    with open(meta) as f:
        info = yaml.safe_load(f)["rosbag2_bagfile_information"]
    files = []
    for rel in info["relative_file_paths"]:
        p = os.path.join(path, rel)
        if not os.path.exists(p) and info["version"] < 4:
            p = os.path.join(os.path.dirname(path), rel)
        files.append(p)
    return files, (info.get("compression_mode") or "").upper() == "MESSAGE"


def read_db(path, tmpdir):
    with open(path, "rb") as f:
        head = f.read(4)
    if head == ZSTD_MAGIC:
        plain = os.path.join(tmpdir, os.path.basename(path) + ".plain")
        subprocess.run(["zstd", "-q", "-d", "-f", "-o", plain, path],
                       check=True)
        path = plain
    con = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
    topics = {row[0]: (row[1], row[2]) for row in
              con.execute("SELECT id, name, type FROM topics")}
    rows = list(con.execute(
        "SELECT id, topic_id, timestamp, data FROM messages ORDER BY id"))
    con.close()
    return topics, rows


def messages(path, order="time"):
    files, msg_zstd = storage_files(path)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for fi, f in enumerate(files):
            topics, rows = read_db(f, tmp)
            zstd = msg_zstd
            if zstd is None:  # no metadata: the first message tells
                zstd = bool(rows) and rows[0][3][:4] == ZSTD_MAGIC
            for rid, tid, ts, data in rows:
                if zstd:
                    data = zstd_decompress(data)
                name, typ = topics[tid]
                out.append((name, typ, ts, data, fi, rid))
    if order == "time":
        out.sort(key=lambda m: m[2])  # stable: file, then row order
    return out


def dump(path, order):
    for name, typ, ts, data, fi, rid in messages(path, order):
        print("%s\t%s\t%d\t%d\t%s\t%d\t%d" % (
            name, typ, ts, len(data), hashlib.sha1(data).hexdigest(), fi,
            rid))


def check(path, dump_path, order):
    want = messages(path, order)
    with open(dump_path, "rb") as f:
        got = f.read()
    pos = 0
    for k, (name, typ, ts, data, fi, rid) in enumerate(want):
        nl = got.find(b"\n", pos)
        if nl < 0:
            sys.exit("message %d (%s at %d): missing from the C reader's "
                     "output" % (k, name, ts))
        head = got[pos:nl].decode().split("\t")
        size = int(head[2])
        body = got[nl + 1:nl + 1 + size]
        pos = nl + 1 + size
        exp = [name, str(ts), str(len(data)), str(rid)]
        if head != exp:
            sys.exit("message %d: C reader says %s, sqlite3 says %s" % (
                k, head, exp))
        if hashlib.sha1(body).digest() != hashlib.sha1(data).digest():
            sys.exit("message %d (%s at %d): bytes differ (sha1 %s, "
                     "expected %s)" % (k, name, ts,
                                       hashlib.sha1(body).hexdigest(),
                                       hashlib.sha1(data).hexdigest()))
    if pos != len(got):
        sys.exit("the C reader gave more than the %d messages" % len(want))
    print("%d messages agree" % len(want))


# ---- fixtures ----

QOS_STR = ("- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n"
           "  deadline:\n    sec: 9223372036\n    nsec: 854775807\n")

SCHEMAS = {
    # schema 3 (humble): schema and metadata tables, qos column
    3: ["CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,"
        "ros_distro TEXT NOT NULL)",
        "INSERT INTO schema VALUES(3, 'humble')",
        "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version "
        "INTEGER NOT NULL,metadata TEXT NOT NULL)",
        "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,"
        "type TEXT NOT NULL,serialization_format TEXT NOT NULL,"
        "offered_qos_profiles TEXT NOT NULL)"],
    # schema 4 (iron, jazzy): type hashes and message definitions
    4: ["CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,"
        "ros_distro TEXT NOT NULL)",
        "INSERT INTO schema VALUES(4, 'jazzy')",
        "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version "
        "INTEGER NOT NULL,metadata TEXT NOT NULL)",
        "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,"
        "type TEXT NOT NULL,serialization_format TEXT NOT NULL,"
        "offered_qos_profiles TEXT NOT NULL,type_description_hash TEXT NOT "
        "NULL)",
        "CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type "
        "TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition "
        "TEXT NOT NULL,type_description_hash TEXT NOT NULL)"],
    # before the schema table (dashing): no qos column
    1: ["CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,"
        "type TEXT NOT NULL,serialization_format TEXT NOT NULL)"],
}

MESSAGES_TABLE = ("CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id "
                  "INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB "
                  "NOT NULL)")

DEFS = {"std_msgs/msg/String": "string data\n",
        "sensor_msgs/msg/Imu": "std_msgs/Header header\n"}


def payload(rng, n):
    if n == 0:
        return b""
    body = bytes(rng.getrandbits(8) for _ in range(min(n, 64) - 4))
    body = (body * (n // max(len(body), 1) + 1))[:n - 4] if n > 4 else b""
    return (b"\x00\x01\x00\x00" + body)[:n]


def write_db(path, schema, topics, rows, zstd=False, loose=False):
    """topics: [(id, name, type, ser)]; rows: [(id, topic_id, ts, data)]."""
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    for sql in SCHEMAS[schema]:
        con.execute(sql)
    con.execute(MESSAGES_TABLE.replace(" NOT NULL)", ")") if loose
                else MESSAGES_TABLE)
    con.execute("CREATE INDEX timestamp_idx ON messages (timestamp ASC)")
    for tid, name, typ, ser in topics:
        if schema == 1:
            con.execute("INSERT INTO topics VALUES(?,?,?,?)",
                        (tid, name, typ, ser))
        elif schema == 3:
            con.execute("INSERT INTO topics VALUES(?,?,?,?,?)",
                        (tid, name, typ, ser, QOS_STR))
        else:
            con.execute("INSERT INTO topics VALUES(?,?,?,?,?,?)",
                        (tid, name, typ, ser, QOS_STR, "RIHS01_00"))
            if typ in DEFS:
                con.execute("INSERT INTO message_definitions(topic_type, "
                            "encoding, encoded_message_definition, "
                            "type_description_hash) VALUES(?,?,?,?)",
                            (typ, "ros2msg", DEFS[typ], "RIHS01_00"))
    for rid, tid, ts, data in rows:
        if zstd and isinstance(data, bytes):
            data = zstd_compress(data)
        con.execute("INSERT INTO messages VALUES(?,?,?,?)",
                    (rid, tid, ts, data))
    con.commit()
    con.close()


def meta_text(version, files, topics, compression="", mode="",
              storage="sqlite3", counts=None):
    """topics: [(name, type, ser, count)]; files: [(path, count)]."""
    total = sum(c for _, c in files) if counts is None else counts
    out = ["rosbag2_bagfile_information:",
           "  version: %d" % version,
           "  storage_identifier: %s" % storage,
           "  duration:", "    nanoseconds: 1000000000",
           "  starting_time:", "    nanoseconds_since_epoch: 1700000000000000000",
           "  message_count: %d" % total,
           "  topics_with_message_count:"]
    for name, typ, ser, cnt in topics:
        out += ["    - topic_metadata:",
                "        name: %s" % name,
                "        type: %s" % typ,
                "        serialization_format: %s" % ser]
        if version >= 9:
            out += ["        offered_qos_profiles:",
                    "          - history: keep_last",
                    "            depth: 10"]
        elif version >= 4:
            out += ['        offered_qos_profiles: ""']
        if version >= 7:
            out += ['        type_description_hash: "RIHS01_00"']
        out += ["      message_count: %d" % cnt]
    out += ['  compression_format: "%s"' % compression,
            '  compression_mode: "%s"' % mode,
            "  relative_file_paths:"]
    out += ["    - %s" % p for p, _ in files]
    if version >= 5:
        out += ["  files:"]
        for p, c in files:
            out += ["    - path: %s" % p,
                    "      starting_time:",
                    "        nanoseconds_since_epoch: 1700000000000000000",
                    "      duration:", "        nanoseconds: 1000",
                    "      message_count: %d" % c]
    if version >= 6:
        out += ["  custom_data: ~"]
    if version >= 8:
        out += ["  ros_distro: jazzy"]
    return "\n".join(out) + "\n"


T0 = 1700000000000000000
TOPICS = [("/points", "sensor_msgs/msg/PointCloud2", "cdr"),
          ("/chatter", "std_msgs/msg/String", "cdr"),
          ("/imu", "sensor_msgs/msg/Imu", "cdr")]


def make_rows(rng, first_id, tids, n, t_start, sizes):
    rows = []
    for k in range(n):
        tid = tids[k % len(tids)]
        # equal timestamps across topics now and then (stable order)
        ts = t_start + (k // 2) * 10_000_000
        rows.append((first_id + k, tid, ts, payload(rng, sizes[k % len(sizes)])))
    return rows


def make(root):
    rng = random.Random(7)
    os.makedirs(root, exist_ok=True)

    # multi: three files listed out of name order, three schema versions,
    # topic ids that differ per file, overlapping times, an empty and a
    # large (overflow pages) message.
    d = os.path.join(root, "multi")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    f0 = make_rows(rng, 1, [1, 2, 3], 12, T0, [100, 0, 48])
    f1 = make_rows(rng, 1, [7, 5, 9], 10, T0 + 55_000_000,
                   [300_000, 17, 64])
    f2 = make_rows(rng, 100, [2, 1], 8, T0 + 20_000_000, [33, 5000])
    write_db(os.path.join(d, "b_0.db3"), 4,
             [(1, *TOPICS[0]), (2, *TOPICS[1]), (3, *TOPICS[2])], f0)
    write_db(os.path.join(d, "a_1.db3"), 3,
             [(5, *TOPICS[1]), (7, *TOPICS[0]), (9, *TOPICS[2])], f1)
    write_db(os.path.join(d, "c_2.db3"), 1,
             [(1, *TOPICS[0]), (2, *TOPICS[1])], f2)
    with open(os.path.join(d, "metadata.yaml"), "w") as f:
        f.write(meta_text(9, [("b_0.db3", 12), ("a_1.db3", 10),
                              ("c_2.db3", 8)],
                          [(n, t, s, 10) for n, t, s in TOPICS]))

    # msgzstd: MESSAGE mode, two files
    d = os.path.join(root, "msgzstd")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i in range(2):
        rows = make_rows(rng, 1, [1, 2], 9, T0 + i * 100_000_000,
                         [2000, 0, 70_000])
        write_db(os.path.join(d, "z_%d.db3" % i), 3,
                 [(1, *TOPICS[0]), (2, *TOPICS[1])], rows, zstd=True)
    with open(os.path.join(d, "metadata.yaml"), "w") as f:
        f.write(meta_text(5, [("z_0.db3", 9), ("z_1.db3", 9)],
                          [(n, t, s, 9) for n, t, s in TOPICS[:2]],
                          "zstd", "MESSAGE"))

    # filezstd: FILE mode, two files compressed by the zstd command
    d = os.path.join(root, "filezstd")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i in range(2):
        rows = make_rows(rng, 1, [1, 2, 3], 7, T0 + i * 100_000_000,
                         [4000, 12, 100_000])
        p = os.path.join(d, "f_%d.db3" % i)
        write_db(p, 3, [(1, *TOPICS[0]), (2, *TOPICS[1]), (3, *TOPICS[2])],
                 rows)
        subprocess.run(["zstd", "-q", "--rm", "-f", p, "-o", p + ".zstd"],
                       check=True)
    with open(os.path.join(d, "metadata.yaml"), "w") as f:
        f.write(meta_text(6, [("f_0.db3.zstd", 7), ("f_1.db3.zstd", 7)],
                          [(n, t, s, 4) for n, t, s in TOPICS],
                          "zstd", "FILE"))

    # nometa: .db3 files without metadata.yaml (name order), one of them
    # with zstd messages (seen from its first message)
    d = os.path.join(root, "nometa")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write_db(os.path.join(d, "n_0.db3"), 3, [(1, *TOPICS[1])],
             make_rows(rng, 1, [1], 5, T0, [10, 20]))
    write_db(os.path.join(d, "n_1.db3"), 3, [(1, *TOPICS[1])],
             make_rows(rng, 1, [1], 5, T0 - 1000, [30]))

    # single .db3 of MESSAGE-mode zstd, no metadata
    write_db(os.path.join(root, "single_zstd.db3"), 3,
             [(4, *TOPICS[2])], make_rows(rng, 1, [4], 6, T0, [500, 9]),
             zstd=True)

    # a recording that was not closed: 3 messages in the database, 2 more
    # only in its write-ahead log (copied while the writer held it open)
    d = os.path.join(root, "wal")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    live = os.path.join(root, "wal_live.db3")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(live + suffix):
            os.unlink(live + suffix)
    con = sqlite3.connect(live)
    con.execute("PRAGMA journal_mode=WAL")
    for sql in SCHEMAS[3]:
        con.execute(sql)
    con.execute(MESSAGES_TABLE)
    con.execute("INSERT INTO topics VALUES(1,?,?,?,?)", (*TOPICS[1], ""))
    for i in range(5):
        con.execute("INSERT INTO messages VALUES(?,?,?,?)",
                    (i + 1, 1, T0 + i, payload(rng, 20)))
        con.commit()
        if i == 2:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(live, os.path.join(d, "w_0.db3"))
    shutil.copy(live + "-wal", os.path.join(d, "w_0.db3-wal"))
    con.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(live + suffix):
            os.unlink(live + suffix)

    # damage: each a folder with one good file and one bad one
    def bag(name, good_rows, bad_fn, mode=""):
        d = os.path.join(root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        write_db(os.path.join(d, "g_0.db3"), 3,
                 [(1, *TOPICS[0]), (2, *TOPICS[1])], good_rows)
        bad_fn(os.path.join(d, "x_1.db3"))
        with open(os.path.join(d, "metadata.yaml"), "w") as f:
            f.write(meta_text(5, [("g_0.db3", len(good_rows)),
                                  ("x_1.db3", 0)],
                              [(n, t, s, 1) for n, t, s in TOPICS[:2]],
                              mode=mode))
        return d

    good = make_rows(rng, 1, [1, 2], 6, T0, [64, 1000])

    def no_messages_table(p):
        con = sqlite3.connect(p)
        for sql in SCHEMAS[3]:
            con.execute(sql)
        con.commit()
        con.close()

    bag("dmg_tables", good, no_messages_table)

    def null_data(p):
        rows = make_rows(rng, 1, [1, 2], 6, T0 + 5, [40])
        rows[2] = (rows[2][0], rows[2][1], rows[2][2], None)
        rows[4] = (rows[4][0], rows[4][1], rows[4][2], "text, not a blob")
        write_db(p, 3, [(1, *TOPICS[0]), (2, *TOPICS[1])], rows, loose=True)

    bag("dmg_null", good, null_data)

    def unknown_topic(p):
        rows = make_rows(rng, 1, [1, 2], 6, T0 + 5, [40])
        rows[3] = (rows[3][0], 42, rows[3][2], rows[3][3])
        rows[4] = (rows[4][0], rows[4][1], "soon", rows[4][3])
        write_db(p, 3, [(1, *TOPICS[0]), (2, *TOPICS[1])], rows)

    bag("dmg_topic", good, unknown_topic)

    def not_sqlite(p):
        with open(p, "wb") as f:
            f.write(b"this is not a database\n" * 100)

    bag("dmg_notdb", good, not_sqlite)

    def truncated(p):
        rows = make_rows(rng, 1, [1, 2], 40, T0 + 5, [3000, 9000])
        write_db(p, 3, [(1, *TOPICS[0]), (2, *TOPICS[1])], rows)
        size = os.path.getsize(p)
        with open(p, "r+b") as f:
            f.truncate(size * 2 // 3)

    bag("dmg_trunc", good, truncated)

    def bad_frame(p):
        rows = make_rows(rng, 1, [1, 2], 4, T0 + 5, [400])
        write_db(p, 3, [(1, *TOPICS[0]), (2, *TOPICS[1])], rows, zstd=True)
        con = sqlite3.connect(p)
        con.execute("UPDATE messages SET data = ? WHERE id = 2",
                    (b"\x28\xb5\x2f\xfd" + b"\xff" * 20,))
        cut = zstd_compress(payload(rng, 5000))
        con.execute("UPDATE messages SET data = ? WHERE id = 3",
                    (cut[:len(cut) // 2],))
        # a frame header saying 3 GiB (single segment, 8-byte size)
        liar = ZSTD_MAGIC + b"\xe0" + (3 << 30).to_bytes(8, "little") + \
            b"\x01\x00\x00"
        con.execute("UPDATE messages SET data = ? WHERE id = 4", (liar,))
        con.commit()
        con.close()

    d = bag("dmg_zstd", [], bad_frame, mode="MESSAGE")
    with open(os.path.join(d, "metadata.yaml"), "w") as f:
        f.write(meta_text(5, [("x_1.db3", 4)],
                          [(n, t, s, 2) for n, t, s in TOPICS[:2]],
                          "zstd", "MESSAGE"))
    os.unlink(os.path.join(d, "g_0.db3"))

    # a FILE-mode file cut short
    d = os.path.join(root, "dmg_filezstd")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(root, "filezstd"), d)
    p = os.path.join(d, "f_1.db3.zstd")
    with open(p, "r+b") as f:
        f.truncate(os.path.getsize(p) // 2)
    print("fixtures written under %s" % root)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "time")
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3],
              sys.argv[4] if len(sys.argv) > 4 else "time")
    elif len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
