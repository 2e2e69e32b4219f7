"""The Garden client's wire: how the Go client talks HTTP/1.1 (protocol doc 1.2-1.5).

Plain routes: a fresh connection per request, `Connection: close`, headers in
the order Go's net/http writes them, any response framing accepted. Hijacked
routes (Run, Attach, Stdout, Stderr): one request on a private socket, the
status line and headers parsed here, then the socket is a raw byte stream
(with the bytes already read past the blank line kept), and a response that
the Go client's httputil.ClientConn would refuse is refused the same way.
"""

import json
import socket
import urllib.parse

DIAL_TIMEOUT = 2.0  # the Go client's dialer
IO_TIMEOUT = 60.0  # ours: a broken server fails a test instead of hanging it
USER_AGENT = "Go-http-client/1.1"


class Address:
    """Where the server listens: a unix socket path, or a TCP host and port."""

    def __init__(self, unix=None, host=None, port=None):
        self.unix, self.host, self.port = unix, host, port

    def __repr__(self):
        return f"unix:{self.unix}" if self.unix else f"tcp:{self.host}:{self.port}"

    def dial(self, timeout=IO_TIMEOUT):
        if self.unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target = self.unix
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (self.host, self.port)
        sock.settimeout(DIAL_TIMEOUT)
        try:
            sock.connect(target)
        except BaseException:
            sock.close()
            raise
        sock.settimeout(timeout)
        return sock


class WireError(Exception):
    """The response broke HTTP framing, or the connection ended too soon."""


class PersistentConnectionClosed(WireError):
    """What httputil.ClientConn returns for a hijacked response framed as closing."""

    def __init__(self, why):
        super().__init__(f"persistent connection closed ({why})")
        self.why = why


