"""A one-node Slurm cluster on the loopback, for tests/e2e/test_slurm.py: munged, slurmctld and
slurmd as children of this process, in the foreground, with their key, config, state, spool and
logs in one directory and ports of their own, so it needs nothing in /etc and runs beside any
cluster already on the machine. It runs as root (slurmd starts each job as its user), in a
directory whose parents are searchable by all (munged checks every directory above its socket)."""

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol", "scancel")


def program(name):
    """The path of a Slurm or munge program; the daemons are in /usr/sbin, off some users' PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def missing_programs():
    return [name for name in PROGRAMS if not program(name)]


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


_libc = ctypes.CDLL(None, use_errno=True)


def _end_with_parent():
    """In the daemon's child before exec: a SIGTERM when the test process dies, even by SIGKILL
    (a ctest timeout), so no daemon outlives it."""
    os.setsid()
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LoopbackCluster:
    def __init__(self, root):
        self.root = Path(root)
        self.node = socket.gethostname().split(".")[0]
        self.conf = self.root / "slurm.conf"
        self.munge_socket = self.root / "munge" / "munge.socket.2"
        self.daemons = {}

    def env(self):
        """This process's environment, as it is now, pointing Slurm's commands at this cluster:
        sbatch hands it to the job."""
        return dict(os.environ, SLURM_CONF=str(self.conf))

    def slurm_conf(self):
        ctld_port, slurmd_port = _free_ports(2)
        with open("/proc/meminfo") as f:
            mem_kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
        cpus = len(os.sched_getaffinity(0))
        r = self.root
        # SlurmctldHost must be this host's short name for slurmctld to run as the controller.
        # No cgroups (proctrack/linuxproc, task/none: nothing in a container to set up), no
        # accounting. RealMemory below the total: slurmd drains a node that has less than it says.
        return f"""ClusterName=qualmtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_kib * 9 // 10 // 1024} State=UNKNOWN
PartitionName=test Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""

    def start(self, timeout=60):
        # munged refuses a socket directory that is not searchable by all, and a key that is.
        for sub in ("", "munge", "state", "spool", "log", "jobs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
            (self.root / sub).chmod(0o755)
        key = self.root / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.conf.write_text(self.slurm_conf())
        m = self.root / "munge"
        self._start("munged", ["-F", f"--socket={self.munge_socket}", f"--key-file={key}",
                               f"--log-file={m}/munged.log", f"--pid-file={m}/munged.pid",
                               f"--seed-file={m}/munged.seed"])
        self._wait(lambda: self.munge_socket.exists(), timeout, "munged to open its socket")
        self._start("slurmctld", ["-D", "-f", str(self.conf)])
        self._start("slurmd", ["-D", "-f", str(self.conf), "-N", self.node])
        self._wait(self.node_idle, timeout, f"node {self.node} to be idle in sinfo")

    def _start(self, name, args):
        with open(self.root / "log" / f"{name}.out", "w") as out:
            self.daemons[name] = subprocess.Popen([program(name), *args], stdin=subprocess.DEVNULL, stdout=out,
                                                  stderr=subprocess.STDOUT, env=self.env(),
                                                  preexec_fn=_end_with_parent)

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.daemons.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited {proc.returncode} while waiting for {what}\n{self.logs()}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out after {timeout} s waiting for {what}\n{self.logs()}")

    def node_idle(self):
        proc = self.run(["sinfo", "--noheader", "--Node", "--format=%T", f"--nodes={self.node}"], timeout=20)
        return proc.returncode == 0 and proc.stdout.split() == ["idle"]

    def run(self, args, timeout=60):
        """A Slurm client command against this cluster."""
        return subprocess.run([program(args[0]), *map(str, args[1:])], capture_output=True, text=True,
                              timeout=timeout, env=self.env(), errors="replace")

    def submit(self, args):
        """`sbatch ARGS`; the job's id."""
        proc = self.run(["sbatch", "--parsable", *args])
        if proc.returncode != 0:
            raise RuntimeError(f"sbatch exited {proc.returncode}: {proc.stderr}\n{self.logs()}")
        return proc.stdout.strip().split(";")[0]

    def wait(self, job, timeout):
        """Waits until none of the job's tasks is pending or running (squeue twice a second:
        sbatch --wait polls every 10 s and more). Returns {array task id, or the job id where it is
        no array: "STATE exit:signal"}, as slurmctld keeps them for MinJobAge (300 s; no
        accounting here)."""
        deadline = time.monotonic() + timeout
        while self.run(["squeue", "--noheader", f"--jobs={job}"]).stdout.strip():
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job} still queued or running after {timeout} s")
            time.sleep(0.5)
        show = self.run(["scontrol", "--oneliner", "show", "job", job]).stdout
        return {m["task"] or m["job"]: f"{m['state']} {m['exit']}" for m in re.finditer(
            r"JobId=(?P<job>\d+) (?:ArrayJobId=\d+ ArrayTaskId=(?P<task>\S+) )?.*?JobState=(?P<state>\S+) "
            r".*?ExitCode=(?P<exit>\S+)", show)}

    def logs(self, lines=30):
        """The last lines of every daemon's log, for a failure's message."""
        out = []
        for path in sorted((self.root / "log").glob("*")) + [self.root / "munge" / "munged.log"]:
            if path.is_file():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self):
        """Cancels every job, ends the daemons, then kills any process still holding a file under
        the cluster's directory (a job step slurmd left behind)."""
        if self.daemons.get("slurmctld") and self.daemons["slurmctld"].poll() is None:
            try:
                jobs = self.run(["squeue", "--noheader", "--format=%A"], timeout=20).stdout.split()
                if jobs:
                    self.run(["scancel", *jobs], timeout=20)
                    self._wait_quietly(lambda: not self.run(["squeue", "--noheader"], timeout=20).stdout.strip(), 30)
            except subprocess.TimeoutExpired:
                pass
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.daemons.get(name)
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._kill_leftovers()

    @staticmethod
    def _wait_quietly(done, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done():
            time.sleep(0.5)

    def _kill_leftovers(self):
        root = str(self.root.resolve()) + "/"
        for pid in filter(str.isdigit, os.listdir("/proc")):
            if int(pid) == os.getpid():
                continue
            try:
                fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            except OSError:
                continue  # gone, or not ours to read
            if any(target.startswith(root) for target in fds):
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
