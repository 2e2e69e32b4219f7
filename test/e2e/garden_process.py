"""A running process seen through Garden's process protocol (protocol doc 4).

The process connection carries JSON messages both ways; output arrives on up
to two stream connections that are opened after the first message, stdout
first, then stderr. wait() returns the exit status only once the exit
message has come and every opened stream has reached EOF, as the Go client's
Wait() does.
"""

import json
import threading

from garden_errors import ProcessError
from garden_wire import WireError, go_json

WAIT_TIMEOUT = 60.0


def next_message(reader):
    """The next JSON value on a hijacked stream (any whitespace between values)."""
    decoder = json.JSONDecoder()
    while True:
        stripped = reader.buffered.lstrip(b" \t\r\n")
        if stripped:
            try:
                text = stripped.decode("utf-8")
                value, end = decoder.raw_decode(text)
                reader.buffered = bytearray(stripped[len(text[:end].encode()):])
                return value
            except (ValueError, UnicodeDecodeError) as e:
                error = e
        else:
            error = None
        if not reader.fill():
            if stripped:
                raise WireError(f"decode failed: {error}")
            raise WireError("decode failed: EOF")


class OutputStream:
    """One stream connection (stdout or stderr) read to EOF on a thread."""

    def __init__(self, name, sink=None):
        self.name = name
        self.sink = sink  # called with each chunk instead of keeping it (e.g. benchmarks)
        self.data = bytearray()
        self.error = None
        self.hijacked = None
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def attach(self, open_stream):
        try:
            self.hijacked = open_stream()
        except Exception as e:  # noqa: BLE001 - reported by wait()
            self.error = ProcessError(f"connection: failed to hijack stream {self.name}: {e}")
            self.done.set()
            return
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        reader = self.hijacked.reader
        try:
            while True:
                data = reader.take()
                if not data:
                    break
                if self.sink:
                    self.sink(data)
                    continue
                with self.changed:
                    self.data += data
                    self.changed.notify_all()
        except OSError as e:
            self.error = ProcessError(f"connection: stream {self.name}: {e}")
        finally:
            self.hijacked.close()
            with self.changed:
                self.done.set()
                self.changed.notify_all()

    def wait_for(self, predicate, timeout=WAIT_TIMEOUT):
        """Blocks until predicate(bytes so far) holds or the stream ends."""
        with self.changed:
            self.changed.wait_for(lambda: predicate(bytes(self.data)) or self.done.is_set(),
                                  timeout)
            return predicate(bytes(self.data))

    def shutdown_read(self):
        """Stops taking more from the server; what it already sent is still read."""
        import socket
        if self.hijacked is None:  # never opened (the server went first): nothing to take
            return
        try:
            self.hijacked.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass


class Process:
    """Run or Attach after its 2xx head: reads the first message at once."""

    def __init__(self, hijacked, open_stream, stdout=True, stderr=True, stdin=None):
        self.hijacked = hijacked
        self.status = hijacked.response.status
        first = next_message(hijacked.reader)
        if not isinstance(first, dict):
            raise WireError(f"first message is not an object: {first!r}")
        self.first_message = first
        self.id = first.get("process_id")
        self.stream_id = first.get("stream_id")
        self.messages = []  # every server message after the first
        self.exit_status = None
        self.error = None
        self.finished = threading.Event()
        self._write_lock = threading.Lock()
        self.stdout = self._stream("Stdout", stdout)
        self.stderr = self._stream("Stderr", stderr)
        threading.Thread(target=self._read_messages, daemon=True).start()
        if stdin is not None:
            threading.Thread(target=self._pump_stdin, args=(stdin,), daemon=True).start()
        threading.Thread(target=self._open_streams, args=(open_stream,), daemon=True).start()

    @staticmethod
    def _stream(name, wanted):
        """True: kept in memory; a callable: given each chunk; falsy: not opened."""
        if not wanted:
            return None
        return OutputStream(name, wanted if callable(wanted) else None)

    def _open_streams(self, open_stream):
        for stream, which in ((self.stdout, "stdout"), (self.stderr, "stderr")):
            if stream:
                stream.attach(lambda: open_stream(self.id, self.stream_id, which))

    def _read_messages(self):
        try:
            while True:
                message = next_message(self.hijacked.reader)
                self.messages.append(message)
                if not isinstance(message, dict):
                    continue
                if message.get("error") is not None:
                    self.error = ProcessError(f"connection: process error: {message['error']}")
                    break
                if message.get("exit_status") is not None:
                    self.exit_status = message["exit_status"]
                    break
        except (WireError, OSError) as e:
            self.error = ProcessError(f"connection: {e}")
        finally:
            self.finished.set()

    def _send(self, payload):
        message = {"process_id": self.id}
        message.update(payload)
        with self._write_lock:
            self.hijacked.sock.sendall((go_json(message) + "\n").encode())

    def _pump_stdin(self, stdin):
        try:
            if isinstance(stdin, (bytes, str)):
                self.write_stdin(stdin)  # in memory: one message of any size
            else:
                for piece in stdin:
                    self.write_stdin(piece)
            self.close_stdin()
        except OSError:
            pass

    def write_stdin(self, data):
        """Sends stdin data as one message; invalid UTF-8 becomes U+FFFD, as in Go."""
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        self._send({"source": 0, "data": data})

    def close_stdin(self):
        self._send({"source": 0})

    def signal(self, signal):
        """0 = terminate (SIGTERM), 1 = kill (SIGKILL)."""
        self._send({"signal": signal})

    def set_tty(self, columns, rows):
        self._send({"tty": {"window_size": {"columns": columns, "rows": rows}}})

    def out(self):
        return bytes(self.stdout.data) if self.stdout else b""

    def err(self):
        return bytes(self.stderr.data) if self.stderr else b""

    def wait(self, timeout=WAIT_TIMEOUT):
        """The exit status, once it came and every opened stream reached EOF."""
        if not self.finished.wait(timeout):
            raise TimeoutError(f"process {self.id}: no exit message")
        self.hijacked.close()
        for stream in (self.stdout, self.stderr):
            if stream and not stream.done.wait(timeout):
                raise TimeoutError(f"process {self.id}: {stream.name} never reached EOF")
        if self.error:
            raise self.error
        for stream in (self.stdout, self.stderr):
            if stream and stream.error:
                raise stream.error
        return self.exit_status

    def abandon(self):
        """Closes every connection of this process without waiting for it."""
        self.hijacked.close()
        for stream in (self.stdout, self.stderr):
            if stream and stream.hijacked:
                stream.hijacked.close()