def go_json(value):
    """JSON as Go's encoding/json writes it: compact, UTF-8, HTML-safe escapes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def json_body(value):
    """A JSON request body: one value and a newline (Go's json.Encoder)."""
    return (go_json(value) + "\n").encode()


def escape_path_segment(value):
    """A path parameter as Go's URL code escapes it: `+,:@` and the like stay."""
    return urllib.parse.quote(str(value), safe="$&+,:;=@")


def encode_query(query):
    """Form encoding with sorted keys, as Go's url.Values.Encode does."""
    if not query:
        return ""
    return "?" + urllib.parse.urlencode(sorted(query.items()))


def request_head(method, target, headers):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def plain_head(method, target, body_length=None, chunked=False, content_type=None):
    """The head net/http's Transport writes for a request with keep-alive off."""
    headers = [("Host", "api"), ("User-Agent", USER_AGENT), ("Connection", "close")]
    if chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    elif body_length is not None:
        headers.append(("Content-Length", str(body_length)))
    if content_type:
        headers.append(("Content-Type", content_type))
    headers.append(("Accept-Encoding", "gzip"))
    return request_head(method, target, headers)


def hijack_head(method, target, body_length=None, content_type=None):
    """The head Request.Write puts on a hijacked route: no Connection, no gzip."""
    headers = [("Host", "api"), ("User-Agent", USER_AGENT)]
    if body_length is not None:
        headers.append(("Content-Length", str(body_length)))
    if content_type:
        headers.append(("Content-Type", content_type))
    return request_head(method, target, headers)


def chunk(data):
    """One chunk of a chunked request body ("" ends the body)."""
    return b"%x\r\n" % len(data) + data + b"\r\n"


class Reader:
    """Buffered reads from a socket; `buffered` is what was read and not used."""

    def __init__(self, sock):
        self.sock = sock
        self.buffered = bytearray()  # appends stay linear, even for a large body
        self.eof = False

    def fill(self):
        if self.eof:
            return False
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
        self.buffered += data
        return True

    def line(self):
        while b"\r\n" not in self.buffered:
            if len(self.buffered) > 65536:
                raise WireError("header line too long")
            if not self.fill():
                raise WireError("connection closed before the end of the headers")
        line, self.buffered = self.buffered.split(b"\r\n", 1)
        return line.decode("latin-1")

    def exactly(self, n):
        while len(self.buffered) < n:
            if not self.fill():
                raise WireError(f"connection closed after {len(self.buffered)} of {n} bytes")
        data = bytes(self.buffered[:n])
        del self.buffered[:n]
        return data

    def take(self):
        """What is buffered now, or what one recv returns; b"" at EOF."""
        if not self.buffered:
            self.fill()
        data, self.buffered = bytes(self.buffered), bytearray()
        return data

    def rest(self):
        while self.fill():
            pass
        return self.take()


class Response:
    """A status line and headers (names lowercased, values as sent)."""

    def __init__(self, version, status, reason, headers):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers  # list of (lowercased name, value)
        self.body = b""

    def header(self, name):
        values = [v for k, v in self.headers if k == name.lower()]
        return values[0] if values else None

    def header_tokens(self, name):
        tokens = []
        for k, v in self.headers:
            if k == name.lower():
                tokens += [t.strip().lower() for t in v.split(",")]
        return tokens

    @property
    def ok(self):
        return 200 <= self.status <= 299


def read_head(reader):
    status_line = reader.line()
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise WireError(f"malformed status line: {status_line!r}")
    headers = []
    while True:
        line = reader.line()
        if not line:
            break
        name, sep, value = line.partition(":")
        if not sep:
            raise WireError(f"malformed header line: {line!r}")
        headers.append((name.strip().lower(), value.strip()))
    reason = parts[2] if len(parts) > 2 else ""
    return Response(parts[0], int(parts[1]), reason, headers)


def read_chunked(reader):
    body = []
    while True:
        size_line = reader.line().split(";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise WireError(f"malformed chunk size: {size_line!r}") from None
        if size == 0:
            while reader.line():  # trailers
                pass
            return b"".join(body)
        body.append(reader.exactly(size))
        if reader.exactly(2) != b"\r\n":
            raise WireError("chunk not followed by CRLF")


def read_body(reader, response, method="GET"):
    """The body in whatever framing the response chose (Go accepts all three)."""
    if method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200:
        return b""
    if "chunked" in response.header_tokens("transfer-encoding"):
        return read_chunked(reader)
    length = response.header("content-length")
    if length is not None:
        if not length.isdigit():
            raise WireError(f"malformed Content-Length: {length!r}")
        return reader.exactly(int(length))
    return reader.rest()


def closing_reason(response):
    """Why Go's ReadResponse would mark this hijacked response as closing, or None."""
    if response.version != "HTTP/1.1":
        return f"status line says {response.version}"
    if "close" in response.header_tokens("connection"):
        return "Connection: close"
    chunked = "chunked" in response.header_tokens("transfer-encoding")
    if not chunked and response.header("content-length") is None:
        return "neither Transfer-Encoding: chunked nor Content-Length"
    return None


def exchange_plain(address, method, target, body=None, chunks=None, content_type=None):
    """One plain request on a fresh connection; returns the whole Response."""
    sock = address.dial()
    try:
        if chunks is not None:
            sock.sendall(plain_head(method, target, chunked=True, content_type=content_type))
            for piece in chunks:
                if piece:
                    sock.sendall(chunk(piece))
            sock.sendall(chunk(b""))
        else:
            length = None if body is None else len(body)
            sock.sendall(plain_head(method, target, length, content_type=content_type))
            if body:
                sock.sendall(body)
        reader = Reader(sock)
        response = read_head(reader)
        response.body = read_body(reader, response, method)
        return response
    finally:
        sock.close()


class Hijacked:
    """A hijacked connection after a 2xx head: the socket and its buffered bytes."""

    def __init__(self, sock, reader, response):
        self.sock, self.reader, self.response = sock, reader, response

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def exchange_hijacked(address, method, target, body=None, content_type=None,
                      timeout=IO_TIMEOUT):
    """Sends one request and parses the head as httputil.ClientConn would.

    Returns a Hijacked on 2xx; on another status returns the Response with its
    body read in its own framing (the caller decodes the error). Raises
    PersistentConnectionClosed for a head Go would treat as closing.
    """
    sock = address.dial(timeout)
    try:
        length = None if body is None else len(body)
        sock.sendall(hijack_head(method, target, length, content_type))
        if body:
            sock.sendall(body)
        reader = Reader(sock)
        response = read_head(reader)
        why = closing_reason(response)
        if why:
            raise PersistentConnectionClosed(why)
        if response.ok:
            return Hijacked(sock, reader, response)
        response.body = read_body(reader, response, method)
    except BaseException:
        sock.close()
        raise
    sock.close()
    return response
