"""dmcd's GET /events and PUT .../pause, .../resume (extensions of the
Garden API, issue 14): the same events as `dmc events --json`, recorded ones
first, then followed as they happen; bad parameters get the protocol's
error object."""

import json
import socket
import threading
import time

import harness
import machine
from garden_client import ContainerNotFoundError
from garden_wire import Reader, exchange_plain, plain_head, read_body, read_head


def rfc3339(ns):
    """ns since the epoch as RFC 3339 in UTC, to the nanosecond."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9))
    return f"{seconds}.{ns % 10**9:09d}Z"


def untimed(events):
    """(type, process) of each event, in order."""
    return [(e["type"], e.get("process")) for e in events]


def parse_lines(body):
    return [json.loads(line) for line in body.decode().splitlines()]


class Follower:
    """GET /events kept open: the head, then JSON lines as they come."""

    def __init__(self, address, query):
        self.sock = address.dial()
        self.sock.sendall(plain_head("GET", "/events" + query))
        self.reader = Reader(self.sock)
        self.head = read_head(self.reader)
        self.text = b""
        self.lines = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        """Chunk bodies are JSON lines; the chunk framing is skipped."""
        try:
            while True:
                size = int(self.reader.line().split(";")[0], 16)
                if size == 0:
                    return
                data = self.reader.exactly(size)
                self.reader.exactly(2)
                with self.lock:
                    self.text += data
                    *whole, self.text = self.text.split(b"\n")
                    self.lines += [json.loads(line) for line in whole]
        except (OSError, ValueError):
            return

    def seen(self):
        with self.lock:
            return list(self.lines)

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class Events(harness.DmcdTestCase):
    def events(self, query):
        response = exchange_plain(self.server.address, "GET", "/events" + query)
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.header("content-type"), "application/x-ndjson")
        return parse_lines(response.body)

    def dmc_events(self, handle):
        result = self.env.dmc("events", "--json", handle)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return parse_lines(result.stdout)

    def test_the_recorded_events_of_a_life_as_dmc_events_prints_them(self):
        handle = self.create()
        process = self.client.run(handle, "sh", ["-c", "exit 3"])
        self.assertEqual(process.wait(), 3)
        self.client.request("PUT", f"/containers/{handle}/pause")
        self.client.request("PUT", f"/containers/{handle}/pause")  # no-op, no event
        self.assertEqual(self.client.info(handle)["State"], "active")
        self.client.request("PUT", f"/containers/{handle}/resume")
        self.client.destroy(handle)
        got = self.events(f"?handle={handle}&follow=false")
        self.assertEqual(untimed(got), [("create", None), ("start-process", process.id),
                                        ("exit", process.id), ("pause", None),
                                        ("resume", None), ("destroy", None)])
        self.assertEqual([e["status"] for e in got if e["type"] == "exit"], [3])
        self.assertTrue(all(e["handle"] == handle for e in got))
        times = [e["time"] for e in got]
        self.assertEqual(times, sorted(times))
        self.assertEqual(got, self.dmc_events(handle))
        self.assertEqual(self.events(f"?handle={handle}&follow=false&since={rfc3339(times[3])}"),
                         got[3:])
        self.assertGone(handle)

    def test_a_follower_sees_what_happens_after_it_started(self):
        handle = self.create()
        follower = Follower(self.server.address, f"?handle={handle}")
        try:
            self.assertEqual(follower.head.status, 200)
            # The head came before any event did: a quiet stream is a stream.
            machine.eventually(lambda: len(follower.seen()) == 1, timeout=10)
            self.assertEqual(untimed(follower.seen()), [("create", None)])
            process = self.client.run(handle, "true")
            self.assertEqual(process.wait(), 0)
            self.client.destroy(handle)
            expected = [("create", None), ("start-process", process.id),
                        ("exit", process.id), ("destroy", None)]
            machine.eventually(lambda: len(follower.seen()) >= 4, timeout=10)
            self.assertEqual(untimed(follower.seen()), expected)
        finally:
            follower.close()
        self.assertEqual(exchange_plain(self.server.address, "GET", "/ping").status, 200)

    def test_until_ends_the_stream(self):
        handle = self.create()
        response = exchange_plain(self.server.address, "GET",
                                  f"/events?handle={handle}&until=0s")
        self.assertEqual(response.status, 200)
        self.assertEqual(untimed(parse_lines(response.body)), [("create", None)])

    def test_bad_parameters_and_unknown_handles_are_errors(self):
        with self.assertRaises(ContainerNotFoundError) as caught:
            self.client.request("GET", "/events", query={"handle": "never-made-e2e"})
        self.assertGardenError(caught, "ContainerNotFoundError",
                               "unknown handle: never-made-e2e", 404)
        for query in ({"since": "yesterday"}, {"until": "99x"}, {"follow": "maybe"},
                      {"handle": "../x"}):
            with self.subTest(query=query):
                response = exchange_plain(
                    self.server.address, "GET",
                    "/events?" + "&".join(f"{k}={v}" for k, v in query.items()))
                self.assertEqual(response.status, 500, response.body)
                self.assertEqual(json.loads(response.body)["Type"], "")
        with self.assertRaises(ContainerNotFoundError):
            self.client.request("PUT", "/containers/never-made-e2e/pause")
        self.assertEqual(exchange_plain(self.server.address, "GET", "/ping").status, 200)


if __name__ == "__main__":
    harness.main()
