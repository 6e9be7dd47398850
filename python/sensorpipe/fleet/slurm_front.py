"""The Slurm front end: an `sbatch --array` script over the input list,
each array task running the same per-log task as Dask workers do
(`python3 -m sensorpipe.fleet task INDEX LISTFILE ...`), and a merge job
that writes the manifest once the array is over.

Written under OUTDIR/.fleet/slurm/:
    inputs.txt     the list file, one absolute input path per line
    array.sbatch   the array job: task INDEX handles lines
                   INDEX*per_task .. INDEX*per_task + per_task - 1
    merge.sbatch   writes OUTDIR/manifest.jsonl from the tasks' records
    submit.sh      sbatch array.sbatch, then merge.sbatch after it
                   (--dependency=afterany)
    logs/          each array task's output (%A_%a.out)

Paths are written absolute: the cluster's nodes are assumed to see OUTDIR,
the inputs, the package and the sensorpipe program at the same paths (a
shared file system), as a Slurm cluster's nodes normally do.
"""
import math
import os
import shlex
import subprocess
import sys

from . import manifest as mf
from .launch import find_cli

# Slurm's default MaxArraySize is 1001 (indexes 0..1000).
MAX_ARRAY = 1000


def _package_root():
    """The folder holding the sensorpipe package (for PYTHONPATH)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


def _q(arg):
    return shlex.quote(str(arg))


def _opt(value):
    """An #SBATCH option value: sbatch reads these lines itself, quoting
    with double quotes."""
    value = str(value)
    return '"%s"' % value if any(c.isspace() for c in value) else value


def task_options(spec, retries):
    """The options a task or merge command repeats from @p spec."""
    opts = ["--launch", spec.launch, "--out", spec.outdir,
            "--retries", str(retries), "--backend", spec.backend or "auto"]
    if spec.pool_mb:
        opts += ["--pool-mb", str(spec.pool_mb)]
    if spec.timeout:
        opts += ["--timeout", "%g" % spec.timeout]
    if spec.verify:
        opts.append("--verify")
    return opts


def write_slurm(spec, inputs, python=None, partition=None, time_limit=None,
                mem=None, max_parallel=None, per_task=None, retries=2,
                sbatch_args=(), job_name="sensorpipe-fleet"):
    """Writes the list file and the scripts (see the module's text) for
    @p inputs (absolute, checked paths). Returns a dict of their paths and
    the array's size."""
    d = mf.state_dir(spec.outdir, "slurm")
    logs = os.path.join(d, "logs")
    os.makedirs(logs, exist_ok=True)
    listfile = os.path.join(d, "inputs.txt")
    tmp = listfile + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(p + "\n" for p in inputs)
    os.replace(tmp, listfile)

    n = len(inputs)
    per_task = per_task or max(1, math.ceil(n / MAX_ARRAY))
    ntasks = math.ceil(n / per_task)
    python = python or sys.executable or "python3"
    try:
        cli = find_cli(spec.cli)
    except FileNotFoundError:
        cli = None  # each task looks for it on its node (find_cli)

    env = ["export PYTHONPATH=%s${PYTHONPATH:+:$PYTHONPATH}"
           % _q(_package_root())]
    if cli:
        env.append("export SP_SENSORPIPE=%s" % _q(cli))
    common = [python, "-m", "sensorpipe.fleet"]
    opts = task_options(spec, retries)
    task = " ".join([_q(a) for a in common] + ["task", '"$SLURM_ARRAY_TASK_ID"',
                                              _q(listfile)] +
                    [_q(a) for a in opts] + ["--per-task", str(per_task)])
    merge = " ".join(_q(a) for a in common + ["merge", listfile] + opts)

    array = "0-%d" % (ntasks - 1)
    if max_parallel:
        array += "%%%d" % max_parallel
    head = ["#SBATCH --ntasks=1", "#SBATCH --cpus-per-task=1"]
    if partition:
        head.append("#SBATCH --partition=%s" % _opt(partition))
    if time_limit:
        head.append("#SBATCH --time=%s" % _opt(time_limit))
    if mem:
        head.append("#SBATCH --mem=%s" % _opt(mem))
    head += ["#SBATCH %s" % a for a in sbatch_args]

    def script(name, lines, body, about):
        path = os.path.join(d, name)
        text = "\n".join(["#!/bin/bash", about] + lines + head + [
            "set -eu"] + env + ["exec " + body]) + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    about = ("# sensorpipe fleet: %d logs of %s, %d per array task.\n"
             "# Written by `python3 -m sensorpipe.fleet slurm`; submit.sh "
             "submits it and the\n# manifest merge after it. A rerun skips "
             "the logs already finished."
             % (n, listfile, per_task))
    array_path = script("array.sbatch", [
        "#SBATCH --job-name=%s" % _opt(job_name),
        "#SBATCH --array=%s" % array,
        "#SBATCH --output=%s" % _opt(os.path.join(logs, "%A_%a.out"))],
        task, about)
    merge_path = script("merge.sbatch", [
        "#SBATCH --job-name=%s" % _opt(job_name + "-merge"),
        "#SBATCH --output=%s" % _opt(os.path.join(logs, "merge_%j.out"))],
        merge, "# sensorpipe fleet: writes %s from the array tasks' records."
        % os.path.join(spec.outdir, mf.MANIFEST))
    submit = os.path.join(d, "submit.sh")
    with open(submit, "w", encoding="utf-8") as f:
        f.write("""#!/bin/sh
# Submits the array job, then the manifest merge to run after it (whatever
# the tasks' exit status). Prints the two job ids.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable "$here/array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterany:"$array" "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
""")
    os.chmod(submit, 0o755)
    return {"dir": d, "list": listfile, "array": array_path,
            "merge": merge_path, "submit": submit, "tasks": ntasks,
            "per_task": per_task, "task_command": task,
            "merge_command": merge}


def submit(paths):
    """Runs submit.sh; returns (array job id, merge job id)."""
    out = subprocess.run([paths["submit"]], check=True, capture_output=True,
                         text=True).stdout.split()
    return out[0], out[1]
