"""The end-to-end harness: dmcd on a temp socket, depot and state root.

Each test module ends with `harness.main()`. It reads `--bin-dir` and
`--rootfs` (given by CMake), and reports `DMC-TEST-SKIPPED: <why>` (which
ctest counts as skipped) when dmcd is not built, or the test cannot run here
(not root, runtime missing). DmcdTestCase starts one dmcd per test class;
its teardown, even after a failure, stops every dmcd it started by pid,
destroys every container left with `dmc destroy`, removes by hand (and
reports) whatever that left, and unmounts anything under its temp dir.
"""

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

from garden_client import Address, Client, ContainerNotFoundError
import machine

SKIP_MARKER = "DMC-TEST-SKIPPED"
SERVER_LOGS = []  # (argv, log tail) of every dmcd, kept past its temp dir for main()
LIVE_ENVS = []  # envs not cleaned up yet, for the watchdog
BUDGET_SECONDS = int(os.environ.get("DMC_E2E_BUDGET", "270"))  # below ctest's TIMEOUT
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


class DmcdTestCase(unittest.TestCase):
    """A test class with its own env and dmcd (self.env, self.server, self.client)."""

    server_args = ()
    tcp = False

    @classmethod
    def setUpClass(cls):
        cls.env = Env()
        try:
            cls.server = cls.env.start_dmcd(*cls.server_args, tcp=cls.tcp)
        except BaseException:
            cls.env.cleanup()
            raise
        cls.client = Client(cls.server.address)

    @classmethod
    def tearDownClass(cls):
        crashed = [s for s in cls.env.servers
                   if s.proc.poll() is not None and not s.stopped_on_purpose]
        logs = "\n".join(f"--- {s.log_path} (exit {s.proc.returncode}):\n{s.log_tail()}"
                         for s in crashed)
        problems = cls.env.cleanup()
        if crashed:
            problems.append(f"dmcd exited abnormally:\n{logs}")
        if problems:
            raise AssertionError("\n".join(problems))

    def setUp(self):
        self.handles = []

    def tearDown(self):
        for handle in self.handles:
            try:
                self.client.destroy(handle)
            except ContainerNotFoundError:
                pass
            except Exception as e:  # noqa: BLE001 - the class teardown forces it
                print(f"teardown: destroy {handle}: {e}", file=sys.stderr)
        if self.server.alive():
            return
        self.fail(f"dmcd died during the test:\n{self.server.log_tail()}")

    # -- helpers ---------------------------------------------------------------

    def handle(self, prefix="e2e"):
        """A fresh handle, destroyed (if it exists) when the test ends."""
        h = unique_handle(prefix)
        self.adopt(h)
        return h

    def adopt(self, handle):
        self.handles.append(handle)
        self.env.handles.add(handle)
        return handle

    def create(self, client=None, **spec):
        """Create through dmcd with a fresh handle unless one is given."""
        spec.setdefault("handle", unique_handle())
        self.adopt(spec["handle"])
        return (client or self.client).create(**spec)

    def run_to_end(self, handle, path, args=None, **kwargs):
        """(exit status, stdout, stderr) of a process run through dmcd."""
        process = self.client.run(handle, path, args, **kwargs)
        status = process.wait()
        return status, process.out(), process.err()

    def sh(self, handle, script, **kwargs):
        return self.run_to_end(handle, "sh", ["-c", script], **kwargs)

    def assertGone(self, handle):
        """Nothing of the container is left: mounts, depot, cgroups, runtime state, processes."""
        left = machine.eventually(lambda: not machine.leftovers(self.env, handle), timeout=10)
        self.assertTrue(left, f"left behind by {handle}: {machine.leftovers(self.env, handle)}")

    def assertGardenError(self, context, type_, message=None, status=None):
        """Checks a caught error's wire object: its exact keys, Type and Message."""
        err = context.exception
        self.assertEqual(sorted(err.obj), sorted(["Type", "Message", "Handle", "ProcessID",
                                                  "Binary"]), err.body)
        self.assertEqual(err.obj["Type"], type_, err.body)
        self.assertEqual(err.obj["Binary"], "", err.body)
        if message is not None:
            self.assertEqual(err.obj["Message"], message, err.body)
        if status is not None:
            self.assertEqual(err.status, status, err.body)


def skip_reason():
    if os.geteuid() != 0:
        return "needs root"
    if not Config.bin_dir:
        return "no --bin-dir given"
    for name in ("dmcd", "dmc", "dmc-shim", "dmc-init", "dmc-nstar"):
        if not os.access(Config.binary(name), os.X_OK):
            return f"{name} is not built in {Config.bin_dir}"
    if not os.path.isdir(Config.rootfs):
        return f"no default rootfs at {Config.rootfs}"
    if not shutil.which(Config.runtime):
        return f"runtime {Config.runtime} is not installed"
    return None


def start_watchdog():
    """A hung test must not leave dmcd and containers behind when ctest gives up."""
    def expire():
        print(f"watchdog: the module ran over {BUDGET_SECONDS} s; cleaning up", file=sys.stderr,
              flush=True)
        for env in list(LIVE_ENVS):
            try:
                for problem in env.cleanup():
                    print(problem, file=sys.stderr)
            except Exception as e:  # noqa: BLE001 - last resort, keep going
                print(f"watchdog: cleanup of {env.temp}: {e!r}", file=sys.stderr)
        os._exit(1)
    timer = threading.Timer(BUDGET_SECONDS, expire)
    timer.daemon = True
    timer.start()


def main(needs_dmcd=True):
    """Runs the calling module's tests, or reports them skipped to ctest."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--bin-dir", default=os.environ.get("DMC_BIN_DIR", ""))
    parser.add_argument("--rootfs", default=os.environ.get("DMC_ROOTFS_DIR", ""))
    ours, rest = parser.parse_known_args()
    Config.bin_dir, Config.rootfs = ours.bin_dir, ours.rootfs
    reason = skip_reason() if needs_dmcd else None
    if reason:
        print(f"{SKIP_MARKER}: {reason}", flush=True)
        sys.exit(0)
    start_watchdog()
    program = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, verbosity=2,
                            exit=False)
    result = program.result
    if not result.wasSuccessful():
        for argv, tail in SERVER_LOGS:
            print(f"--- the log of {argv} ends with:\n{tail}", file=sys.stderr)
    if result.skipped and result.wasSuccessful():
        print(f"{SKIP_MARKER}: {len(result.skipped)} test(s) could not run here", flush=True)
    sys.exit(0 if result.wasSuccessful() else 1)
