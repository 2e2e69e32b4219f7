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
import os
import shutil
import sys
import threading
import unittest

from garden_client import Client, ContainerNotFoundError
import machine
from servers import LIVE_ENVS, SERVER_LOGS, Config, Env, unique_handle  # noqa: F401

SKIP_MARKER = "DMC-TEST-SKIPPED"
BUDGET_SECONDS = int(os.environ.get("DMC_E2E_BUDGET", "270"))  # below ctest's TIMEOUT


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
