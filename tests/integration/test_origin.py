"""The test origin stays quiet when a client cuts a transfer on purpose and
still prints every other error of a request handler."""
import contextlib
import io
import socket
import struct
import time
import unittest

import origin


def boom(handler, query):
    raise ValueError("deliberate handler failure")


class OriginErrors(unittest.TestCase):

    def setUp(self):
        self.server, self.port = origin.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def captured_stderr(self, send):
        """Runs send() and returns what the origin wrote to stderr meanwhile."""
        out = io.StringIO()
        with contextlib.redirect_stderr(out):
            send()
            time.sleep(0.5)
        return out.getvalue()

    def reset_during_body(self):
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(b"GET /big?bytes=50000000 HTTP/1.1\r\nHost: origin\r\n\r\n")
            s.recv(100)
            # Linger 0: close sends a TCP reset instead of a FIN.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def test_reset_transfer_is_quiet(self):
        self.assertEqual(self.captured_stderr(self.reset_during_body), "")

    def test_handler_error_is_printed(self):
        origin.Handler.route_boom = boom
        self.addCleanup(delattr, origin.Handler, "route_boom")

        def request():
            with socket.create_connection(("127.0.0.1", self.port)) as s:
                s.sendall(b"GET /boom HTTP/1.1\r\nHost: origin\r\n\r\n")
                time.sleep(0.2)

        self.assertIn("deliberate handler failure", self.captured_stderr(request))
