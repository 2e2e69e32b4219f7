"""dmcd processes of the e2e tests, on a temp depot and state root of their own.

Env is one temp dir (/tmp/dmc-e2e-XXXX) with a depot, a runtime state root
and a socket path; Dmcd is one dmcd started on it. Env.cleanup() leaves
nothing of the env on the machine, and says what it had to remove by hand.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid

from garden_client import Address, Client
import machine

SERVER_LOGS = []  # (argv, log tail) of every dmcd, kept past its temp dir for main()
LIVE_ENVS = []  # envs not cleaned up yet, for the watchdog
PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before any fork


def die_with_the_harness():
    """In the child before exec: dmcd gets SIGKILL if the test process dies."""
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


class Config:
    bin_dir = ""
    rootfs = ""
    runtime = os.environ.get("DMC_TEST_RUNTIME") or "runc"

    @classmethod
    def binary(cls, name):
        return os.path.join(cls.bin_dir, name)


def unique_handle(prefix="e2e"):
    """Handles are global on the machine (cgroups /dmc/<handle>): random ones."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dmcd:
    """One dmcd process of an Env, logging to a file in the temp dir."""

    def __init__(self, env, args, tcp):
        self.env = env
        self.log_path = os.path.join(env.temp, f"dmcd-{len(env.servers)}.log")
        argv = [Config.binary("dmcd"), "--socket", env.socket, "--depot", env.depot,
                "--state-root", env.state_root, "--runtime", env.runtime,
                "--default-rootfs", Config.rootfs, "--log-level", "debug"]
        self.tcp_address = None
        if tcp:
            port = free_tcp_port()
            argv += ["--bind-ip", "127.0.0.1", "--bind-port", str(port)]
            self.tcp_address = Address(host="127.0.0.1", port=port)
        argv += list(args)
        self.argv = argv
        self.address = Address(unix=env.socket)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         preexec_fn=die_with_the_harness)
        self.pid = self.proc.pid
        self.stopped_on_purpose = False
        self.wait_ready()

    def wait_ready(self):
        def answers():
            if self.proc.poll() is not None:
                return "exited"
            try:
                Client(self.address).ping()
                if self.tcp_address:
                    Client(self.tcp_address).ping()
                return "ready"
            except (OSError, Exception):  # noqa: BLE001 - not up yet
                return None
        state = machine.eventually(answers, timeout=30, interval=0.05)
        if state != "ready":
            self.kill()
            raise RuntimeError(f"dmcd did not answer ping ({state or 'timed out'}): "
                               f"{' '.join(self.argv)}\n{self.log_tail()}")

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        """Signals dmcd by pid; it may then exit without that counting as a crash."""
        self.stopped_on_purpose = True
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL if it has not exited; returns its exit code."""
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self):
        self.signal(signal.SIGKILL)
        return self.proc.wait()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError as e:
            return f"(no log: {e})"

    def log_tail(self, lines=40):
        return "\n".join(self.log().splitlines()[-lines:])


class Env:
    """A temp dir with a depot and a runtime state root, and the dmcds on them."""

    def __init__(self):
        self.temp = tempfile.mkdtemp(prefix="dmc-e2e-", dir="/tmp")
        self.depot = os.path.join(self.temp, "depot")
        self.state_root = os.path.join(self.temp, "state")
        self.socket = os.path.join(self.temp, "garden.sock")
        self.runtime = Config.runtime
        self.servers = []
        self.handles = set()  # every handle a test made or was given
        LIVE_ENVS.append(self)

    def start_dmcd(self, *args, tcp=False):
        server = Dmcd(self, args, tcp)
        self.servers.append(server)
        return server

    def dmc(self, *args, input=None, timeout=120):
        argv = [Config.binary("dmc"), "--depot", self.depot, "--state-root", self.state_root,
                "--runtime", self.runtime] + list(args)
        return machine.run(argv, input=input, timeout=timeout)

    def dmc_popen(self, *args, **kwargs):
        argv = [Config.binary("dmc"), "--depot", self.depot, "--state-root", self.state_root,
                "--runtime", self.runtime] + list(args)
        return subprocess.Popen(argv, **kwargs)

    def listed(self):
        """Handles in the depot as `dmc list` prints them (state after a tab dropped)."""
        out = self.dmc("list").stdout.decode()
        return [line.split("\t")[0] for line in out.splitlines() if line]

    def cleanup(self):
        """Leaves nothing of this env on the machine; returns what had to be forced."""
        problems = []
        if self in LIVE_ENVS:
            LIVE_ENVS.remove(self)
        for server in self.servers:
            server.stop()
            SERVER_LOGS.append((" ".join(server.argv), server.log_tail(60)))
        for handle in self.listed():
            self.handles.add(handle)
            result = self.dmc("destroy", handle)
            if result.returncode != 0:
                problems.append(f"dmc destroy {handle}: {result.stderr.decode().strip()}")
        for handle in sorted(self.handles):
            problems += [f"left behind: {what}" for what in machine.force_clean(self, handle)]
        problems += [f"left behind: mount {m}" for m in machine.unmount_all_under(self.temp)]
        if machine.mounts_under(self.temp):
            problems.append(f"mounts remain under {self.temp}: not removing it")
        else:
            shutil.rmtree(self.temp, ignore_errors=True)
        return problems
