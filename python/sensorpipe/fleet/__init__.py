"""Fleets of logs: one sensorpipe pipeline per log, on Dask distributed or
Slurm, idempotent and resumable, with a JSON-lines manifest.

    python3 -m sensorpipe.fleet run [--scheduler tcp://host:8786 | --workers N] LAUNCH OUTDIR INPUT...
    python3 -m sensorpipe.fleet slurm [--submit] LAUNCH OUTDIR INPUT...

LAUNCH is a launch string with {input} (one log), {out} (OUTDIR) and
{stem} (the log's name without its extension; a folder's name), e.g.
'bag path={input} ! voxel leaf=0.2 ! npy dir={out}/{stem}'.

Each task runs the `sensorpipe` program (find_cli: --sensorpipe,
$SP_SENSORPIPE, PATH, the package's bin/, a checkout's build/cli/) in a child
process; this subpackage does not need the extension module. From Python:

    from sensorpipe.fleet import Spec, check_inputs, run_dask
    spec = Spec(launch, os.path.abspath(outdir))
    records, summary = run_dask(spec, check_inputs(paths), workers=4)
"""
from .dask_front import local_cluster, run_dask
from .launch import (LaunchError, check_inputs, check_launch, expand_launch,
                     find_cli, stem_of)
from .manifest import MANIFEST, checksum, merge
from .slurm_front import write_slurm
from .task import Spec, TaskFailed, run_log, run_log_retrying

__all__ = ["Spec", "TaskFailed", "LaunchError", "run_log", "run_log_retrying",
           "run_dask", "local_cluster", "write_slurm", "merge", "checksum",
           "check_inputs", "check_launch", "expand_launch", "find_cli",
           "stem_of", "MANIFEST"]
