#!/bin/sh
# A private one-node Slurm cluster on 127.0.0.1 for test_fleet.py's Slurm
# test: munged, slurmctld and slurmd with everything (key, socket, config,
# state, logs, pid files) under DIR, on free ports, so that nothing in /etc
# or /run is touched and a real cluster on the machine is left alone. Root
# only (slurmd runs jobs as their owner); Debian 12: apt-get install
# slurmctld slurmd slurm-client munge.
#
#   tests/python/fleet/slurm_local.sh start DIR   # prints DIR/slurm.conf
#   SLURM_CONF=DIR/slurm.conf sbatch ...
#   tests/python/fleet/slurm_local.sh stop DIR
#
# Not for production: no cgroups (proctrack/linuxproc), no accounting.
set -eu
PATH="$PATH:/usr/sbin:/sbin"

# Stops the daemons and waits for them to exit (slurmctld saves its state
# on the way out: the folder can be removed only after that).
stop() {
    pids=""
    for f in "$1/slurmd.pid" "$1/slurmctld.pid" "$1/munge/munged.pid"; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        rm -f "$f"
        kill "$pid" 2>/dev/null && pids="$pids $pid"
    done
    for pid in $pids; do
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
            i=$((i + 1))
            sleep 0.1
        done
    done
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[ $# = 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
case "$1" in
start)
    [ "$(id -u)" = 0 ] || { echo "$0: slurmd needs root" >&2; exit 1; }
    for p in mungekey munged slurmctld slurmd sbatch sinfo; do
        command -v "$p" >/dev/null 2>&1 || {
            echo "$0: $p not found (apt-get install slurmctld slurmd slurm-client munge)" >&2
            exit 1
        }
    done
    mkdir -p "$2"
    d=$(cd "$2" && pwd)
    # munged refuses a key or socket folder that others can write or read.
    mkdir -p "$d/munge" "$d/state" "$d/spool"
    chmod 700 "$d" "$d/munge"
    stop "$d"
    host=$(hostname -s)
    mungekey --create --force --keyfile="$d/munge/munge.key"
    munged --force --socket="$d/munge/munge.socket" \
        --key-file="$d/munge/munge.key" --pid-file="$d/munge/munged.pid" \
        --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed"
    cat >"$d/slurm.conf" <<CONF
# written by sensorpipe tests/python/fleet/slurm_local.sh
ClusterName=spfleettest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
PlugStackConfig=$d/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    : >"$d/plugstack.conf"
    export SLURM_CONF="$d/slurm.conf"
    slurmctld -i
    slurmd
    i=0
    until sinfo -h -o %t 2>/dev/null | grep -Eq 'idle|mix'; do
        i=$((i + 1))
        if [ $i -ge 100 ]; then
            echo "$0: the node never came up (see $d/*.log)" >&2
            stop "$d"
            exit 1
        fi
        sleep 0.1
    done
    echo "$d/slurm.conf"
    ;;
stop)
    stop "$2"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
