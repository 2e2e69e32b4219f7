"""Unit tests of the e2e Garden client against a fake server on a unix socket.

They pin what the client puts on the wire (byte for byte, as the protocol
doc says the Go client does) and how it reads responses, hijacked ones
included, so that the end-to-end tests measure dmcd and not the client.
"""

import os
import socket
import tempfile
import threading
import unittest

import harness
from garden_client import (Address, BadResponseError, Client, ContainerNotFoundError,
                           ExecutableNotFoundError, GardenError, PersistentConnectionClosed,
                           ProcessError, ProcessNotFoundError, ServiceUnavailableError)
from garden_wire import Reader, read_chunked

HIJACK_OK = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
STREAM_OK = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def json_response(body, status=b"200 OK", framing="length"):
    head = b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
    if framing == "length":
        return head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    if framing == "chunked":
        half = len(body) // 2
        chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half,
                                                          body[half:])
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks
    return head + b"Connection: close\r\n\r\n" + body


class Request:
    def __init__(self, head, body):
        self.head, self.body = head, body
        self.line = head.split(b"\r\n", 1)[0].decode()


def read_request(sock):
    reader = Reader(sock)
    head = b""
    while b"\r\n\r\n" not in reader.buffered:
        if not reader.fill():
            return None, reader
    head, reader.buffered = reader.buffered.split(b"\r\n\r\n", 1)
    head += b"\r\n\r\n"
    body = b""
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        body = read_chunked(reader)
    elif b"content-length:" in lowered:
        length = int(lowered.split(b"content-length:")[1].split(b"\r\n")[0])
        body = reader.exactly(length)
    return Request(head, body), reader


class FakeServer:
    """Accepts connections; each is answered by handler(request, sock, reader)."""

    def __init__(self, handler):
        self.dir = tempfile.mkdtemp(prefix="dmc-e2e-fake-")
        self.path = os.path.join(self.dir, "s.sock")
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.handler = handler
        self.requests = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock):
        with sock:
            request, reader = read_request(sock)
            if request:
                self.requests.append(request)
                self.handler(request, sock, reader)

    def client(self):
        return Client(Address(unix=self.path))

    def close(self):
        self.listener.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


class FakeTestCase(unittest.TestCase):
    def serve(self, handler):
        server = FakeServer(handler)
        self.addCleanup(server.close)
        return server

    def answer(self, raw):
        return self.serve(lambda request, sock, reader: sock.sendall(raw))


