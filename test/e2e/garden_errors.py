"""Garden's error object (protocol doc 5) decoded into typed exceptions.

Like the Go client, the type is chosen by the object's `Type` alone, never by
the HTTP status; the object, the status and the raw body stay on the
exception so that tests can check the wire too.
"""

import json

ERROR_KEYS = ("Type", "Message", "Handle", "ProcessID", "Binary")


class GardenError(Exception):
    """An error object from the server (Type "" or one the client has no class for)."""

    def __init__(self, obj, status=None, body=b""):
        self.obj = obj
        self.status = status
        self.body = body
        self.type = obj.get("Type") or ""
        self.message = obj.get("Message") or ""
        self.handle = obj.get("Handle") or ""
        self.process_id = obj.get("ProcessID") or ""
        super().__init__(self.go_text())

    def go_text(self):
        return self.message


class ContainerNotFoundError(GardenError):
    def go_text(self):
        return f"unknown handle: {self.handle}"


class ProcessNotFoundError(GardenError):
    def go_text(self):
        return f"unknown process: {self.process_id}"


class ExecutableNotFoundError(GardenError):
    pass


class ServiceUnavailableError(GardenError):
    pass


class UnrecoverableError(GardenError):
    pass


class BadResponseError(Exception):
    """A non-2xx body that is not an error object: Go says `bad response: ...`."""

    def __init__(self, status, body, why):
        super().__init__(f"bad response: {why}")
        self.status, self.body = status, body


class ProcessError(Exception):
    """What Process.wait() raises: `connection: ...` as the Go client words it."""


TYPES = {
    "ContainerNotFoundError": ContainerNotFoundError,
    "ProcessNotFoundError": ProcessNotFoundError,
    "ExecutableNotFoundError": ExecutableNotFoundError,
    "ServiceUnavailableError": ServiceUnavailableError,
    "UnrecoverableError": UnrecoverableError,
}


def error_from_object(obj, status=None, body=b""):
    """The typed exception for one error object (also bulk entries' `Err`)."""
    return TYPES.get(obj.get("Type") or "", GardenError)(obj, status, body)


def error_from_response(status, body):
    """The exception for a non-2xx response body."""
    try:
        obj = json.loads(body)
    except ValueError as e:
        return BadResponseError(status, body, str(e))
    if not isinstance(obj, dict):
        return BadResponseError(status, body, "not a JSON object")
    return error_from_object(obj, status, body)
