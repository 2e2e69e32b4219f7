"""A container that dmcd serves, paused with the dmc CLI on the same depot
(issue 14): Garden's Info still says "active" (Garden knows no paused
state), the grace time reaps it only once it has been idle for the whole
of it, as any other, and the reap thaws it first, so nothing is left,
frozen or not."""

import json
import time

import harness
import machine

MS = 1000 * 1000
GRACE_S = 1.0


class PausedGraceTime(harness.DmcdTestCase):
    def dmc_ok(self, *args):
        result = self.env.dmc(*args)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return result.stdout.decode()

    def pids_of(self, handle):
        """The container's init and its processes' pids, as dmc says."""
        info = json.loads(self.dmc_ok("info", handle))
        procs = json.loads(self.dmc_ok("ps", handle, "--json"))
        return [info["init_pid"]] + [p["pid"] for p in procs if p.get("pid")]

    def paused_with_a_process(self):
        handle = self.create()
        self.dmc_ok("run", handle, "--detach", "--id", "loop", "--", "/bin/sh", "-c",
                    "while :; do sleep 0.05; done")
        self.dmc_ok("pause", handle)
        self.assertEqual(machine.cgroup_file("freezer", handle, "freezer.state"), "FROZEN\n")
        return handle

    def test_a_paused_container_is_reaped_after_its_idle_time_and_leaves_nothing(self):
        handle = self.paused_with_a_process()
        control = self.create()
        self.assertEqual(self.client.info(handle)["State"], "active")
        self.assertIn('"state": "paused"', self.dmc_ok("info", handle))
        pids = self.pids_of(handle)
        armed = time.monotonic()  # before the request: the countdown starts after it
        self.assertEqual(self.client.set_grace_time(handle, int(GRACE_S * 1000) * MS), {})
        self.assertTrue(machine.eventually(lambda: handle not in self.client.list(),
                                           timeout=15))
        # libuv's loop clock counts whole milliseconds, truncated: its timer
        # may end up to 1 ms before the real time it was set for.
        self.assertGreaterEqual(time.monotonic() - armed, GRACE_S - 0.002)
        self.assertGone(handle)
        self.assertEqual([p for p in pids if machine.process_alive(p)], [])
        self.assertIn(control, self.client.list())

    def test_a_paused_container_with_an_attached_process_is_not_reaped(self):
        handle = self.create()
        process = self.client.run(handle, "cat")  # its connection holds the countdown
        self.dmc_ok("pause", handle)
        self.assertEqual(self.client.set_grace_time(handle, 100 * MS), {})
        time.sleep(1.5)  # many grace times, paused, while the process connection is open
        self.assertIn(handle, self.client.list())
        self.dmc_ok("resume", handle)
        process.write_stdin(b"bye\n")
        process.close_stdin()
        self.assertEqual(process.wait(), 0)
        self.assertEqual(process.out(), b"bye\n")
        self.assertTrue(machine.eventually(lambda: handle not in self.client.list(),
                                           timeout=15))
        self.assertGone(handle)


if __name__ == "__main__":
    harness.main()
