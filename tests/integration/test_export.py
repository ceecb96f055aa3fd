"""export.cgi under Apache: progress events, the archive, downloads, and
every real reader opening the archive without a warning."""
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import zipfile

import harness

FIXTURE_IMAGES = os.path.join(harness.TOP, "tests", "fixtures", "img")
ZIP_READER = os.path.join(harness.TOP, "tests", "unit", "ZipRead.java")


def fixture_bytes(name):
    with open(os.path.join(FIXTURE_IMAGES, name), "rb") as f:
        return f.read()


class ExportFlow(harness.SiteTest):
    names = ["red.png", "photo.jpg", "dot.gif", "logo.svg", "blue-640.png"]

    @classmethod
    def setUpClass(cls):
        site = harness.Context.site
        origin = harness.Context.origin_url
        cls.urls = [f"{origin}/fixtures/img/{n}" for n in cls.names]
        cls.urls += [f"{origin}/fixtures/img/not-an-image.jpg",
                     f"{origin}/fixtures/img/red.png?copy=2"]
        cls.response = site.export(cls.urls, name="My images")
        cls.events = cls.response.lines()
        cls.done = cls.events[-1]
        cls.tmp = tempfile.mkdtemp(prefix="imagegather-export-")
        cls.download = site.request("cgi-bin/export.cgi",
                                    {"token": cls.done.get("token") or "", "name": "My images"})
        cls.zip_path = os.path.join(cls.tmp, "export.zip")
        with open(cls.zip_path, "wb") as f:
            f.write(cls.download.body)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_stream_is_ndjson(self):
        self.assertEqual(self.response.status, 200)
        self.assertTrue(self.response.headers["Content-Type"].startswith("application/x-ndjson"))

    def test_one_event_per_image(self):
        images = [e for e in self.events if e["event"] == "image"]
        self.assertEqual(sorted(e["index"] for e in images), list(range(len(self.urls))))
        for e in images:
            self.assertEqual(e["url"], self.urls[e["index"]])

    def test_failed_image_reported(self):
        bad = [e for e in self.events if e.get("index") == 5][0]
        self.assertEqual(bad["status"], "failed")
        self.assertTrue(bad["error"])

    def test_done_event(self):
        self.assertEqual(self.done["event"], "done")
        self.assertRegex(self.done["token"], r"^[0-9a-f]{32}$")
        self.assertEqual(self.done["count"], 6)
        self.assertEqual(self.done["failed"], 1)
        self.assertEqual(self.done["bytes"], len(self.download.body))
        self.assertEqual(self.done["expires_in"], 24 * 3600)

    def test_download_headers(self):
        self.assertEqual(self.download.status, 200)
        self.assertEqual(self.download.headers["Content-Type"], "application/zip")
        self.assertEqual(self.download.headers["Content-Disposition"],
                         'attachment; filename="My images.zip"')
        self.assertEqual(int(self.download.headers["Content-Length"]), len(self.download.body))
        self.assertEqual(self.download.headers["Accept-Ranges"], "bytes")

    def test_unpacks_to_same_bytes(self):
        with zipfile.ZipFile(self.zip_path) as z:
            self.assertIsNone(z.testzip())
            contents = {i.filename: z.read(i) for i in z.infolist()}
        for name in self.names:
            self.assertEqual(contents[name], fixture_bytes(name))
        self.assertEqual(contents["red (2).png"], fixture_bytes("red.png"))
        self.assertEqual(len(contents), 6)

    def test_unzip_without_warning(self):
        out = subprocess.run(["unzip", "-t", self.zip_path], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotRegex(out.stdout + out.stderr, re.compile("warning|mismatch", re.I))

    def test_unzip_extracts_same_bytes(self):
        dest = os.path.join(self.tmp, "unzipped")
        out = subprocess.run(["unzip", "-o", "-d", dest, self.zip_path], capture_output=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        for name in self.names:
            with open(os.path.join(dest, name), "rb") as f:
                self.assertEqual(f.read(), fixture_bytes(name))

    def test_7z_everything_ok(self):
        out = subprocess.run(["7z", "t", self.zip_path], capture_output=True, text=True)
        self.assertIn("Everything is Ok", out.stdout)
        self.assertNotIn("WARNING", out.stdout + out.stderr)

    def test_bsdtar_lists_and_streams(self):
        listing = subprocess.run(["bsdtar", "-tf", self.zip_path], capture_output=True, text=True)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertEqual(len(listing.stdout.splitlines()), 6)
        with open(self.zip_path, "rb") as f:
            streamed = subprocess.run(["bsdtar", "-xOf", "-"], stdin=f, capture_output=True)
        self.assertEqual(streamed.returncode, 0, streamed.stderr)

    def test_java_zip_input_stream(self):
        out = subprocess.run(["java", ZIP_READER, self.zip_path], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("entries 6", out.stdout)

    def test_byte_range(self):
        r = self.site.request("cgi-bin/export.cgi", {"token": self.done["token"]},
                              headers={"Range": "bytes=10-19"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, self.download.body[10:20])
        self.assertEqual(r.headers["Content-Range"], f"bytes 10-19/{len(self.download.body)}")

    def test_suffix_range(self):
        r = self.site.request("cgi-bin/export.cgi", {"token": self.done["token"]},
                              headers={"Range": "bytes=-22"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, self.download.body[-22:])

    def test_unsatisfiable_range(self):
        r = self.site.request("cgi-bin/export.cgi", {"token": self.done["token"]},
                              headers={"Range": f"bytes={len(self.download.body) + 5}-"})
        self.assertEqual(r.status, 416)

    def test_archive_not_in_web_root(self):
        path = os.path.join(self.site.data_dir, "exports", self.done["token"] + ".zip")
        self.assertTrue(os.path.isfile(path))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)


class ExportErrors(harness.SiteTest):
    def test_unknown_token(self):
        r = self.site.request("cgi-bin/export.cgi", {"token": "0" * 32})
        self.assertError(r, 404, "not_found")

    def test_malformed_token(self):
        r = self.site.request("cgi-bin/export.cgi", {"token": "../../imagegather.conf"})
        self.assertError(r, 404, "not_found")

    def test_no_urls(self):
        r = self.site.request("cgi-bin/export.cgi", {"name": "x"}, method="POST")
        self.assertError(r, 400, "invalid_url")

    def test_get_without_token(self):
        r = self.site.request("cgi-bin/export.cgi", {"u": harness.b64url(self.fixture("img/red.png"))})
        self.assertEqual(r.status, 405)

    def test_one_invalid_url_rejects_request(self):
        r = self.site.export([self.fixture("img/red.png"), "ftp://127.0.0.1/x.png"])
        self.assertError(r, 400, "invalid_url")
        self.assertIn("2", r.json()["error"]["message"])

    def test_nothing_exportable(self):
        r = self.site.export([self.fixture("img/not-an-image.jpg")])
        done = r.lines()[-1]
        self.assertEqual(done["event"], "done")
        self.assertIsNone(done["token"])
        self.assertEqual(done["count"], 0)
        self.assertEqual(done["failed"], 1)

    def test_zip_slip_names_flattened(self):
        urls = [self.fixture("img/red.png") + "?x", f"{self.origin}/fixtures/img/..%2F..%2Fred.png"]
        r = self.site.export(urls)
        token = r.lines()[-1]["token"]
        body = self.site.request("cgi-bin/export.cgi", {"token": token}).body
        import zipfile as zf
        with zf.ZipFile(io.BytesIO(body)) as z:
            for name in z.namelist():
                self.assertNotIn("/", name)
                self.assertNotIn("..", name)


class ExportCancel(harness.SiteTest):
    def test_closed_connection_ends_export(self):
        """A visitor who cancels closes the connection while images still
        download. The export must notice within seconds, not when the next
        image ends (one byte per second here)."""
        urls = [f"{self.origin}/dribble?bytes=120&n={i}" for i in range(2)]
        body = urllib.parse.urlencode([("u", harness.b64url(u)) for u in urls]).encode("ascii")
        with open(self.site.error_log, "rb") as f:
            log_start = len(f.read())

        with socket.create_connection(("127.0.0.1", self.site.port), timeout=30) as s:
            s.sendall(b"POST /cgi-bin/export.cgi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "the connection closed before the response headers")
                head += chunk
            self.assertIn(b" 200 ", head.split(b"\r\n", 1)[0])

        closed = time.monotonic()
        logged = ""
        while time.monotonic() < closed + 8:
            with open(self.site.error_log, "rb") as f:
                logged = f.read()[log_start:].decode("utf-8", "replace")
            if "client left during an export" in logged or "stopped by SIGTERM" in logged:
                break
            time.sleep(0.2)
        self.assertRegex(logged, "client left during an export|stopped by SIGTERM")
        self.assertLess(time.monotonic() - closed, 6)

        # The unfinished archive is gone.
        exports = os.path.join(self.site.data_dir, "exports")
        self.assertEqual([n for n in os.listdir(exports) if n.endswith(".part")], [])