class PlainRequests(FakeTestCase):
    def test_ping_head_is_the_go_transports(self):
        server = self.answer(json_response(b"{}\n"))
        self.assertEqual(server.client().ping(), {})
        self.assertEqual(server.requests[0].head,
                         b"GET /ping HTTP/1.1\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n"
                         b"Connection: close\r\nAccept-Encoding: gzip\r\n\r\n")

    def test_create_sends_image_and_five_limits_even_when_empty(self):
        server = self.answer(json_response(b'{"Handle":"x"}\n'))
        self.assertEqual(server.client().create(), "x")
        body = (b'{"image":{},"limits":{"bandwidth_limits":{},"cpu_limits":{},'
                b'"disk_limits":{},"memory_limits":{},"pid_limits":{}}}\n')
        self.assertEqual(server.requests[0].body, body)
        self.assertIn(b"\r\nConnection: close\r\nContent-Length: %d\r\n"
                      b"Content-Type: application/json\r\nAccept-Encoding: gzip\r\n\r\n"
                      % len(body), server.requests[0].head)

    def test_create_fields_in_go_order_with_zero_values_dropped(self):
        server = self.answer(json_response(b'{"Handle":"h"}\n'))
        server.client().create(handle="h", grace_time=5, properties={"b": "2", "a": "<&>"},
                               env=["A=1"], limits={"cpu_limits": {"limit_in_shares": 50}})
        self.assertEqual(server.requests[0].body,
                         b'{"handle":"h","grace_time":5,"image":{},"properties":{"a":'
                         b'"\\u003c\\u0026\\u003e","b":"2"},"env":["A=1"],"limits":'
                         b'{"bandwidth_limits":{},"cpu_limits":{"limit_in_shares":50},'
                         b'"disk_limits":{},"memory_limits":{},"pid_limits":{}}}\n')

    def test_query_is_form_encoded_with_sorted_keys(self):
        server = self.answer(json_response(b"{}\n"))
        server.client().bulk_info(["a", "b"])
        server.client().stream_in("h", "/home/alice", [b"x"], user="alice")
        self.assertEqual(server.requests[0].line,
                         "GET /containers/bulk_info?handles=a%2Cb HTTP/1.1")
        self.assertEqual(server.requests[1].line,
                         "PUT /containers/h/files?destination=%2Fhome%2Falice&user=alice HTTP/1.1")

    def test_stream_in_body_is_chunked_tar(self):
        server = self.answer(json_response(b"{}\n"))
        server.client().stream_in("h", "/", [b"abc", b"", b"defg"])
        request = server.requests[0]
        self.assertIn(b"Transfer-Encoding: chunked\r\nContent-Type: application/x-tar\r\n",
                      request.head)
        self.assertEqual(request.body, b"abcdefg")

    def test_set_grace_time_body_is_a_bare_integer(self):
        server = self.answer(json_response(b"{}\n"))
        server.client().set_grace_time("h", 500000000)
        self.assertEqual(server.requests[0].body, b"500000000\n")

    def test_every_response_framing_is_read(self):
        for framing in ("length", "chunked", "close"):
            server = self.answer(json_response(b'{"Handles":["a","b"]}\n', framing=framing))
            self.assertEqual(server.client().list(), ["a", "b"], framing)

    def test_empty_2xx_body_on_a_json_route_is_an_error(self):
        server = self.answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        with self.assertRaises(BadResponseError):
            server.client().ping()

    def test_errors_are_typed_by_type_not_status(self):
        cases = [(b"ContainerNotFoundError", ContainerNotFoundError),
                 (b"ProcessNotFoundError", ProcessNotFoundError),
                 (b"ExecutableNotFoundError", ExecutableNotFoundError),
                 (b"ServiceUnavailableError", ServiceUnavailableError), (b"", GardenError)]
        for type_, cls in cases:
            body = (b'{"Type":"%s","Message":"m","Handle":"h","ProcessID":"p","Binary":""}\n'
                    % type_)
            server = self.answer(json_response(body, status=b"500 Internal Server Error"))
            with self.assertRaises(cls) as caught:
                server.client().info("h")
            self.assertIs(type(caught.exception), cls)
            self.assertEqual(caught.exception.status, 500)
        self.assertEqual(str(ContainerNotFoundError({"Handle": "h"})), "unknown handle: h")

    def test_non_json_error_body_is_a_bad_response(self):
        server = self.answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n"
                             b"404 page not found\n")
        with self.assertRaises(BadResponseError) as caught:
            server.client().ping()
        self.assertEqual(caught.exception.status, 404)


def fake_process(exit_line=b'{"process_id":"p1","exit_status":3}\n', out=b"out\n",
                 err=b"err\n", first_with_head=True, seen=None):
    """A handler playing Run: first message, stdin echo into `seen`, streams, exit."""
    done = threading.Event()

    def handler(request, sock, reader):
        if request.line.endswith("/stdout HTTP/1.1") or request.line.endswith("/stderr HTTP/1.1"):
            sock.sendall(STREAM_OK)
            done.wait(10)
            sock.sendall(out if "/stdout" in request.line else err)
            return
        first = b'{"process_id":"p1","stream_id":"7"}\n'
        sock.sendall(HIJACK_OK + first if first_with_head else HIJACK_OK)
        if not first_with_head:
            sock.sendall(first)
        if seen is not None:
            while reader.buffered.count(b"\n") < seen["lines"] and reader.fill():
                pass
            seen["bytes"] = reader.buffered
        sock.sendall(b'{"process_id":"p1"}\n' + exit_line)
        done.set()
    return handler


