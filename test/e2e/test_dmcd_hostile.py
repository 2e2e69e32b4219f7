"""Bad input gets the protocol's error object, changes nothing, and dmcd keeps serving."""

import json
import os
import socket
import threading

import harness
from garden_client import GardenError, container_spec
from garden_wire import Reader, exchange_plain, json_body, plain_head, read_body, read_head

ERROR_KEYS = ["Binary", "Handle", "Message", "ProcessID", "Type"]


class Hostile(harness.DmcdTestCase):
    def tearDown(self):
        self.assertEqual(self.client.ping(), {})  # still serving, after every test
        super().tearDown()

    def depot_names(self):
        return sorted(os.listdir(self.env.depot)) if os.path.isdir(self.env.depot) else []

    def assertErrorObject(self, response, statuses=(500,)):
        self.assertIn(response.status, statuses, response.body)
        obj = json.loads(response.body)
        self.assertEqual(sorted(obj), ERROR_KEYS)
        self.assertEqual(obj["Type"], "")
        self.assertTrue(obj["Message"])

    def post_create(self, body):
        return exchange_plain(self.server.address, "POST", "/containers", body,
                              content_type="application/json")

    def test_malformed_json_is_an_error_and_creates_nothing(self):
        before = self.depot_names()
        for body in (b'{"handle":', b"not json\n", b""):
            with self.subTest(body=body):
                self.assertErrorObject(self.post_create(body), (400, 500))
        self.assertEqual(self.depot_names(), before)

    def test_wrongly_typed_json_is_an_error_and_creates_nothing(self):
        before = self.depot_names()
        name = harness.unique_handle("typed")
        self.env.handles.add(name)
        for change in ({"handle": 5}, {"grace_time": "soon"}, {"properties": {"a": 1}},
                       {"env": "A=1"}, {"limits": {"memory_limits": {"limit_in_bytes": -1}}},
                       {"limits": {"memory_limits": {"limit_in_bytes": 1.5}}}, [], 7):
            with self.subTest(change=change):
                if isinstance(change, dict):
                    spec = container_spec(handle=name)
                    spec.update(change)
                else:
                    spec = change
                self.assertErrorObject(self.post_create(json_body(spec)), (400, 500))
        self.assertNotIn(name, self.client.list())
        self.assertEqual(self.depot_names(), before)

    def test_wrongly_typed_bodies_on_other_routes(self):
        handle = self.create()
        address = self.server.address
        for method, path, body in (("PUT", f"/containers/{handle}/stop", b'{"kill":"yes"}\n'),
                                   ("PUT", f"/containers/{handle}/grace_time", b'"soon"\n'),
                                   ("PUT", f"/containers/{handle}/properties/k", b'{"value":5}\n')):
            with self.subTest(path=path):
                response = exchange_plain(address, method, path, body, content_type="application/json")
                self.assertErrorObject(response, (400, 500))
        with self.assertRaises(GardenError) as caught:
            self.client.run_raw(handle, {"path": 5, "rlimits": {}, "image": {}})
        self.assertGardenError(caught, "")
        with self.assertRaises(GardenError) as caught:
            self.client.run_raw(handle, {"path": "true", "tty": "yes", "image": {}})
        self.assertGardenError(caught, "")
        self.assertEqual(self.client.info(handle)["State"], "active")

    def test_unknown_routes_are_404(self):
        for method, path in (("GET", "/nope"), ("GET", "/containers/x/nope"),
                             ("GET", "/ping/"), ("POST", "/containers/x/processes/p/q")):
            with self.subTest(path=path):
                self.assertEqual(exchange_plain(self.server.address, method, path).status, 404)

    def test_a_known_path_with_the_wrong_method_is_405(self):
        for method, path, allowed in (("DELETE", "/ping", "GET"), ("PATCH", "/containers", "GET"),
                                      ("POST", "/capacity", "GET")):
            with self.subTest(method=method, path=path):
                response = exchange_plain(self.server.address, method, path)
                self.assertEqual(response.status, 405)
                self.assertIn(allowed, response.header("allow") or "")

    def test_invalid_handles_are_refused_at_create(self):
        before = self.depot_names()
        for handle in ("..", ".", ".hidden", "a/b", "a?b", "a#b", "x" * 129, "sp ace", "-dash"):
            with self.subTest(handle=handle):
                with self.assertRaises(GardenError) as caught:
                    self.client.create(handle=handle)
                self.assertGardenError(caught, "", status=500)
        self.assertEqual(self.depot_names(), before)

    def test_a_huge_body_on_a_json_route_is_refused(self):
        before = self.depot_names()
        size = 64 << 20
        sock = self.server.address.dial()

        def send():
            block = b" " * (1 << 20)
            try:
                for _ in range(size // len(block)):
                    sock.sendall(block)
            except OSError:
                pass  # refused before the end: the answer is still there to read
        try:
            sock.sendall(plain_head("POST", "/containers", size, content_type="application/json"))
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            reader = Reader(sock)
            response = read_head(reader)
            response.body = read_body(reader, response)
        finally:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.assertErrorObject(response, (400, 413, 500))
        self.assertEqual(self.depot_names(), before)

    def test_clients_that_send_nothing_or_half_a_request(self):
        idle = self.server.address.dial()
        half = self.server.address.dial()
        half.sendall(b"GET /ping HTTP/1.1\r\nHost: api\r\n")
        body = self.server.address.dial()
        body.sendall(plain_head("POST", "/containers", 1000, content_type="application/json")
                     + b'{"handle":')
        try:
            self.assertEqual(self.client.ping(), {})
            handle = self.create()
            self.assertEqual(self.sh(handle, "echo fine"), (0, b"fine\n", b""))
        finally:
            for s in (idle, half, body):
                s.close()

    def test_clients_that_vanish_mid_request(self):
        handle = self.create()
        for head in (plain_head("POST", "/containers", 1000, content_type="application/json")
                     + b'{"handle":"vanish', plain_head("PUT", f"/containers/{handle}/files"
                                                        "?destination=%2Ftmp&user=", chunked=True)
                     + b"200\r\n" + b"\0" * 100, b"GET /pi"):
            sock = self.server.address.dial()
            sock.sendall(head)
            sock.close()
            self.assertEqual(self.client.ping(), {})
        self.assertEqual(self.sh(handle, "echo fine"), (0, b"fine\n", b""))

    def test_a_client_that_vanishes_before_reading_run_answers(self):
        handle = self.create()
        for _ in range(3):
            sock = self.server.address.dial()
            body = json_body({"path": "sleep", "args": ["1000"], "rlimits": {}, "image": {}})
            sock.sendall(b"POST /containers/%s/processes HTTP/1.1\r\nHost: api\r\n"
                         b"Content-Length: %d\r\n\r\n" % (handle.encode(), len(body)) + body)
            sock.close()
        self.assertEqual(self.client.ping(), {})
        self.assertEqual(self.sh(handle, "echo fine"), (0, b"fine\n", b""))

    def test_garbage_instead_of_http(self):
        for garbage in (b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"GET /ping HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
            sock = self.server.address.dial()
            try:
                sock.sendall(garbage)
                sock.shutdown(socket.SHUT_WR)
                reader = Reader(sock)
                data = reader.rest()
                if data:
                    self.assertFalse(data.startswith(b"HTTP/1.1 2"), data)
            finally:
                sock.close()

    def test_many_connections_at_once(self):
        results = []

        def ping():
            try:
                results.append(self.client.ping())
            except Exception as e:  # noqa: BLE001 - counted below
                results.append(e)
        threads = [threading.Thread(target=ping) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results, [{}] * 50)


if __name__ == "__main__":
    harness.main()
