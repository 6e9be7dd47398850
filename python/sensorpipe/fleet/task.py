"""The per-log task every front end runs: one `sensorpipe run` of one
log's launch string in a child process, its outputs staged and then moved
into place, its record written last.

Why a child process and not the extension: a crashing or hung pipeline
cannot take the worker down, and a task is killable (timeout=, the worker's
death: the child gets SIGKILL through setpriv --pdeathsig when available).

Why it is safe to kill at any point: the pipeline writes only under its own
staging folder (OUTDIR/.fleet/tmp/<stem>~<host>~<pid>~<token>/out, which
{out} names); when it succeeds, every output file is renamed into OUTDIR
(rename(2) replaces a file whole), and only then is the done marker written.
A try killed before the marker leaves no marker, so the next try runs the
log again and renames the same files over whatever the killed one had moved:
nothing is missing, nothing is doubled. A finished log is skipped.
"""
import datetime
import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass

from . import manifest as mf
from .launch import LaunchError, expand_launch, find_cli, stem_of


class TaskFailed(RuntimeError):
    """One try of one log failed (the message says why: the program's exit
    status and the end of its error output, or a timeout)."""


@dataclass(frozen=True)
class Spec:
    """What every task of a fleet shares. Plain data: it travels to Dask
    workers by pickle and to Slurm tasks on their command line.

    launch   the template ({input}, {out}, {stem})
    outdir   output folder (made absolute when the Spec is made)
    cli      the sensorpipe program (None: found on the worker, see find_cli)
    backend  kernel back-end; "simd" keeps each task on one thread
    pool_mb  the pipeline's memory budget in MiB (None: the program's default)
    timeout  seconds one try may run before it is killed (None: no limit)
    verify   a finished log is skipped only if its outputs' checksum matches
    force    process finished logs again
    """
    launch: str
    outdir: str
    cli: str = None
    backend: str = "simd"
    pool_mb: int = None
    timeout: float = None
    verify: bool = False
    force: bool = False

    def __post_init__(self):
        # Absolute where the Spec is made (the client): workers have other
        # working folders.
        object.__setattr__(self, "outdir", os.path.abspath(self.outdir))


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="milliseconds")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_staging(outdir, stem=None, only_dead=True):
    """Removes staging folders left by killed tries: of @p stem (or all),
    and with @p only_dead only those of processes on this host that are
    gone (a live try elsewhere may still be writing)."""
    tmp = mf.state_dir(outdir, "tmp")
    try:
        names = os.listdir(tmp)
    except FileNotFoundError:
        return
    host = socket.gethostname()
    for name in names:
        parts = name.rsplit("~", 3)
        if len(parts) != 4 or (stem is not None and parts[0] != stem):
            continue
        if only_dead:
            try:
                pid = int(parts[2])
            except ValueError:
                continue
            if parts[1] != host or pid == os.getpid() or _alive(pid):
                continue
        shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)


