"""Fleets of logs (python/sensorpipe/fleet): Dask and Slurm front ends over
real `sensorpipe run` tasks.

Run from CTest (test_python_fleet) or by hand:
    SP_SENSORPIPE=build/cli/sensorpipe PYTHONPATH=python \\
        /usr/bin/python3 -m pytest -q tests/python/fleet/test_fleet.py

Inputs are made here: 20 small ROS1 bags (python3-rosbag, real
sensor_msgs/PointCloud2 definitions) and 20 folders of KITTI-like .bin
sweeps (stdlib only). The reference is a serial loop of the CLI itself.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

import pytest

from sensorpipe import fleet
from sensorpipe.fleet import manifest as mf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PY = sys.executable
LAUNCH_BAG = ("bag path={input} ! crop x=-30:30 y=-30:30 ! voxel leaf=0.5 "
              "! npy dir={out}/{stem}")
LAUNCH_BIN = "bin path={input} ! voxel leaf=0.4 ! npy dir={out}/{stem}"
N_LOGS = 20


def say(capsys, msg):
    """A line in the test's output even under pytest's capture (CTest's log
    keeps it)."""
    with capsys.disabled():
        print("\n[test_fleet] " + msg)


# ---- fixtures: the program, the logs, the reference, the cluster ----

@pytest.fixture(scope="module")
def cli():
    # SP_CLI: the name the other Python tests' CTest entries use.
    other = None if os.environ.get("SP_SENSORPIPE") else os.environ.get("SP_CLI")
    try:
        return fleet.find_cli(other)
    except FileNotFoundError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fleet")


def write_bags(d, n):
    try:
        import genpy
        import genpy.dynamic
        import rosbag
    except ImportError as e:
        pytest.skip("python3-rosbag is not importable (%s): apt-get install "
                    "python3-rosbag" % e)
    sys.path.insert(0, os.path.join(ROOT, "tests", "oracles"))
    try:
        from make_rosmsg_fixtures import DEFS
    finally:
        sys.path.pop(0)
    classes = genpy.dynamic.generate_dynamic("sensor_msgs/PointCloud2",
                                             DEFS["PointCloud2"])
    Cloud = classes["sensor_msgs/PointCloud2"]
    Field = classes["sensor_msgs/PointField"]
    paths = []
    for i in range(n):
        rng = random.Random(1000 + i)
        path = str(d / ("drive_%02d.bag" % i))
        bag = rosbag.Bag(path, "w", compression="lz4" if i % 2 else "none")
        for k in range(2):
            npts = 600 + 50 * i
            m = Cloud()
            stamp = genpy.Time(1700000000 + i, k * 100000000)
            m.header.stamp, m.header.frame_id = stamp, "lidar"
            m.height, m.width = 1, npts
            for j, name in enumerate(("x", "y", "z", "intensity")):
                f = Field()
                f.name, f.offset, f.datatype, f.count = name, 4 * j, 7, 1
                m.fields.append(f)
            m.point_step, m.row_step, m.is_dense = 16, 16 * npts, True
            m.data = b"".join(struct.pack(
                "<4f", rng.uniform(-40, 40), rng.uniform(-40, 40),
                rng.uniform(-2, 3), rng.random()) for _ in range(npts))
            bag.write("/points", m, stamp)
        bag.close()
        paths.append(path)
    return paths


def write_bins(d, n, name="seq"):
    paths = []
    for i in range(n):
        rng = random.Random(2000 + i)
        folder = d / ("%s_%02d" % (name, i))
        folder.mkdir()
        for k in range(2):
            pts = [rng.uniform(-20, 20) for _ in range(4 * (400 + 20 * i))]
            (folder / ("%010d.bin" % k)).write_bytes(
                struct.pack("<%df" % len(pts), *pts))
        paths.append(str(folder))
    return paths


@pytest.fixture(scope="module")
def bags(workdir):
    d = workdir / "bags"
    d.mkdir()
    return write_bags(d, N_LOGS)


@pytest.fixture(scope="module")
def bins(workdir):
    d = workdir / "bins"
    d.mkdir()
    return write_bins(d, N_LOGS)


def serial(cli, launch, inputs, outdir):
    """The reference: the CLI run by hand on each log in turn, placeholders
    replaced by plain text (these paths need no quoting)."""
    for inp in inputs:
        stem = os.path.basename(inp)
        if not os.path.isdir(inp):
            stem = os.path.splitext(stem)[0]
        text = launch.replace("{input}", inp).replace(
            "{out}", str(outdir)).replace("{stem}", stem)
        subprocess.run([cli, "run", "--backend", "simd", "--", text],
                       check=True, capture_output=True)
    return tree(outdir)


def tree(outdir):
    """relative path -> sha256 of every output (the fleet's own files
    left out)."""
    out = {}
    for rel in mf.list_files(str(outdir)):
        if rel.split("/")[0] == mf.STATE or rel == mf.MANIFEST:
            continue
        with open(os.path.join(str(outdir), rel), "rb") as f:
            out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def ref_bags(cli, bags, workdir):
    return serial(cli, LAUNCH_BAG, bags, workdir / "ref_bags")


@pytest.fixture(scope="module")
def ref_bins(cli, bins, workdir):
    return serial(cli, LAUNCH_BIN, bins, workdir / "ref_bins")


@pytest.fixture(scope="module")
def client():
    try:
        import distributed
    except ImportError:
        pytest.skip("Dask distributed is not installed (apt-get install "
                    "python3-distributed)")
    cluster = fleet.local_cluster(2)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def read_manifest(outdir):
    with open(os.path.join(str(outdir), mf.MANIFEST)) as f:
        return [json.loads(line) for line in f]


def check_manifest(outdir, inputs, ref):
    recs = read_manifest(outdir)
    assert [r["input"] for r in recs] == inputs
    listed = []
    for r in recs:
        assert r["status"] == "done" and r["error"] is None, r
        assert r["frames"] >= 2 and r["outputs"] and r["seconds"] > 0
        assert r["bytes"] > 0
        assert (r["bytes"], r["checksum"]) == mf.checksum(str(outdir),
                                                          r["outputs"])
        assert r["outputs"] == sorted(r["outputs"])
        assert isinstance(r["notes"], list)
        listed += r["outputs"]
    # Every output listed once, nothing unlisted, nothing left in staging.
    assert sorted(listed) == sorted(ref)
    assert not os.listdir(mf.state_dir(str(outdir), "tmp"))
    return recs


# ---- the template ----

def test_launch_template(tmp_path):
    q = fleet.expand_launch("bag path={input} ! npy dir={out}/{stem}",
                            "/logs/a b.bag", "/o", "a b")
    assert q == "bag path='/logs/a b.bag' ! npy dir='/o/a b'"
    q = fleet.expand_launch("bag path={input} ! npy dir={out}/{stem}",
                            "/logs/it's!.bag", "/o", "x")
    assert q == "bag path=\"/logs/it's!.bag\" ! npy dir=/o/x"
    assert fleet.expand_launch("bag path='{input}' topics='/a b'", "/l.bag",
                               "/o", "l") == "bag path=/l.bag topics='/a b'"
    with pytest.raises(fleet.LaunchError, match=r"unknown placeholder \{outdir\}"):
        fleet.check_launch("bag path={input} ! npy dir={outdir}", 1)
    with pytest.raises(fleet.LaunchError, match="same place"):
        fleet.check_launch("bag path={input} ! npy dir={out}", 2)
    fleet.check_launch("bag path={input} ! npy dir={out}", 1)
    with pytest.raises(fleet.LaunchError, match="no {out}"):
        fleet.check_launch("bag path={input} ! npy dir=/x/{stem}", 2)
    (tmp_path / "drive.v2.bag").write_bytes(b"")
    (tmp_path / "rosbag2_2024.01.02").mkdir()
    assert fleet.stem_of(str(tmp_path / "drive.v2.bag")) == "drive.v2"
    assert fleet.stem_of(str(tmp_path / "rosbag2_2024.01.02") + "/") == \
        "rosbag2_2024.01.02"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "drive.v2.mcap").write_bytes(b"")
    with pytest.raises(fleet.LaunchError, match="same stem"):
        fleet.check_inputs([str(tmp_path / "drive.v2.bag"),
                            str(tmp_path / "b" / "drive.v2.mcap")])
    with pytest.raises(fleet.LaunchError, match="no such file"):
        fleet.check_inputs([str(tmp_path / "missing.bag")])


def test_progress_bar():
    import io
    from sensorpipe.fleet.progress import Progress
    buf = io.StringIO()
    bar = Progress(4, stream=buf, enabled=True, width=8)
    bar.update({"skipped": True})
    bar.update({"bytes": 2500000})
    bar.update(failed=True)
    bar.update({"bytes": 500000})
    bar.close()
    last = buf.getvalue().split("\r")[-1]
    assert last.startswith("[########] 4/4 logs  1 failed  3.0 MB  0:00:0")
    assert last.endswith("\n")
    quiet = io.StringIO()  # not a terminal: nothing
    Progress(4, stream=quiet).update({"bytes": 1})
    assert quiet.getvalue() == ""


# ---- Dask ----

def listeners(pids):
    """(address, port) of every listening TCP socket the processes @p pids
    hold, from /proc."""
    inodes = set()
    for pid in pids:
        fd = "/proc/%d/fd" % pid
        for name in os.listdir(fd):
            try:
                link = os.readlink(os.path.join(fd, name))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:
                addr, port = f[1].split(":")
                found.append((addr, int(port, 16)))
    return found


def test_dask_matches_serial(cli, bags, ref_bags, client, workdir, capsys):
    out = workdir / "dask_bags"
    spec = fleet.Spec(LAUNCH_BAG, str(out), cli=cli)
    t0 = time.monotonic()
    recs, summary = fleet.run_dask(spec, bags, client=client, retries=1)
    took = time.monotonic() - t0
    assert summary == {"logs": N_LOGS, "ran": N_LOGS, "skipped": 0,
                       "failed": 0}
    assert tree(out) == ref_bags  # byte-identical to the serial run
    recs = check_manifest(out, bags, ref_bags)
    pids = {r["worker"]["pid"] for r in recs}
    workers = client.run(os.getpid)
    assert len(pids) >= 2 and pids <= set(workers.values())
    assert os.getpid() not in pids
    say(capsys, "dask: %d logs on %d worker processes %s in %.2f s, "
        "outputs byte-identical to the serial run" % (len(recs), len(pids),
                                                       sorted(pids), took))

    # Scheduler (in this process), nannies and workers listen on 127.0.0.1.
    nannies = client.run(os.getppid)
    socks = listeners([os.getpid()] + list(workers.values()) +
                      list(nannies.values()))
    assert socks, "no listening socket found under /proc"
    assert all(a == "0100007F" for a, _ in socks), socks

    # A rerun skips every finished log and touches no output.
    before = {rel: os.stat(os.path.join(str(out), rel)).st_mtime_ns
              for rel in ref_bags}
    recs2, summary = fleet.run_dask(spec, bags, client=client)
    assert summary["ran"] == 0 and summary["skipped"] == N_LOGS
    assert recs2 == recs
    assert before == {rel: os.stat(os.path.join(str(out), rel)).st_mtime_ns
                      for rel in ref_bags}

    # A changed input is processed again; its outputs are replaced.
    os.utime(bags[3], ns=(time.time_ns(), time.time_ns()))
    recs3, summary = fleet.run_dask(spec, bags, client=client)
    assert summary["ran"] == 1 and tree(out) == ref_bags


def kill_worker_wrapper(path, real, flag, victim):
    """A stand-in for the sensorpipe program: on the first try of @p victim
    it runs the real program (its outputs land in staging), then SIGKILLs
    its parent, the Dask worker running the task, before the task can move
    anything into place."""
    path.write_text(f"""#!/bin/sh
