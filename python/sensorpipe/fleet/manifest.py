"""A fleet's bookkeeping under OUTDIR/.fleet/ and its manifest.

    OUTDIR/.fleet/done/<stem>.json     the record of a finished log, written
                                       last (after every output is in place):
                                       its presence is what "finished" means
    OUTDIR/.fleet/failed/<stem>.json   the record of a log's last failed try
    OUTDIR/.fleet/attempts/<stem>.log  one line per try since it last finished
    OUTDIR/.fleet/tmp/<stem>.<...>/    one try's staging folder
    OUTDIR/manifest.jsonl              one record per input, in input order

A record (one JSON line of the manifest): input, stem, outputs (paths
relative to OUTDIR, sorted), frames, bytes, seconds, checksum, error (null
when it succeeded), status ("done" or "failed"), attempts, worker (host,
pid), launch (the template), cli, started, finished (UTC, ISO 8601), and
input_size / input_mtime_ns (a changed log is processed again).

checksum is "sha256:" + the SHA-256 over every output in path order, each
fed as its relative path (UTF-8), a NUL, its size in decimal, a NUL, then its
bytes: two runs that wrote the same files have the same checksum.
"""
import hashlib
import json
import os
import socket
import uuid

STATE = ".fleet"
MANIFEST = "manifest.jsonl"


def state_dir(outdir, *parts):
    return os.path.join(outdir, STATE, *parts)


def marker_path(outdir, kind, stem):
    return state_dir(outdir, kind, stem + ".json")


def checksum(root, rels):
    """(total bytes, "sha256:...") of the files @p rels under @p root."""
    h = hashlib.sha256()
    total = 0
    for rel in rels:
        path = os.path.join(root, rel)
        size = os.path.getsize(path)
        total += size
        h.update(rel.encode("utf-8") + b"\0" + str(size).encode() + b"\0")
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
    return total, "sha256:" + h.hexdigest()


def list_files(root):
    """Every file under @p root, as sorted '/'-joined relative paths."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            out.append(rel.replace(os.sep, "/"))
    out.sort()
    return out


def write_json_atomic(path, obj):
    """Writes @p obj to a unique temporary name beside @p path, then renames:
    a reader sees the old file or the whole new one, never a part."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.%s.%d.%s.tmp" % (path, socket.gethostname(), os.getpid(),
                               uuid.uuid4().hex[:8])
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def input_identity(path):
    st = os.stat(path)
    if os.path.isdir(path):
        # A folder's mtime does not change when a file in it is rewritten:
        # take the newest of its entries and the sum of their sizes.
        size, mtime = 0, st.st_mtime_ns
        for dirpath, _, filenames in os.walk(path):
            for name in filenames:
                s = os.stat(os.path.join(dirpath, name))
                size += s.st_size
                mtime = max(mtime, s.st_mtime_ns)
        return size, mtime
    return st.st_size, st.st_mtime_ns


def finished(outdir, inp, stem, launch, verify=False):
    """The done record of @p inp when it is finished for this @p launch and
    its outputs are still there (same total size; with @p verify, the same
    checksum), else None."""
    rec = read_json(marker_path(outdir, "done", stem))
    if not rec or rec.get("status") != "done" or rec.get("input") != inp or \
            rec.get("launch") != launch:
        return None
    try:
        if list(input_identity(inp)) != [rec.get("input_size"),
                                         rec.get("input_mtime_ns")]:
            return None
        if sum(os.path.getsize(os.path.join(outdir, r))
               for r in rec.get("outputs", [])) != rec.get("bytes"):
            return None
        if verify and checksum(outdir, rec["outputs"])[1] != rec["checksum"]:
            return None
    except OSError:
        return None
    return rec


def error_record(inp, stem, launch, error):
    return {"input": inp, "stem": stem, "outputs": [], "frames": 0,
            "bytes": 0, "seconds": 0.0, "checksum": None, "error": error,
            "status": "failed", "launch": launch}


def merge(outdir, inputs, stems, launch, errors=None, path=None):
    """Writes the manifest: one record per input in input order, from its
    done marker, else its failed marker, else an error record (the message
    from @p errors, a dict input -> text, or "no record"). Atomic (a
    temporary name, then a rename). Returns the records."""
    errors = errors or {}
    recs = []
    for inp, stem in zip(inputs, stems):
        rec = finished(outdir, inp, stem, launch)
        if rec is None:
            rec = read_json(marker_path(outdir, "failed", stem))
            if rec and (rec.get("input") != inp or rec.get("launch") != launch):
                rec = None
            if inp in errors:
                # The front end's word is newer (a killed worker leaves none).
                rec = dict(rec or error_record(inp, stem, launch, None),
                           error=errors[inp], status="failed")
            elif rec is None:
                rec = error_record(inp, stem, launch,
                                   "no record: the task never ran or was "
                                   "killed before it could write one")
        recs.append(rec)
    path = path or os.path.join(outdir, MANIFEST)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in recs:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return recs