def _tail(path, limit=2000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            text = f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    # The program's progress line uses \r; keep what a terminal would show.
    return "\n".join(line.split("\r")[-1] for line in text.splitlines())


def _commit(outdir, staging, rels, inp, stem):
    """Moves each staged file into place (replacing what a killed try may
    have moved), then removes the files a previous finish of this log wrote
    that this one did not."""
    for rel in rels:
        if rel == mf.MANIFEST or rel.split("/")[0] == mf.STATE:
            raise TaskFailed("%s: output %s would overwrite the fleet's own "
                             "bookkeeping" % (inp, rel))
    prev = mf.read_json(mf.marker_path(outdir, "done", stem))
    for rel in rels:
        dst = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(os.path.join(staging, rel), dst)
    if prev and prev.get("input") == inp:
        for rel in set(prev.get("outputs", [])) - set(rels):
            try:
                os.remove(os.path.join(outdir, rel))
            except OSError:
                pass


def _command(spec, cli, stats, launch):
    cmd = [cli, "run", "--json", stats]
    if spec.backend:
        cmd += ["--backend", spec.backend]
    if spec.pool_mb:
        cmd += ["--pool-mb", str(int(spec.pool_mb))]
    cmd += ["--", launch]
    setpriv = shutil.which("setpriv")
    if setpriv:
        # The child dies with the thread that started it: a killed worker
        # leaves no pipeline running on.
        cmd = [setpriv, "--pdeathsig", "KILL", "--"] + cmd
    return cmd


def run_log(spec, inp):
    """Processes one log (one try). Returns its record (a dict, see
    manifest.py), with "skipped": True when it was already finished. Raises
    TaskFailed when the try fails (its record is left in
    .fleet/failed/<stem>.json), LaunchError on a bad template."""
    inp = os.path.abspath(inp)
    out = spec.outdir
    stem = stem_of(inp)
    if not spec.force:
        rec = mf.finished(out, inp, stem, spec.launch, spec.verify)
        if rec is not None:
            return dict(rec, skipped=True)
    host, pid = socket.gethostname(), os.getpid()
    clean_staging(out, stem)
    attempts = mf.state_dir(out, "attempts", stem + ".log")
    os.makedirs(os.path.dirname(attempts), exist_ok=True)
    started = _now()
    with open(attempts, "a", encoding="utf-8") as f:
        f.write("%s %s %d\n" % (started, host, pid))
    tmp = mf.state_dir(out, "tmp", "%s~%s~%d~%s" % (stem, host, pid,
                                                    uuid.uuid4().hex[:8]))
    staging = os.path.join(tmp, "out")
    os.makedirs(staging)
    base = {"input": inp, "stem": stem, "launch": spec.launch,
            "worker": {"host": host, "pid": pid}, "started": started}
    t0 = time.monotonic()
    try:
        cli = find_cli(spec.cli)
        launch = expand_launch(spec.launch, inp, staging, stem)
        stats = os.path.join(tmp, "stats.json")
        errpath = os.path.join(tmp, "stderr")
        with open(errpath, "wb") as err:
            proc = subprocess.Popen(_command(spec, cli, stats, launch),
                                    stdin=subprocess.DEVNULL, stdout=err,
                                    stderr=err, close_fds=True)
            try:
                rc = proc.wait(timeout=spec.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise TaskFailed("%s: timed out after %g s (killed)"
                                 % (inp, spec.timeout))
            except BaseException:
                proc.kill()
                proc.wait()
                raise
        if rc != 0:
            why = "killed by signal %d" % -rc if rc < 0 else \
                "exited with status %d" % rc
            raise TaskFailed("%s: sensorpipe %s: %s" % (inp, why,
                                                         _tail(errpath)))
        info = mf.read_json(stats) or {}
        rels = mf.list_files(staging)
        nbytes, digest = mf.checksum(staging, rels)
        size, mtime = mf.input_identity(inp)
        _commit(out, staging, rels, inp, stem)
        with open(attempts, encoding="utf-8") as f:
            tries = sum(1 for _ in f)
        # The run's notes (what it skipped, guessed or left out) stay with
        # the log's record: nothing a run says is lost to the fleet.
        notes = [n.get("text", "") for n in info.get("notes", [])
                 if isinstance(n, dict)]
        rec = dict(base, outputs=rels, frames=int(info.get("frames", 0)),
                   notes=notes,
                   bytes=nbytes, seconds=round(time.monotonic() - t0, 6),
                   checksum=digest, error=None, status="done",
                   attempts=tries, cli=cli, finished=_now(),
                   input_size=size, input_mtime_ns=mtime)
        mf.write_json_atomic(mf.marker_path(out, "done", stem), rec)
        for stale in (mf.marker_path(out, "failed", stem), attempts):
            try:
                os.remove(stale)
            except OSError:
                pass
        return rec
    except (TaskFailed, LaunchError, FileNotFoundError, OSError) as e:
        msg = str(e) if isinstance(e, TaskFailed) else "%s: %s" % (inp, e)
        try:
            with open(attempts, encoding="utf-8") as f:
                tries = sum(1 for _ in f)
        except OSError:
            tries = None
        rec = dict(mf.error_record(inp, stem, spec.launch, msg), **base,
                   seconds=round(time.monotonic() - t0, 6), attempts=tries,
                   finished=_now())
        mf.write_json_atomic(mf.marker_path(out, "failed", stem), rec)
        if isinstance(e, LaunchError):
            raise
        raise TaskFailed(msg) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_log_retrying(spec, inp, retries=2, log=None):
    """run_log with up to @p retries more tries after a failure (the Slurm
    path; Dask retries through its own retries=). Returns the record of the
    last try, a failed one included (status "failed")."""
    for attempt in range(retries + 1):
        try:
            return run_log(spec, inp)
        except TaskFailed as e:
            if log:
                log("try %d of %d failed: %s" % (attempt + 1, retries + 1, e))
            if attempt == retries:
                return mf.read_json(mf.marker_path(
                    spec.outdir, "failed", stem_of(os.path.abspath(inp)))) or \
                    mf.error_record(inp, stem_of(inp), spec.launch, str(e))
            time.sleep(min(5.0, 0.5 * (attempt + 1)))
    return None


def read_list(listfile):
    """The inputs of a list file: one path per line, blank lines ignored."""
    with open(listfile, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]