case "$*" in
*/{victim}" "*)
    if mkdir {flag} 2>/dev/null; then
        {real} "$@"
        kill -9 $PPID
        exec sleep 30
    fi ;;
esac
exec {real} "$@"
""")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_dask_worker_killed(cli, bins, ref_bins, client, workdir, capsys):
    out = workdir / "dask_killed"
    victim = os.path.basename(bins[7])
    flag = workdir / "killed-once"
    wrapper = kill_worker_wrapper(workdir / "sp-killer", cli, flag, victim)
    spec = fleet.Spec(LAUNCH_BIN, str(out), cli=wrapper)
    before = set(client.run(os.getpid).values())
    recs, summary = fleet.run_dask(spec, bins, client=client, retries=1)
    assert flag.exists(), "the wrapper never killed a worker"
    # Results a dead worker held are lost and Dask runs those tasks again:
    # they find their logs finished and skip them (counted as skipped).
    assert summary["failed"] == 0
    assert summary["ran"] + summary["skipped"] == N_LOGS
    assert tree(out) == ref_bins  # nothing missing, nothing doubled
    recs = check_manifest(out, bins, ref_bins)
    rec = recs[7]
    assert rec["attempts"] == 2, rec
    # The killed worker was replaced (its nanny restarts it).
    deadline = time.monotonic() + 30
    while len(client.scheduler_info()["workers"]) < 2 and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    after = set(client.run(os.getpid).values())
    assert before - after, "no worker process died"
    assert rec["worker"]["pid"] not in before - after
    say(capsys, "dask: worker %s killed while running %s; the retry on %s "
        "finished it, %d/%d logs done (%d rerun by Dask found finished), "
        "outputs identical to the serial run"
        % (sorted(before - after), victim, rec["worker"]["pid"],
           len(recs), N_LOGS, summary["skipped"]))


def test_commit_killed_midway(cli, bins, ref_bins, workdir):
    """A task killed between two of its renames: the next try finishes the
    log and the outputs are exactly the serial run's."""
    out = workdir / "midway"
    inp = bins[11]
    child = f"""
import os, signal, sys
from sensorpipe.fleet import Spec, run_log, task
real, moved = os.replace, []
def replace(src, dst):
    if "/.fleet/tmp/" in src and "/.fleet/done/" not in dst:
        if len(moved) == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        moved.append(dst)
    real(src, dst)
task.os.replace = replace
run_log(Spec({LAUNCH_BIN!r}, {str(out)!r}, cli={cli!r}), {inp!r})
"""
    p = subprocess.run([PY, "-c", child], env=dict(os.environ),
                       capture_output=True, text=True)
    assert p.returncode == -signal.SIGKILL, p.stderr
    stem = os.path.basename(inp)
    assert not os.path.exists(mf.marker_path(str(out), "done", stem))
    partial = tree(out)
    assert len(partial) == 1
    rec = fleet.run_log(fleet.Spec(LAUNCH_BIN, str(out), cli=cli), inp)
    assert rec["attempts"] == 2 and rec["status"] == "done"
    want = {k: v for k, v in ref_bins.items() if k.startswith(stem + "/")}
    assert tree(out) == want and sorted(rec["outputs"]) == sorted(want)
    assert not os.listdir(mf.state_dir(str(out), "tmp"))
    assert fleet.run_log(fleet.Spec(LAUNCH_BIN, str(out), cli=cli),
                         inp)["skipped"]


