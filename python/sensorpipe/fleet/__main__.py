"""python3 -m sensorpipe.fleet {run,slurm,task,merge} ... (see --help)."""
import argparse
import os
import sys

from .launch import (LaunchError, check_inputs, check_launch, find_cli,
                     stem_of)
from .task import Spec, read_list, run_log_retrying
from . import manifest as mf

PROG = "python3 -m sensorpipe.fleet"

EPILOG = """\
LAUNCH placeholders: {input} one input log, {out} OUTDIR, {stem} the input's
name without its extension (a folder's whole name). Write them bare; values
are quoted for you. Example:

  %(prog)s run --workers 4 'bag path={input} topics=/points ! voxel leaf=0.2 ! npy dir={out}/{stem}' out/ logs/*.bag

Each log is one task running one single-threaded `sensorpipe run` (found via
--sensorpipe, $SP_SENSORPIPE, PATH, or a checkout's build/cli/sensorpipe). Its
outputs are staged under OUTDIR/.fleet/tmp and renamed into place when it
succeeds; OUTDIR/.fleet/done/<stem>.json, written last, marks it finished and
a rerun skips it. OUTDIR/manifest.jsonl gets one JSON line per input: input,
outputs, frames, bytes, seconds, checksum, error, status, attempts, worker.
Exit status: 0 every log done, 1 some failed, 2 usage.
"""


def _common(p, launch_opts):
    if launch_opts:
        p.add_argument("--launch", required=True, help="the LAUNCH template")
        p.add_argument("--out", required=True, metavar="OUTDIR",
                       help="output folder")
    p.add_argument("--sensorpipe", metavar="PATH",
                   help="the sensorpipe program (default: $SP_SENSORPIPE, "
                        "PATH, build/cli/sensorpipe)")
    p.add_argument("--backend", default="simd",
                   help="kernel back-end of each pipeline (default simd: one "
                        "thread per task; auto may use OpenCL)")
    p.add_argument("--pool-mb", type=int, metavar="N",
                   help="memory budget of each pipeline in MiB")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="kill a try that runs longer than S seconds")
    p.add_argument("--retries", type=int, default=2,
                   help="tries after a failure (default 2)")
    p.add_argument("--verify", action="store_true",
                   help="skip a finished log only if its outputs' checksum "
                        "still matches")


def _inputs(p):
    p.add_argument("launch", metavar="LAUNCH")
    p.add_argument("outdir", metavar="OUTDIR")
    p.add_argument("inputs", metavar="INPUT", nargs="*")
    p.add_argument("--inputs-from", metavar="FILE",
                   help="more inputs, one path per line")


def parser():
    ap = argparse.ArgumentParser(
        prog=PROG, description="Run a sensorpipe pipeline over many logs on "
        "Dask distributed or Slurm.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run on Dask (a scheduler, or a local "
                       "cluster on 127.0.0.1)")
    _inputs(r)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--scheduler", metavar="ADDR",
                   help="a running Dask scheduler, e.g. tcp://host:8786")
    g.add_argument("--workers", type=int, metavar="N",
                   help="local cluster of N worker processes on 127.0.0.1 "
                        "(default: one per core)")
    r.add_argument("--force", action="store_true",
                   help="process finished logs again")
    r.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none off a terminal)")
    _common(r, False)

    s = sub.add_parser("slurm", help="write an sbatch --array script over the "
                       "inputs (and submit it with --submit)")
    _inputs(s)
    s.add_argument("--submit", action="store_true",
                   help="submit the array and the merge job (submit.sh)")
    s.add_argument("--partition")
    s.add_argument("--time", dest="time_limit", help="per array task")
    s.add_argument("--mem", help="per array task, e.g. 4G")
    s.add_argument("--max-parallel", type=int, metavar="K",
                   help="at most K array tasks at once (--array=...%%K)")
    s.add_argument("--per-task", type=int, metavar="K",
                   help="logs per array task (default: 1, more past 1000 "
                        "logs, Slurm's default MaxArraySize)")
    s.add_argument("--sbatch-arg", action="append", default=[], metavar="ARG",
                   help="one more #SBATCH line, e.g. --sbatch-arg=--qos=low")
    s.add_argument("--python", help="interpreter on the nodes (default: "
                   "this one, %s)" % sys.executable)
    _common(s, False)

    t = sub.add_parser("task", help="run array task INDEX of LISTFILE (what "
                       "the sbatch script runs)")
    t.add_argument("index", type=int, metavar="INDEX")
    t.add_argument("listfile", metavar="LISTFILE")
    t.add_argument("--per-task", type=int, default=1, metavar="K")
    t.add_argument("--force", action="store_true")
    _common(t, True)

    m = sub.add_parser("merge", help="write OUTDIR/manifest.jsonl from the "
                       "tasks' records")
    m.add_argument("listfile", metavar="LISTFILE")
    _common(m, True)
    return ap


