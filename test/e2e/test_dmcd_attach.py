"""dmcd's Attach: by process id, after exit, several at once, and the errors."""

import json

import harness
from garden_client import ContainerNotFoundError, ProcessNotFoundError
from garden_wire import exchange_hijacked

ERROR_KEYS = ["Binary", "Handle", "Message", "ProcessID", "Type"]


class Attach(harness.DmcdTestCase):
    def setUp(self):
        super().setUp()
        self.h = self.create()

    def test_attach_after_exit_gives_the_exit_status(self):
        run = self.client.run(self.h, "sh", ["-c", "echo done; exit 7"], id="finished")
        self.assertEqual(run.wait(), 7)
        self.assertEqual(run.out(), b"done\n")
        for _ in range(2):
            attached = self.client.attach(self.h, "finished")
            self.assertEqual(attached.status, 200)
            self.assertEqual(attached.id, "finished")
            self.assertTrue(attached.stream_id)
            self.assertNotEqual(attached.stream_id, run.stream_id)
            self.assertEqual(attached.wait(), 7)
            self.assertEqual((attached.out(), attached.err()), (b"", b""))

    def test_every_attacher_gets_the_output_and_the_exit_status(self):
        script = 'read x; echo "got $x"; echo "err $x" >&2; exit 12'
        run = self.client.run(self.h, "sh", ["-c", script], id="shared")
        attachers = [self.client.attach(self.h, "shared") for _ in range(3)]
        attachers[0].write_stdin(b"go\n")
        for process in [run] + attachers:
            self.assertEqual(process.wait(), 12)
            self.assertEqual((process.out(), process.err()), (b"got go\n", b"err go\n"))

    def test_a_dropped_connection_leaves_the_process_running_with_stdin_open(self):
        run = self.client.run(self.h, "sh", ["-c", 'read x; echo "got $x"; exit 3'], id="dropped")
        run.abandon()
        attached = self.client.attach(self.h, "dropped", stdin=b"later\n")
        self.assertEqual(attached.wait(), 3)
        self.assertEqual(attached.out(), b"got later\n")

    def test_signals_and_resizes_through_an_attachment(self):
        self.client.run(self.h, "sh", ["-c", "read x; stty size"], id="tty", tty={}).abandon()
        attached = self.client.attach(self.h, "tty")
        attached.set_tty(77, 11)
        attached.write_stdin(b"\n")
        self.assertEqual(attached.wait(), 0)
        self.assertTrue(attached.out().endswith(b"11 77\r\n"), attached.out())
        self.client.run(self.h, "sleep", ["1000"], id="sleeper", stdout=False,
                        stderr=False).abandon()
        attached = self.client.attach(self.h, "sleeper")
        attached.signal(1)
        self.assertEqual(attached.wait(), 137)

    def test_attach_to_an_unknown_process_is_a_typed_404(self):
        with self.assertRaises(ProcessNotFoundError) as caught:
            self.client.attach(self.h, "no-such-process")
        self.assertGardenError(caught, "ProcessNotFoundError", "unknown process: no-such-process",
                               404)
        self.assertEqual(caught.exception.obj["ProcessID"], "no-such-process")
        self.assertEqual(caught.exception.obj["Handle"], "")

    def test_the_unknown_process_error_is_framed_for_a_hijacking_client(self):
        response = exchange_hijacked(self.server.address, "GET",
                                     f"/containers/{self.h}/processes/nope")
        self.assertEqual(response.version, "HTTP/1.1")
        self.assertEqual(response.status, 404)
        self.assertNotIn("close", response.header_tokens("connection"))
        self.assertTrue(response.header("content-length") is not None
                        or "chunked" in response.header_tokens("transfer-encoding"))
        self.assertEqual(sorted(json.loads(response.body)), ERROR_KEYS)

    def test_attach_in_an_unknown_container_is_a_typed_404(self):
        handle = harness.unique_handle("never")
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.attach(handle, "p")
        self.assertGardenError(caught, "ContainerNotFoundError", status=404)
        self.assertEqual(caught.exception.obj["Handle"], handle)

    def test_an_unknown_stream_id_is_answered_and_closed_empty(self):
        stream = self.client.open_stream(self.h, "p", "999999999", "stdout")
        try:
            self.assertEqual(stream.response.status, 200)
            self.assertEqual(stream.reader.rest(), b"")
        finally:
            stream.close()

    def test_run_head_is_keep_alive_framed(self):
        run = self.client.run(self.h, "true")
        head = run.hijacked.response
        self.assertEqual((head.version, head.status), ("HTTP/1.1", 201))
        self.assertNotIn("upgrade", [k for k, _ in head.headers])
        self.assertEqual(run.wait(), 0)


if __name__ == "__main__":
    harness.main()