def test_cli_run_with_a_bad_log(cli, bags, ref_bags, client, workdir):
    """`python3 -m sensorpipe.fleet run --scheduler ...`: a log that is not
    one fails (retried, then recorded with the program's message), the
    others finish; exit status 1; a rerun does only the failed one."""
    out = workdir / "cli_run"
    bad = workdir / "broken.bag"
    bad.write_bytes(b"#ROSBAG V2.0\nthis is not a bag\n")
    inputs = bags[:3] + [str(bad)]
    addr = client.scheduler.address
    assert addr.startswith("tcp://127.0.0.1:")
    cmd = [PY, "-m", "sensorpipe.fleet", "run", "--scheduler", addr,
           "--sensorpipe", cli, "--retries", "1", LAUNCH_BAG, str(out)] + inputs
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "4 logs: 3 done, 1 failed" in p.stdout
    recs = read_manifest(out)
    assert [r["status"] for r in recs] == ["done"] * 3 + ["failed"]
    assert "broken.bag" in recs[3]["error"] and recs[3]["attempts"] == 2
    assert "sensorpipe exited with status 1" in recs[3]["error"]
    want = {k: v for k, v in ref_bags.items()
            if k.split("/")[0] in ("drive_00", "drive_01", "drive_02")}
    assert tree(out) == want
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 1
    # attempts counts the tries since a log last finished.
    assert [r["attempts"] for r in read_manifest(out)] == [1, 1, 1, 4]
    # Usage errors: exit status 2, the reason on stderr.
    p = subprocess.run([PY, "-m", "sensorpipe.fleet", "run", "bag path=x",
                        str(out), bags[0]], capture_output=True, text=True)
    assert p.returncode == 2 and "no {input}" in p.stderr


