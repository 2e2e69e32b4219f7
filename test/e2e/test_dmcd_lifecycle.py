"""dmcd's Stop (with and without kill) and grace time (protocol doc 3.9, 7.1)."""

import time

import harness
import machine
from garden_client import ContainerNotFoundError

MS = 1000 * 1000
TRAP_42 = 'trap "exit 42" TERM; echo ready; while true; do sleep 0.05; done'
IGNORE_TERM = 'trap "" TERM; echo ready; while true; do sleep 0.05; done'


class Stop(harness.DmcdTestCase):
    def test_stop_terminates_every_process_and_marks_the_container_stopped(self):
        handle = self.create()
        trapper = self.client.run(handle, "sh", ["-c", TRAP_42])
        sleeper = self.client.run(handle, "sleep", ["1000"])
        self.assertTrue(trapper.stdout.wait_for(lambda out: out == b"ready\n"))
        self.assertEqual(self.client.stop(handle, False), {})
        self.assertEqual(trapper.wait(), 42)
        self.assertEqual(sleeper.wait(), 143)
        self.assertEqual(self.client.info(handle)["State"], "stopped")
        self.assertIn(handle, self.client.list())
        self.assertTrue(self.client.stream_out(handle, "/etc/passwd"))

    def test_stop_with_kill_skips_terminate(self):
        handle = self.create()
        ignorer = self.client.run(handle, "sh", ["-c", IGNORE_TERM])
        self.assertTrue(ignorer.stdout.wait_for(lambda out: out == b"ready\n"))
        self.assertEqual(self.client.stop(handle, True), {})
        self.assertEqual(ignorer.wait(), 137)
        self.assertEqual(self.client.info(handle)["State"], "stopped")

    def test_stop_of_an_unknown_container_is_a_typed_404(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.stop(handle, False)
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)


class GraceTime(harness.DmcdTestCase):
    def vanishes(self, handle):
        """True once List no longer has handle (polled: List does not pause the timer)."""
        return machine.eventually(lambda: handle not in self.client.list(), timeout=15)

    def test_a_container_vanishes_after_its_grace_time(self):
        handle = self.create(grace_time=500 * MS)
        control = self.create()
        self.assertTrue(self.vanishes(handle))
        self.assertGone(handle)
        self.assertIn(control, self.client.list())

    def test_an_attached_running_process_keeps_its_container(self):
        handle = self.create()
        process = self.client.run(handle, "cat")
        self.assertEqual(self.client.set_grace_time(handle, 100 * MS), {})
        time.sleep(1.5)  # many grace times while the process connection is open
        self.assertIn(handle, self.client.list())
        process.write_stdin(b"bye\n")
        process.close_stdin()
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.out(), b"bye\n")
        self.assertTrue(self.vanishes(handle))
        self.assertGone(handle)

    def test_set_grace_time_arms_an_idle_container(self):
        handle = self.create()
        control = self.create()
        self.assertEqual(self.client.set_grace_time(handle, 300 * MS), {})
        self.assertTrue(self.vanishes(handle))
        self.assertGone(handle)
        self.assertIn(control, self.client.list())

    def test_set_grace_time_of_an_unknown_container_is_a_typed_404(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.set_grace_time(handle, MS)
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)


class DefaultGraceTime(harness.DmcdTestCase):
    server_args = ("--default-grace-time", "500ms")

    def test_the_default_applies_to_containers_created_without_one(self):
        handle = self.create()
        kept = self.create(grace_time=3600 * 1000 * MS)
        self.assertTrue(machine.eventually(lambda: handle not in self.client.list(), timeout=15))
        self.assertIn(kept, self.client.list())
        self.assertGone(handle)


if __name__ == "__main__":
    harness.main()
