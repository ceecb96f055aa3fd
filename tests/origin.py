#!/usr/bin/env python3
"""Loopback origin server for ImageGather's tests.

Serves the fixture folder and the shared test corpus, plus endpoints that
misbehave on purpose: redirects, slow, oversized, endless and compressed
responses. It binds to loopback only.

  /fixtures/PATH             files under tests/fixtures
  /cases/NAME                files of the shared extraction cases
  /corpus/pages/NAME         shared corpus pages (served as UTF-8 HTML)
  /corpus/pages2/NAME
  /redirect?to=URL&code=N    redirect with status N (default 302)
  /chain?n=N&final=PATH      N redirects in a row, then PATH
  /status?code=N             an empty answer with status N
  /slow?seconds=S            waits S seconds, then sends a small page
  /big?bytes=N&type=T        N bytes with Content-Length
  /chunked?bytes=N&type=T    N bytes without Content-Length (chunked)
  /endless?type=T            never ends
  /gzip-bomb?bytes=N         gzip body that inflates to N bytes
  /typed?file=PATH&type=T    a fixture file with the given Content-Type
  /page?html=TEXT            TEXT as an HTML page
  /repeat?head=H&piece=P&count=N&tail=T
                             H, then P repeated N times, then T, as an HTML page
  /reset?file=PATH&bytes=N   a fixture's headers and first N bytes, then a TCP reset
  /cut-chunked?file=PATH     a fixture in chunks, closed before the last chunk
  /lying-length?file=PATH&delta=N
                             a fixture whose Content-Length is off by N (+ or -)
  /dribble?bytes=N           an image body sent one byte per second
  /loop                      redirects to itself forever
  /turncoat?file=PATH        a fixture image whose second half is HTML
  /png?bytes=N               a PNG signature padded to N bytes
  /big-headers?bytes=N       a small page after N bytes of extra response headers
  /stall?seconds=S           a page's headers and first bytes, then S seconds of silence
  /ranged?file=PATH&pad=N    a fixture padded with N zero bytes; a "Range: bytes=A-B"
                             request gets 206 with Content-Range, and every Range
                             header received is kept in server.ranges
"""
import argparse
import socket
import struct
import gzip
import io
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
SHARED = os.environ.get("IMAGEGATHER_SHARED",
                        os.path.join(HERE, "..", "..", "shared"))