class HijackedRequests(FakeTestCase):
    def test_run_streams_and_exit_status(self):
        server = self.serve(fake_process())
        process = server.client().run("h", "sh", ["-c", "echo hi"])
        self.assertEqual((process.id, process.stream_id, process.status), ("p1", "7", 201))
        self.assertEqual(process.wait(), 3)
        self.assertEqual((process.out(), process.err()), (b"out\n", b"err\n"))
        run, stdout, stderr = server.requests
        body = b'{"path":"sh","args":["-c","echo hi"],"rlimits":{},"image":{}}\n'
        self.assertEqual(run.body, body)
        self.assertEqual(run.head, b"POST /containers/h/processes HTTP/1.1\r\nHost: api\r\n"
                                   b"User-Agent: Go-http-client/1.1\r\nContent-Length: %d\r\n"
                                   b"Content-Type: application/json\r\n\r\n" % len(body))
        self.assertEqual(stdout.head, b"GET /containers/h/processes/p1/attaches/7/stdout HTTP/1.1"
                                      b"\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n"
                                      b"Content-Type: application/json\r\n\r\n")
        self.assertTrue(stderr.line.endswith("/attaches/7/stderr HTTP/1.1"))

    def test_output_can_go_to_a_sink(self):
        chunks = []
        process = self.serve(fake_process()).client().run("h", "true", stdout=chunks.append)
        self.assertEqual(process.wait(), 3)
        self.assertEqual((b"".join(chunks), process.out(), process.err()), (b"out\n", b"", b"err\n"))

    def test_first_message_in_its_own_packet(self):
        server = self.serve(fake_process(first_with_head=False))
        self.assertEqual(server.client().run("h", "true").wait(), 3)

    def test_stdin_signal_and_tty_messages(self):
        seen = {"lines": 5}
        server = self.serve(fake_process(seen=seen))
        process = server.client().run("h", "cat", stdin=None, stdout=False, stderr=False)
        process.write_stdin(b"a<b\n\xff")
        process.close_stdin()
        process.signal(0)
        process.set_tty(123, 45)
        process.signal(1)
        self.assertEqual(process.wait(), 3)
        self.assertEqual(seen["bytes"],
                         b'{"process_id":"p1","source":0,"data":"a\\u003cb\\n\xef\xbf\xbd"}\n'
                         b'{"process_id":"p1","source":0}\n{"process_id":"p1","signal":0}\n'
                         b'{"process_id":"p1","tty":{"window_size":{"columns":123,"rows":45}}}\n'
                         b'{"process_id":"p1","signal":1}\n')
        self.assertEqual(len(server.requests), 1)  # no stream asked for, none opened

    def test_wait_needs_eof_on_both_streams(self):
        release = threading.Event()

        def handler(request, sock, reader):
            if "/stdout" in request.line or "/stderr" in request.line:
                sock.sendall(STREAM_OK)
                if "/stderr" in request.line:
                    release.wait(10)
                return
            sock.sendall(HIJACK_OK + b'{"process_id":"p","stream_id":"1"}\n'
                                     b'{"process_id":"p","exit_status":0}\n')
        process = self.serve(handler).client().run("h", "true")
        with self.assertRaises(TimeoutError):
            process.wait(timeout=0.5)
        release.set()
        self.assertEqual(process.wait(), 0)

    def test_error_message_and_broken_connection_raise(self):
        for tail, text in ((b'{"process_id":"p1","error":"boom"}\n', "process error: boom"),
                           (b"", "decode failed: EOF"), (b'{"process_id":', "decode failed")):
            server = self.serve(fake_process(exit_line=tail))
            process = server.client().run("h", "true", stdout=False, stderr=False)
            with self.assertRaises(ProcessError) as caught:
                process.wait()
            self.assertIn(text, str(caught.exception))

    def test_closing_heads_are_refused_as_go_refuses_them(self):
        heads = [b"HTTP/1.1 201 Created\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
                 b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\r\n",
                 b"HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n",
                 b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"]
        for head in heads:
            server = self.answer(head + b'{"process_id":"p","stream_id":"1"}\n')
            with self.assertRaises(PersistentConnectionClosed, msg=head):
                server.client().run("h", "true")

    def test_upgrade_status_is_not_success(self):
        server = self.answer(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: garden\r\n"
                             b"Content-Length: 0\r\n\r\n")
        with self.assertRaises(GardenError) as caught:
            server.client().attach("h", "p")
        self.assertIn("Backend error: Exit status: 101", str(caught.exception))

    def test_typed_error_on_a_hijacked_route(self):
        body = (b'{"Type":"ProcessNotFoundError","Message":"unknown process: p","Handle":"",'
                b'"ProcessID":"p","Binary":""}\n')
        for framing in ("length", "chunked"):
            server = self.answer(json_response(body, b"404 Not Found", framing))
            with self.assertRaises(ProcessNotFoundError) as caught:
                server.client().attach("h", "p")
            self.assertEqual(caught.exception.process_id, "p")
            self.assertEqual(server.requests[0].head,
                             b"GET /containers/h/processes/p HTTP/1.1\r\nHost: api\r\n"
                             b"User-Agent: Go-http-client/1.1\r\n\r\n")

    def test_failed_stream_hijack_fails_wait(self):
        def handler(request, sock, reader):
            if "/stdout" in request.line:
                sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                return
            if "/stderr" in request.line:
                sock.sendall(STREAM_OK)
                return
            sock.sendall(HIJACK_OK + b'{"process_id":"p","stream_id":"1"}\n'
                                     b'{"process_id":"p","exit_status":0}\n')
        process = self.serve(handler).client().run("h", "true")
        with self.assertRaises(ProcessError) as caught:
            process.wait()
        self.assertIn("failed to hijack stream Stdout", str(caught.exception))


if __name__ == "__main__":
    harness.main(needs_dmcd=False)
