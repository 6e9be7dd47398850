#!/bin/sh
# A one-node Slurm cluster on 127.0.0.1 for test_fleet.py's Slurm test (as
# root, Debian 12: apt-get install slurmctld slurmd slurm-client munge).
#
#   tests/python/fleet_slurm_local.sh start   # munged, slurmctld, slurmd
#   tests/python/fleet_slurm_local.sh stop
#
# Writes /etc/slurm/slurm.conf unless one is there that this script did not
# write (a real cluster's: then it stops). Daemons bind 127.0.0.1
# (NoInAddrAny, NoCtldInAddrAny); no cgroups (proctrack/linuxproc), no
# accounting. Not for production.
set -eu
conf=/etc/slurm/slurm.conf
mark="# written by sensorpipe tests/python/fleet_slurm_local.sh"
host=$(hostname -s)
cpus=$(nproc)

stop() {
    for f in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
        if [ -f "$f" ]; then
            kill "$(cat "$f")" 2>/dev/null || true
            rm -f "$f"
        fi
    done
}

case "${1:-}" in
start)
    [ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
    for p in munged slurmctld slurmd sbatch; do
        command -v "$p" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
        command -v "$p" >/dev/null 2>&1 || {
            echo "$0: $p not found (apt-get install slurmctld slurmd slurm-client munge)" >&2
            exit 1
        }
    done
    if [ -f "$conf" ] && ! grep -qF "$mark" "$conf"; then
        echo "$0: $conf exists and is not this script's: not touching it" >&2
        exit 1
    fi
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
    cat >"$conf" <<EOF
$mark
ClusterName=spfleet
SlurmctldHost=$host(127.0.0.1)
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    stop
    if [ ! -f /etc/munge/munge.key ]; then
        mungekey --create 2>/dev/null || create-munge-key
    fi
    chown munge:munge /run/munge
    munged --force --pid-file=/run/munge/munged.pid 2>/dev/null || munged --force
    slurmctld
    sleep 1
    slurmd
    i=0
    until sinfo -h -o %t 2>/dev/null | grep -Eq 'idle|mix'; do
        i=$((i + 1))
        [ $i -lt 30 ] || { echo "$0: the node never came up (see /var/log/slurm/)" >&2; exit 1; }
        sleep 1
    done
    sinfo
    ;;
stop)
    stop
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