TYPES = {
    ".html": "text/html; charset=utf-8", ".png": "image/png",
    ".jpg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml",
    ".css": "text/css", ".txt": "text/plain", ".json": "application/json",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "ImageGatherTestOrigin/1"

    def log_message(self, fmt, *args):
        if os.environ.get("ORIGIN_VERBOSE"):
            sys.stderr.write("origin: " + (fmt % args) + "\n")

    def send_body(self, status, body, ctype="text/html; charset=utf-8",
                  headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve_file(self, root, rel, ctype=None):
        path = os.path.realpath(os.path.join(root, rel))
        if not path.startswith(os.path.realpath(root) + os.sep) or \
                not os.path.isfile(path):
            self.send_body(404, b"not found", "text/plain")
            return
        with open(path, "rb") as f:
            body = f.read()
        ext = os.path.splitext(path)[1].lower()
        self.send_body(200, body, ctype or TYPES.get(ext, "application/octet-stream"))

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = urllib.parse.unquote(url.path)
        self.server.requests.append(self.path)
        for prefix, root in (("/fixtures/", FIXTURES),
                             ("/cases/", os.path.join(SHARED, "cases")),
                             ("/corpus/", os.path.join(SHARED, "corpus"))):
            if path.startswith(prefix):
                self.serve_file(root, path[len(prefix):])
                return
        handler = getattr(self, "route_" + path.strip("/").replace("-", "_"), None)
        if handler is None:
            self.send_body(404, b"not found", "text/plain")
            return
        handler(q)

    def route_redirect(self, q):
        code = int(q.get("code", "302"))
        self.send_body(code, b"", "text/plain", [("Location", q.get("to", "/"))])

    def route_chain(self, q):
        n = int(q.get("n", "1"))
        final = q.get("final", "/fixtures/gallery.html")
        target = final if n <= 1 else "/chain?" + urllib.parse.urlencode(
            {"n": n - 1, "final": final})
        self.send_body(302, b"", "text/plain", [("Location", target)])

    def route_status(self, q):
        self.send_body(int(q.get("code", "500")), b"status page", "text/plain")

    def route_slow(self, q):
        time.sleep(float(q.get("seconds", "5")))
        self.send_body(200, b"<html><body><img src='/fixtures/img/red.png'></body></html>")

    def route_big(self, q):
        n = int(q.get("bytes", "1000000"))
        self.send_body(200, b"<" + b"a" * (n - 1), q.get("type", "text/html"))

    def stream(self, q, total):
        self.send_response(200)
        self.send_header("Content-Type", q.get("type", "text/html"))
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"<p>" + b"x" * 65533
        sent = 0
        try:
            while total is None or sent < total:
                piece = chunk if total is None else chunk[:min(len(chunk), total - sent)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route_chunked(self, q):
        self.stream(q, int(q.get("bytes", "1000000")))

    def route_endless(self, q):
        self.stream(q, None)

    def route_gzip_bomb(self, q):
        n = int(q.get("bytes", str(200 * 1024 * 1024)))
        raw = io.BytesIO()
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as g:
            block = b"<" * (1024 * 1024)
            for _ in range(n // len(block)):
                g.write(block)
        self.send_body(200, raw.getvalue(), q.get("type", "text/html"),
                       [("Content-Encoding", "gzip")])

    def route_typed(self, q):
        self.serve_file(FIXTURES, q.get("file", ""), q.get("type", "text/plain"))

    def route_page(self, q):
        self.send_body(200, q.get("html", "").encode("utf-8"))

    def route_repeat(self, q):
        head, piece, tail = (q.get(k, "").encode("utf-8") for k in ("head", "piece", "tail"))
        self.send_body(200, head + piece * int(q.get("count", "1")) + tail)

    def fixture_bytes(self, q):
        path = os.path.realpath(os.path.join(FIXTURES, q.get("file", "img/photo.jpg")))
        if not path.startswith(os.path.realpath(FIXTURES) + os.sep):
            return b""
        with open(path, "rb") as f:
            return f.read()

    def send_head(self, ctype, length=None, chunked=False):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def route_reset(self, q):
        body = self.fixture_bytes(q)
        self.send_head("image/jpeg", len(body))
        self.wfile.write(body[:int(q.get("bytes", str(len(body) // 2)))])
        self.wfile.flush()
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def route_cut_chunked(self, q):
        body = self.fixture_bytes(q)
        self.send_head("image/jpeg", chunked=True)
        half = len(body) // 2
        self.wfile.write(b"%x\r\n%s\r\n" % (half, body[:half]))
        self.wfile.write(b"%x\r\n%s" % (len(body) - half, body[half:half + 10]))
        self.wfile.flush()
        self.close_connection = True

    def route_lying_length(self, q):
        body = self.fixture_bytes(q)
        self.send_head("image/jpeg", len(body) + int(q.get("delta", "100")))
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def route_dribble(self, q):
        body = self.fixture_bytes({"file": "img/red.png"})
        n = int(q.get("bytes", "60"))
        self.send_head("image/png", n)
        try:
            for i in range(n):
                self.wfile.write(body[i:i + 1] if i < len(body) else b"\0")
                self.wfile.flush()
                time.sleep(1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def route_big_headers(self, q):
        n = int(q.get("bytes", "100000"))
        line = "x" * 990
        headers = [("X-Filler-%d" % i, line) for i in range(n // 1000 + 1)]
        self.send_body(200, b"<html><body>headers</body></html>", headers=headers)

    def route_stall(self, q):
        body = b"<html><body><img src='/fixtures/img/red.png'>" + b" " * 1000 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body[:100])
            self.wfile.flush()
            time.sleep(float(q.get("seconds", "30")))
            self.wfile.write(body[100:])
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def route_loop(self, q):
        self.send_body(302, b"", "text/plain", [("Location", "/loop")])

    def route_turncoat(self, q):
        body = self.fixture_bytes(q)
        half = body[:len(body) // 2]
        html = b"<html><script>alert(document.cookie)</script></html>"
        self.send_body(200, half + html, "image/jpeg")

    def route_ranged(self, q):
        body = self.fixture_bytes(q)
        body += b"\0" * int(q.get("pad", "0"))
        ctype = TYPES.get(os.path.splitext(q.get("file", ""))[1].lower(),
                          "application/octet-stream")
        wanted = self.headers.get("Range")
        self.server.ranges.append(wanted)
        first, _, last = (wanted or "").removeprefix("bytes=").partition("-")
        if not (first.isdigit() and last.isdigit()):
            self.send_body(200, body, ctype)
            return
        piece = body[int(first):int(last) + 1]
        end = int(first) + len(piece) - 1
        self.send_body(206, piece, ctype,
                       [("Content-Range", f"bytes {first}-{end}/{len(body)}")])

    def route_png(self, q):
        n = int(q.get("bytes", "100000"))
        signature = b"\x89PNG\r\n\x1a\n"
        self.send_body(200, signature + b"\0" * max(0, n - len(signature)), "image/png")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        super().__init__(addr, Handler)
        self.requests = []
        self.ranges = []

    def handle_error(self, request, client_address):
        """Stays quiet when the client closed or reset the connection, which
        the tests do on purpose to cut a transfer; prints any other error."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def start(port=0):
    """Starts the origin in a background thread; returns (server, port)."""
    server = Server(("127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, server.server_address[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port))
    print(f"origin at http://127.0.0.1:{args.port}/fixtures/gallery.html", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
