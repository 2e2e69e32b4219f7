"""A Garden client of dmc's own, written from the protocol doc, standard library only.

It puts on the wire what the Go client (code.cloudfoundry.org/garden/client)
puts there: the same routes, headers, bodies (nested objects always sent,
zero values dropped as `omitempty` drops them) and the same reading of
responses. Errors come back as the typed exceptions of garden_errors.

    client = Client(Address(unix="/tmp/garden.sock"))
    handle = client.create(properties={"owner": "ci"})
    process = client.run(handle, "sh", ["-c", "echo hi"])
    assert process.wait() == 0 and process.out() == b"hi\\n"
"""

import json

from garden_errors import (BadResponseError, ContainerNotFoundError, ExecutableNotFoundError,  # noqa: F401
                           GardenError, ProcessError, ProcessNotFoundError,
                           ServiceUnavailableError, UnrecoverableError,
                           error_from_object, error_from_response)
from garden_process import Process
from garden_wire import (Address, PersistentConnectionClosed, WireError,  # noqa: F401
                         encode_query, escape_path_segment as seg, exchange_hijacked,
                         exchange_plain, json_body)

LIMIT_KINDS = ("bandwidth_limits", "cpu_limits", "disk_limits", "memory_limits", "pid_limits")


def omit_empty(pairs):
    """An object of the pairs whose value is not Go's zero value (omitempty)."""
    return {k: v for k, v in pairs if v not in (None, "", 0, False, [], {})}


def container_spec(handle="", grace_time=0, rootfs="", image=None, bind_mounts=None,
                   network="", properties=None, env=None, privileged=False, limits=None,
                   netout_rules=None, netin=None):
    """ContainerSpec in the Go struct's field order; `image` and `limits` always sent."""
    limits = limits or {}
    spec = omit_empty([("handle", handle), ("grace_time", grace_time), ("rootfs", rootfs)])
    spec["image"] = omit_empty(list((image or {}).items()))
    spec.update(omit_empty([("bind_mounts", bind_mounts or []), ("network", network),
                            ("properties", dict(sorted((properties or {}).items()))),
                            ("env", env or []), ("privileged", privileged)]))
    spec["limits"] = {k: omit_empty(list(limits.get(k, {}).items())) for k in LIMIT_KINDS}
    spec.update(omit_empty([("netout_rules", netout_rules or []), ("netin", netin or [])]))
    return spec


def process_spec(path, args=None, id="", env=None, dir="", user="", rlimits=None, tty=None,
                 image=None, limits=None, bind_mounts=None):
    """ProcessSpec in the Go struct's field order; `rlimits` and `image` always sent."""
    spec = omit_empty([("id", id), ("path", path), ("args", args or []), ("env", env or []),
                       ("dir", dir), ("user", user)])
    spec["rlimits"] = omit_empty(list((rlimits or {}).items()))
    if limits is not None:
        spec["limits"] = limits
    if tty is not None:
        spec["tty"] = tty
    spec["image"] = omit_empty(list((image or {}).items()))
    if bind_mounts:
        spec["bind_mounts"] = bind_mounts
    return spec