def _spec(a, launch, outdir):
    return Spec(launch=launch, outdir=os.path.abspath(outdir),
                cli=a.sensorpipe, backend=a.backend, pool_mb=a.pool_mb,
                timeout=a.timeout, verify=a.verify,
                force=getattr(a, "force", False))


def _say(msg):
    print("sensorpipe fleet: " + msg, flush=True)


def _summary(recs, outdir):
    done = sum(r["status"] == "done" for r in recs)
    failed = [r for r in recs if r["status"] != "done"]
    _say("%d logs: %d done, %d failed; manifest %s"
         % (len(recs), done, len(failed), os.path.join(outdir, mf.MANIFEST)))
    noted = [r for r in recs if r.get("notes")]
    if noted:
        _say("%d of them with notes from sensorpipe (\"notes\" in the "
             "manifest), e.g. %s: %s" % (len(noted), noted[0]["stem"],
                                        noted[0]["notes"][0]))
    for r in failed[:10]:
        print("  %s: %s" % (r["input"], r["error"]), file=sys.stderr)
    return 1 if failed else 0


def main(argv=None):
    a = parser().parse_args(argv)
    try:
        if a.cmd in ("run", "slurm"):
            paths = list(a.inputs)
            if a.inputs_from:
                paths += read_list(a.inputs_from)
            if not paths:
                raise LaunchError("no INPUT given")
            inputs = check_inputs(paths)
            check_launch(a.launch, len(inputs))
            spec = _spec(a, a.launch, a.outdir)
            if a.cmd == "run" and not a.scheduler:
                # The local cluster's tasks run it here: say now, once,
                # rather than once per log after starting the cluster.
                find_cli(spec.cli)
            os.makedirs(spec.outdir, exist_ok=True)
        elif a.cmd in ("task", "merge"):
            inputs = read_list(a.listfile)
            check_launch(a.launch, len(inputs))
            spec = _spec(a, a.launch, a.out)
    except (LaunchError, OSError) as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2

    if a.cmd == "run":
        from .dask_front import run_dask
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("%s run: Dask distributed is not installed (Debian: apt-get "
                  "install python3-distributed; or pip install distributed)"
                  % PROG, file=sys.stderr)
            return 2
        if a.workers is not None and a.workers < 1:
            print("%s run: --workers must be at least 1" % PROG,
                  file=sys.stderr)
            return 2
        try:
            recs, _ = run_dask(spec, inputs, scheduler=a.scheduler,
                               workers=a.workers, retries=a.retries,
                               progress=False if a.no_progress else None,
                               log=_say)
        except KeyboardInterrupt:
            print("%s run: interrupted; the finished logs are kept, a rerun "
                  "does the rest" % PROG, file=sys.stderr)
            return 130
        return _summary(recs, spec.outdir)

    if a.cmd == "slurm":
        from .slurm_front import submit, write_slurm
        paths = write_slurm(spec, inputs, python=a.python,
                            partition=a.partition, time_limit=a.time_limit,
                            mem=a.mem, max_parallel=a.max_parallel,
                            per_task=a.per_task, retries=a.retries,
                            sbatch_args=a.sbatch_arg)
        _say("%d logs, %d array tasks: %s" % (len(inputs), paths["tasks"],
                                               paths["array"]))
        if a.submit:
            job, merge = submit(paths)
            _say("submitted array job %s and merge job %s; the manifest will "
                 "be %s" % (job, merge, os.path.join(spec.outdir, mf.MANIFEST)))
        else:
            _say("submit with %s (the array, then the manifest merge)"
                 % paths["submit"])
        return 0

    if a.cmd == "task":
        k = a.per_task
        mine = inputs[a.index * k:(a.index + 1) * k]
        if a.index < 0 or not mine:
            print("%s task: index %d is past the %d inputs of %s"
                  % (PROG, a.index, len(inputs), a.listfile), file=sys.stderr)
            return 2
        status = 0
        for inp in mine:
            rec = run_log_retrying(spec, inp, a.retries,
                                   log=lambda m: _say(m))
            if rec.get("status") != "done":
                status = 1
                _say("%s: failed: %s" % (inp, rec.get("error")))
            elif rec.get("skipped"):
                _say("%s: already finished" % inp)
            else:
                _say("%s: done: %d frames, %d files, %d bytes, %.2f s"
                     % (inp, rec["frames"], len(rec["outputs"]), rec["bytes"],
                        rec["seconds"]))
        return status

    # merge
    from .task import clean_staging
    for inp in inputs:
        clean_staging(spec.outdir, stem_of(inp), only_dead=False)
    recs = mf.merge(spec.outdir, inputs, [stem_of(p) for p in inputs],
                    spec.launch)
    return _summary(recs, spec.outdir)


if __name__ == "__main__":
    sys.exit(main())