def test_notes_in_the_manifest(cli, bags, client, workdir):
    """What a run notes (here a streams= that takes nothing) is kept in its
    log's record and counted in the summary, not lost with its stderr."""
    out = workdir / "notes"
    launch = ("bag path={input} ! voxel leaf=0.5 streams=/nosuch "
              "! npy dir={out}/{stem}")
    p = subprocess.run([PY, "-m", "sensorpipe.fleet", "run", "--scheduler",
                        client.scheduler.address, "--sensorpipe", cli,
                        "--no-progress", launch, str(out)] + bags[:2],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    recs = read_manifest(out)
    for r in recs:
        assert any("streams=/nosuch took none of the" in n
                   for n in r["notes"]), r
    assert "2 of them with notes from sensorpipe" in p.stdout, p.stdout


def test_find_cli_in_a_build_tree(cli, bags, workdir):
    """PYTHONPATH=build/python with no SP_SENSORPIPE and no sensorpipe on
    PATH: the program is the build tree's cli/sensorpipe. A local run whose
    program is missing is refused before any cluster starts."""
    build = os.path.dirname(os.path.dirname(cli))
    pkg = os.path.join(build, "python")
    if not os.path.isfile(os.path.join(pkg, "sensorpipe", "fleet",
                                       "launch.py")):
        pytest.skip("no package in the build tree at " + pkg)
    env = {k: v for k, v in os.environ.items()
           if k not in ("SP_SENSORPIPE", "PYTHONPATH")}
    env["PYTHONPATH"] = pkg
    env["PATH"] = "/usr/bin:/bin"
    p = subprocess.run([PY, "-c", "from sensorpipe import fleet; "
                        "print(fleet.find_cli())"], env=env, cwd="/",
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert os.path.samefile(p.stdout.strip(), os.path.join(build, "cli",
                                                           "sensorpipe"))
    env["SP_SENSORPIPE"] = str(workdir / "no-such-program")
    out = workdir / "no_program"
    t0 = time.monotonic()
    p = subprocess.run([PY, "-m", "sensorpipe.fleet", "run", LAUNCH_BAG,
                        str(out), bags[0]], env=env, capture_output=True,
                       text=True)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "no-such-program: not found or not executable" in p.stderr
    assert "local cluster" not in p.stdout and not out.exists()
    assert time.monotonic() - t0 < 30


# ---- Slurm ----

def slurm_answers(env):
    """True when sbatch can reach a controller with a node to run on."""
    if not shutil.which("sbatch") or not shutil.which("sinfo"):
        return False
    try:
        p = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True,
                           text=True, timeout=10, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0 and any(s.strip() in ("idle", "mix", "alloc")
                                     for s in p.stdout.split())


@pytest.fixture(scope="module")
def slurm():
    """(environment for sbatch, how) where a Slurm cluster can take jobs,
    else (None, why not). First a private one-node cluster started here
    (slurm_local.sh: munged, slurmctld, slurmd under a temporary folder,
    on 127.0.0.1, as root), else one that already answers (SLURM_CONF or
    /etc/slurm). SP_TEST_SLURM=off: none, to test the by-hand path."""
    if os.environ.get("SP_TEST_SLURM") == "off":
        yield None, "SP_TEST_SLURM=off"
        return
    script = os.path.join(HERE, "slurm_local.sh")
    why = "not root"
    if os.geteuid() == 0:
        # A short path: munged's socket name must fit in sun_path.
        d = tempfile.mkdtemp(prefix="spslurm.")
        p = subprocess.run(["sh", script, "start", d], capture_output=True,
                           text=True, timeout=60)
        if p.returncode == 0:
            env = dict(os.environ, SLURM_CONF=p.stdout.strip().splitlines()[-1])
            try:
                yield env, "a private slurmctld/slurmd started by the test " \
                    "(%s)" % env["SLURM_CONF"]
            finally:
                subprocess.run(["sh", script, "stop", d], timeout=60)
                shutil.rmtree(d, ignore_errors=True)
            return
        why = "slurm_local.sh could not start one: " + \
            (p.stderr.strip().splitlines() or ["?"])[-1]
        shutil.rmtree(d, ignore_errors=True)
    if slurm_answers(None):
        yield dict(os.environ), "the Slurm cluster that answers sinfo here"
        return
    yield None, why


def test_slurm(cli, bags, ref_bags, workdir, slurm, capsys):
    out = workdir / "slurm"
    inputs = bags[:5]
    p = subprocess.run([PY, "-m", "sensorpipe.fleet", "slurm", "--per-task",
                        "2", "--max-parallel", "2", "--partition", "debug",
                        "--sensorpipe", cli, "--time", "10",
                        "--sbatch-arg=--comment=sp", LAUNCH_BAG, str(out)] +
                       inputs, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    d = mf.state_dir(str(out), "slurm")
    script = open(os.path.join(d, "array.sbatch")).read()
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    for want in ("#SBATCH --array=0-2%2", "#SBATCH --cpus-per-task=1",
                 "#SBATCH --partition=debug", "#SBATCH --time=10",
                 "#SBATCH --comment=sp", "export SP_SENSORPIPE=" + cli):
        assert want in lines, (want, script)
    task_line = lines[-1]
    assert task_line.startswith("exec " + PY + " -m sensorpipe.fleet task "
                                '"$SLURM_ARRAY_TASK_ID" ')
    assert "--per-task 2" in task_line
    # Every #SBATCH line comes before the first command.
    first_cmd = next(i for i, l in enumerate(lines)
                     if l and not l.startswith("#"))
    assert all(i < first_cmd for i, l in enumerate(lines)
               if l.startswith("#SBATCH"))
    with open(os.path.join(d, "inputs.txt")) as f:
        assert f.read().splitlines() == inputs

    env, which = slurm
    if env is not None:
        how = "submitted with sbatch --array, then the merge job, to " + which
        p = subprocess.run([PY, "-m", "sensorpipe.fleet", "slurm", "--submit",
                            "--per-task", "2", "--sensorpipe", cli,
                            LAUNCH_BAG, str(out)] + inputs,
                           capture_output=True, text=True, env=env)
        assert p.returncode == 0 and "submitted array job" in p.stdout, \
            p.stdout + p.stderr
        manifest = os.path.join(str(out), mf.MANIFEST)
        deadline = time.monotonic() + 120
        while not os.path.exists(manifest) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert os.path.exists(manifest), "the Slurm jobs did not finish: " + \
            subprocess.run(["squeue"], capture_output=True, text=True,
                           env=env).stdout
        # Three array tasks ran under Slurm, each writing its own log.
        ran = sorted(n for n in os.listdir(os.path.join(d, "logs"))
                     if not n.startswith("merge_"))
        assert [n.rsplit("_", 1)[1] for n in ran] == \
            ["0.out", "1.out", "2.out"], ran
    else:
        how = "no Slurm cluster here (%s): checked the script and ran " \
              "each array task's script by hand (SLURM_ARRAY_TASK_ID=0..2), " \
              "then merge.sbatch" % which
        for i in range(3):
            env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(i))
            r = subprocess.run(["bash", os.path.join(d, "array.sbatch")],
                               env=env, capture_output=True, text=True)
            assert r.returncode == 0, r.stdout + r.stderr
        r = subprocess.run(["bash", os.path.join(d, "merge.sbatch")],
                           capture_output=True, text=True)
        assert r.returncode == 0 and "5 logs: 5 done" in r.stdout, r.stdout
    say(capsys, "slurm: " + how)
    want = {k: v for k, v in ref_bags.items()
            if k.split("/")[0] in [os.path.basename(b)[:-4] for b in inputs]}
    assert tree(out) == want
    recs = check_manifest(out, inputs, want)
    # A task run again finds its logs finished.
    r = subprocess.run(["bash", os.path.join(d, "array.sbatch")],
                       env=dict(os.environ, SLURM_ARRAY_TASK_ID="1"),
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.count("already finished") == 2
    assert tree(out) == want
    assert [x["checksum"] for x in read_manifest(out)] == \
        [x["checksum"] for x in recs]
