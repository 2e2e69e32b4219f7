"""dmcd killed or stopped at any moment: containers, processes and output carry on."""

import json
import os
import shutil
import subprocess

import harness
import machine
from garden_client import Client
from garden_errors import ProcessError

COUNT = 200000
SEQUENCE = "".join(f"{i}\n" for i in range(1, COUNT + 1)).encode()
# The first half at once, the second half only once the test says so: the
# process is certainly still running, and printing, across the restart.
COUNTER = (f"seq 1 {COUNT // 2}; while [ ! -e /tmp/go ]; do sleep 0.05; done; "
           f"seq {COUNT // 2 + 1} {COUNT}")


class Restart(harness.DmcdTestCase):
    def restart(self, kill, *args):
        """Stops this class's dmcd (SIGKILL or SIGTERM) and starts a new one on the depot."""
        old = type(self).server
        code = old.kill() if kill else old.stop()
        self.start(*args)
        return code

    def start(self, *args):
        type(self).server = self.env.start_dmcd(*args)
        type(self).client = Client(type(self).server.address)

    def assertExactlyOnce(self, got, expected):
        if got == expected:
            return
        first_diff = next((i for i, (x, y) in enumerate(zip(got, expected)) if x != y),
                          min(len(got), len(expected)))
        self.fail(f"{len(got)} bytes received, {len(expected)} expected; first difference at "
                  f"byte {first_diff}: got {got[first_diff:first_diff + 40]!r}, expected "
                  f"{expected[first_diff:first_diff + 40]!r}")

    def assertConnectionBroke(self, process):
        self.assertTrue(process.finished.wait(30), "the process connection stayed open")
        self.assertIsNone(process.exit_status)
        self.assertIsNotNone(process.error)

    def test_kill_9_mid_stream_then_attach_gives_every_byte_exactly_once(self):
        handle = self.create()
        run = self.client.run(handle, "sh", ["-c", COUNTER], id="counter")
        self.assertTrue(run.stdout.wait_for(lambda out: len(out) > 0))
        type(self).server.kill()
        self.assertConnectionBroke(run)
        for stream in (run.stdout, run.stderr):
            stream.shutdown_read()  # what was sent is still read; the rest is not taken
            self.assertTrue(stream.done.wait(30), f"{stream.name} never ended")
        before = run.out()
        self.start()
        self.assertEqual(self.sh(handle, "touch /tmp/go")[0], 0)
        attached = self.client.attach(handle, "counter")
        self.assertEqual(attached.wait(), 0)
        self.assertExactlyOnce(before + attached.out(), SEQUENCE)
        self.assertEqual(run.err() + attached.err(), b"")

    def test_a_process_that_ends_while_dmcd_is_down_keeps_its_status_and_output(self):
        handle = self.create()
        run = self.client.run(handle, "sh", ["-c", "sleep 0.2; echo bye; exit 5"], id="ends",
                              stdout=False, stderr=False)
        type(self).server.kill()
        self.assertConnectionBroke(run)
        self.start()
        attached = self.client.attach(handle, "ends")
        self.assertEqual(attached.wait(), 5)
        self.assertEqual(attached.out(), b"bye\n")

    def test_sigterm_leaves_containers_and_processes_running(self):
        handle = self.create(properties={"kept": "yes"})
        run = self.client.run(handle, "cat", id="survivor")
        self.assertEqual(self.restart(False), 0)
        self.assertConnectionBroke(run)
        run.abandon()
        self.assertIn(handle, self.env.listed())
        self.assertIn(handle, self.client.list())
        self.assertEqual(self.client.property(handle, "kept"), "yes")
        attached = self.client.attach(handle, "survivor", stdin=b"still here\n")
        self.assertEqual(attached.wait(), 0)
        self.assertEqual(attached.out(), b"still here\n")

    def test_a_grace_time_carries_on_after_a_restart(self):
        handle = self.create(grace_time=1000 * 1000 * 1000)
        control = self.create()
        self.restart(True)
        self.assertTrue(machine.eventually(lambda: handle not in self.client.list(), timeout=15))
        self.assertGone(handle)
        self.assertIn(control, self.client.list())

    def test_destroy_containers_on_startup_leaves_nothing(self):
        a = self.create()
        b = self.create()
        self.client.run(a, "sleep", ["1000"], stdout=False, stderr=False).abandon()
        self.restart(False, "--destroy-containers-on-startup")
        self.assertNotIn(a, self.client.list())
        self.assertNotIn(b, self.client.list())
        self.assertEqual([h for h in self.env.listed() if h in (a, b)], [])
        self.assertGone(a)
        self.assertGone(b)
        self.restart(False)


class ShimKilled(harness.DmcdTestCase):
    def test_a_shim_killed_under_an_attached_process_ends_its_connection_with_an_error(self):
        handle = self.create()
        run = self.client.run(handle, "sh", ["-c", "echo up; sleep 1000"], id="victim")
        self.assertTrue(run.stdout.wait_for(lambda out: out == b"up\n"))
        record = os.path.join(self.env.depot, handle, "processes", "victim")
        with open(os.path.join(record, "shim.pid")) as f:
            shim_pid = int(f.read().split()[0])
        machine.kill_pid(shim_pid)
        # The exit cannot be known any more: the connection says so, never hangs.
        with self.assertRaises(ProcessError) as caught:
            run.wait()
        self.assertIn("lost", str(caught.exception))
        self.assertEqual(self.client.ping(), {})
        self.client.destroy(handle)
        self.assertGone(handle)


class Reboot(harness.DmcdTestCase):
    """What a host restart leaves of a container: no init, no overlay mount,
    no runtime state; only its depot dir."""

    def reboot(self, handle):
        with open(os.path.join(self.env.depot, handle, "state.json")) as f:
            init_pid = json.load(f)["init_pid"]
        machine.kill_pid(init_pid)
        self.assertTrue(machine.eventually(lambda: not machine.process_alive(init_pid)))
        rootfs = os.path.join(self.env.depot, handle, "rootfs")
        subprocess.run(["umount", "-l", rootfs], check=True)
        shutil.rmtree(os.path.join(self.env.state_root, handle))

    def test_a_container_whose_host_restarted_is_dead_in_info_and_destroy_finishes(self):
        handle = self.create()
        self.assertEqual(self.client.info(handle)["State"], "active")
        self.reboot(handle)
        self.assertEqual(self.client.info(handle)["State"], "dead")
        self.assertIn(handle, self.client.list())
        dmc_info = json.loads(self.env.dmc("info", handle).stdout)
        self.assertEqual(dmc_info["state"], "dead")
        self.client.destroy(handle)
        self.assertGone(handle)

    def test_dmc_destroys_a_dead_container_that_dmcd_then_forgets(self):
        handle = self.create()
        self.reboot(handle)
        self.assertEqual(self.env.dmc("destroy", handle).returncode, 0)
        self.assertGone(handle)
        self.assertNotIn(handle, self.client.list())


if __name__ == "__main__":
    harness.main()