class Client:
    def __init__(self, address):
        self.address = address

    # -- plain exchanges ---------------------------------------------------------

    def request(self, method, path, query=None, body=None, chunks=None, content_type=None):
        """One plain request; the Response on 2xx, else the typed exception raised."""
        if body is not None and content_type is None:
            content_type = "application/json"
        response = exchange_plain(self.address, method, path + encode_query(query), body,
                                  chunks, content_type)
        if not response.ok:
            raise error_from_response(response.status, response.body)
        return response

    def call(self, method, path, query=None, payload=None):
        """A JSON route: the decoded 2xx body (an empty body is Go's `EOF` error)."""
        body = None if payload is None else json_body(payload)
        response = self.request(method, path, query, body)
        try:
            return json.loads(response.body)
        except ValueError as e:
            raise BadResponseError(response.status, response.body, f"decode: {e}") from None

    def ping(self):
        return self.call("GET", "/ping")

    def capacity(self):
        return self.call("GET", "/capacity")

    def create(self, **spec):
        return self.create_raw(container_spec(**spec))["Handle"]

    def create_raw(self, spec):
        return self.call("POST", "/containers", payload=spec)

    def list(self, properties=None):
        return self.call("GET", "/containers", query=properties)["Handles"]

    def destroy(self, handle):
        return self.call("DELETE", f"/containers/{seg(handle)}")

    def info(self, handle):
        return self.call("GET", f"/containers/{seg(handle)}/info")

    def bulk_info(self, handles):
        return self.call("GET", "/containers/bulk_info", {"handles": ",".join(handles)})

    def bulk_metrics(self, handles):
        return self.call("GET", "/containers/bulk_metrics", {"handles": ",".join(handles)})

    def metrics(self, handle):
        return self.call("GET", f"/containers/{seg(handle)}/metrics")

    def stop(self, handle, kill):
        return self.call("PUT", f"/containers/{seg(handle)}/stop", payload={"kill": kill})

    def stream_in(self, handle, destination, chunks, user=""):
        """Sends the tar bytes (an iterable of bytes) as a chunked body."""
        query = {"destination": destination, "user": user}
        self.request("PUT", f"/containers/{seg(handle)}/files", query, chunks=chunks,
                     content_type="application/x-tar")

    def stream_out(self, handle, source, user=""):
        query = {"source": source, "user": user}
        return self.request("GET", f"/containers/{seg(handle)}/files", query).body

    def limits(self, handle, kind):
        """kind: bandwidth, cpu, disk or memory."""
        return self.call("GET", f"/containers/{seg(handle)}/limits/{kind}")

    def net_in(self, handle, host_port=0, container_port=0):
        payload = omit_empty([("handle", handle), ("host_port", host_port),
                              ("container_port", container_port)])
        return self.call("POST", f"/containers/{seg(handle)}/net/in", payload=payload)

    def net_out(self, handle, rule):
        return self.call("POST", f"/containers/{seg(handle)}/net/out", payload=rule)

    def bulk_net_out(self, handle, rules):
        return self.call("POST", f"/containers/{seg(handle)}/net/out/bulk", payload=rules)

    def set_grace_time(self, handle, nanoseconds):
        return self.call("PUT", f"/containers/{seg(handle)}/grace_time", payload=nanoseconds)

    def properties(self, handle):
        return self.call("GET", f"/containers/{seg(handle)}/properties")

    def property(self, handle, key):
        return self.call("GET", f"/containers/{seg(handle)}/properties/{seg(key)}")["value"]

    def set_property(self, handle, key, value):
        return self.call("PUT", f"/containers/{seg(handle)}/properties/{seg(key)}",
                         payload={"value": value})

    def remove_property(self, handle, key):
        return self.call("DELETE", f"/containers/{seg(handle)}/properties/{seg(key)}")

    # -- hijacked exchanges ------------------------------------------------------

    def hijack(self, method, path, body=None, content_type=None):
        """A hijacked request: the Hijacked on 2xx, else the typed exception raised.

        An error body that is not an error object gives the Go client's
        `Backend error: Exit status: <code>, Body: <body>, ...` text.
        """
        result = exchange_hijacked(self.address, method, path, body, content_type)
        if hasattr(result, "sock"):
            return result
        error = error_from_response(result.status, result.body)
        if isinstance(error, BadResponseError):
            raise GardenError({"Message": f"Backend error: Exit status: {result.status}, "
                                          f"Body: {result.body.decode(errors='replace')}, "
                                          f"error: {error}"}, result.status, result.body)
        raise error

    def open_stream(self, handle, process_id, stream_id, which):
        path = (f"/containers/{seg(handle)}/processes/{seg(process_id)}"
                f"/attaches/{seg(stream_id)}/{which}")
        return self.hijack("GET", path, content_type="application/json")

    def run(self, handle, path, args=None, stdin=None, stdout=True, stderr=True, **spec):
        """Starts a process; stdin is None (nothing sent), bytes (one message then
        EOF) or an iterable of bytes (one message each, then EOF); stdout and
        stderr are True (kept: Process.out()/err()), False (not opened) or a
        callable given each chunk as it arrives."""
        return self.run_raw(handle, process_spec(path, args, **spec), stdin, stdout, stderr)

    def run_raw(self, handle, spec, stdin=None, stdout=True, stderr=True):
        hijacked = self.hijack("POST", f"/containers/{seg(handle)}/processes",
                               json_body(spec), "application/json")
        return self._process(handle, hijacked, stdin, stdout, stderr)

    def attach(self, handle, process_id, stdin=None, stdout=True, stderr=True):
        hijacked = self.hijack("GET", f"/containers/{seg(handle)}/processes/{seg(process_id)}")
        return self._process(handle, hijacked, stdin, stdout, stderr)

    def _process(self, handle, hijacked, stdin, stdout, stderr):
        def open_stream(process_id, stream_id, which):
            return self.open_stream(handle, process_id, stream_id, which)
        try:
            return Process(hijacked, open_stream, stdout, stderr, stdin)
        except BaseException:
            hijacked.close()
            raise


def bulk_entry_error(entry):
    """The typed exception of a bulk entry's `Err`, or None."""
    err = entry.get("Err")
    return None if err is None else error_from_object(err)
