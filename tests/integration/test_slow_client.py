"""A client that sends its request body slowly is cut off by Apache's
mod_reqtimeout (RequestReadTimeout in scripts/serve.sh) long before Apache's
TimeOut of 300 seconds, so it cannot hold a worker."""
import select
import socket
import time

import harness

# RequestReadTimeout body=20,MinRate=500: about 20 seconds for a body that
# arrives at one byte per second. The test gives up after GIVE_UP seconds.
BODY_SECONDS = 20
GIVE_UP = 28


class SlowRequestBody(harness.SiteTest):

    @classmethod
    def setUpClass(cls):
        cls.own = harness.Site()

    @classmethod
    def tearDownClass(cls):
        errors = cls.own.errors()
        cls.own.remove()
        assert not errors, errors

    def dribble(self, path):
        """Sends a POST head announcing 200 bytes, then one byte per second.
        Returns the seconds until the server responded or closed the connection,
        and the response bytes (None and b"" when it was still open at GIVE_UP)."""
        head = (f"POST {path} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.own.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 200\r\n"
                "Connection: close\r\n\r\n").encode("ascii")
        with socket.create_connection(("127.0.0.1", self.own.port), timeout=5) as sock:
            start = time.monotonic()
            sock.sendall(head + b"u")
            while time.monotonic() - start < GIVE_UP:
                readable, _, _ = select.select([sock], [], [], 1.0)
                try:
                    if readable:
                        return time.monotonic() - start, sock.recv(4096)
                    sock.send(b"u")
                except (BrokenPipeError, ConnectionResetError):
                    return time.monotonic() - start, b""
        return None, b""

    def test_dribbled_body_cut_off(self):
        elapsed, answer = self.dribble("/cgi-bin/extract.cgi")
        self.assertIsNotNone(elapsed, f"the connection was still open after {GIVE_UP} s")
        # Earlier than the body rule would mean something else ended the request.
        self.assertGreaterEqual(elapsed, BODY_SECONDS - 2, answer[:200])
        self.assertLess(elapsed, GIVE_UP)
        self.assertTrue(answer.startswith(b"HTTP/1.1 408 "), answer[:200])
