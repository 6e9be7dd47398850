"""The Dask distributed front end: one task per log on a scheduler you run
(tcp://host:8786) or on a local cluster of worker processes on 127.0.0.1."""
import logging
import os

from . import manifest as mf
from .launch import stem_of
from .progress import Progress
from .task import TaskFailed, clean_staging, run_log


def default_workers():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def local_cluster(workers=None):
    """A LocalCluster of @p workers processes with one thread each (each task
    runs one single-threaded pipeline, so the worker count is the
    parallelism), listening on 127.0.0.1 only: scheduler, nannies and
    workers bind the loopback address, and so do the HTTP servers Dask
    starts even without a dashboard (left to themselves they bind every
    interface), with the dashboard pages off."""
    from distributed import LocalCluster
    loopback = "127.0.0.1:0"
    return LocalCluster(n_workers=workers or default_workers(),
                        threads_per_worker=1, processes=True,
                        host="127.0.0.1", protocol="tcp://",
                        dashboard_address=None,
                        scheduler_kwargs={"dashboard": False,
                                          "dashboard_address": loopback},
                        worker_dashboard_address=loopback,
                        silence_logs=logging.ERROR)


def describe_error(e):
    """One line for the manifest from what a future raised."""
    name = type(e).__name__
    if isinstance(e, TaskFailed) or name == "TaskFailed":
        return str(e)
    if name == "KilledWorker":
        return ("KilledWorker: the worker running it died each time it was "
                "tried (%s)" % e)
    return "%s: %s" % (name, e)


def run_dask(spec, inputs, scheduler=None, workers=None, retries=2,
             client=None, progress=None, log=None):
    """Runs every log of @p inputs (absolute, checked paths) as one task of
    @p client, else of a Client of @p scheduler, else of a local cluster of
    @p workers processes; failed tasks are retried @p retries times (a task
    whose worker dies is rescheduled by Dask itself). Finished logs are not
    submitted. Writes OUTDIR/manifest.jsonl; returns (records, summary).
    @p log, when given, is called with a line saying where the tasks go."""
    inputs = [os.path.abspath(p) for p in inputs]
    stems = [stem_of(p) for p in inputs]
    todo, skipped = [], 0
    for inp, stem in zip(inputs, stems):
        if not spec.force and mf.finished(spec.outdir, inp, stem, spec.launch,
                                          spec.verify):
            skipped += 1
        else:
            todo.append(inp)
    bar = Progress(len(inputs), enabled=progress)
    for _ in range(skipped):
        bar.update({"skipped": True})
    errors, ran = {}, 0
    owned = []
    complete = False
    try:
        if todo:
            from distributed import Client, as_completed
            if client is None:
                if scheduler:
                    client = Client(scheduler)
                else:
                    if log:
                        log("%d of %d logs to run on a local cluster of %d "
                            "worker processes (127.0.0.1)"
                            % (len(todo), len(inputs),
                               workers or default_workers()))
                    cluster = local_cluster(workers)
                    owned.append(cluster)
                    client = Client(cluster)
                owned.insert(0, client)
            futures, which = [], {}
            for inp in todo:
                fut = client.submit(run_log, spec, inp, retries=retries,
                                    pure=False,
                                    key="sensorpipe-fleet-%s-%s" % (
                                        stem_of(inp), os.urandom(4).hex()))
                futures.append(fut)
                which[fut.key] = inp
            for fut in as_completed(futures):
                inp = which[fut.key]
                try:
                    rec = fut.result()
                    ran += not rec.get("skipped")
                    bar.update(rec)
                except Exception as e:  # noqa: BLE001 (any task failure)
                    errors[inp] = describe_error(e)
                    bar.update(failed=True)
        complete = True
    finally:
        bar.close()
        for thing in owned:
            thing.close()
    if complete:
        # Every try of this run has ended: what is left is a killed try's.
        for inp in todo:
            clean_staging(spec.outdir, stem_of(inp), only_dead=False)
    recs = mf.merge(spec.outdir, inputs, stems, spec.launch, errors)
    failed = sum(r["status"] != "done" for r in recs)
    return recs, {"logs": len(inputs), "ran": ran,
                  "skipped": len(inputs) - ran - failed, "failed": failed}

