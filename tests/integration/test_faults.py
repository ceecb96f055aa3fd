"""Misbehaving upstreams, a full or read-only data folder and a stuck store lock."""
import fcntl
import os
import subprocess
import time
import unittest

import harness


class UpstreamFaults(harness.SiteTest):
    """Each broken transfer ends in a documented error, never a hang or a crash."""

    def assertFetchFailed(self, response):
        self.assertError(response, 502, "fetch_failed")

    def test_reset_mid_body(self):
        self.assertFetchFailed(self.site.preview(f"{self.origin}/reset?file=img/photo.jpg"))

    def test_truncated_chunked_body(self):
        self.assertFetchFailed(self.site.preview(f"{self.origin}/cut-chunked?file=img/photo.jpg"))

    def test_content_length_longer_than_body(self):
        r = self.site.preview(f"{self.origin}/lying-length?file=img/photo.jpg&delta=100")
        self.assertFetchFailed(r)

    def test_content_length_shorter_than_body(self):
        # HTTP/1.1 ends the message after Content-Length bytes (RFC 9112,
        # section 6.3), so the preview holds exactly those bytes.
        with open(os.path.join(harness.TOP, "tests", "fixtures", "img", "photo.jpg"), "rb") as f:
            photo = f.read()
        r = self.site.preview(f"{self.origin}/lying-length?file=img/photo.jpg&delta=-100")
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(r.body, photo[:len(photo) - 100])

    def test_endless_redirect_loop(self):
        before = sum(1 for p in harness.Context.origin.requests if p == "/loop")
        self.assertFetchFailed(self.site.preview(f"{self.origin}/loop"))
        after = sum(1 for p in harness.Context.origin.requests if p == "/loop")
        # The first request and at most max_redirects (5) more.
        self.assertLessEqual(after - before, 6)

    def test_image_turning_into_html(self):
        # The type comes from the first bytes; the response keeps the image
        # type, nosniff and a sandboxing policy, so the HTML half is never
        # run as a page.
        r = self.site.preview(f"{self.origin}/turncoat?file=img/photo.jpg")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "image/jpeg")
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", r.headers["Content-Security-Policy"])

    def test_export_reports_broken_transfers(self):
        urls = [f"{self.origin}/reset?file=img/photo.jpg",
                f"{self.origin}/cut-chunked?file=img/photo.jpg",
                self.fixture("img/red.png")]
        lines = self.site.export(urls).lines()
        images = [l for l in lines if l["event"] == "image"]
        self.assertEqual(sorted(l["status"] for l in images), ["failed", "failed", "ok"])
        self.assertEqual(lines[-1]["event"], "done")
        self.assertEqual(lines[-1]["count"], 1)


class SlowUpstream(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.slow_site = harness.Site(config_extra="fetch_timeout_seconds = 4\n"
                                                  "stall_timeout_seconds = 2\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.slow_site.errors()
        cls.slow_site.remove()
        assert not errors, errors

    def test_one_byte_per_second(self):
        start = time.monotonic()
        r = self.slow_site.preview(f"{self.origin}/dribble?bytes=60")
        self.assertError(r, 504, "timeout")
        self.assertLess(time.monotonic() - start, 15)


def mount_tmpfs(path, options):
    """Mounts a tmpfs on path; returns an error text, or None on success."""
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path],
                            capture_output=True, text=True, check=False)
    return None if result.returncode == 0 else result.stderr.strip() or "mount failed"


class StorageFaults(harness.SiteTest):
    """Needs root (or a user namespace) to mount a tmpfs on the exports folder."""

    def setUp(self):
        super().setUp()
        self.own_site = harness.Site()
        self.exports = os.path.join(self.own_site.data_dir, "exports")
        os.makedirs(self.exports, mode=0o700, exist_ok=True)
        st = os.stat(self.own_site.data_dir)
        os.chown(self.exports, st.st_uid, st.st_gid)
        self.owner = f"uid={st.st_uid},gid={st.st_gid},mode=0700"
        self.mounted = False

    def tearDown(self):
        if self.mounted:
            subprocess.run(["umount", self.exports], check=False)
        errors = self.own_site.errors()
        self.own_site.remove()
        self.assertFalse(errors, errors)

    def mount(self, options):
        error = mount_tmpfs(self.exports, f"{options},{self.owner}")
        if error:
            self.skipTest(f"cannot mount a tmpfs for the disk fault tests: {error}")
        self.mounted = True

    def assertStoreWorks(self):
        r = self.own_site.extract(self.fixture("gallery.html"))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertFalse([n for n in os.listdir(self.own_site.data_dir) if "damaged" in n])

    def test_disk_full_during_export(self):
        self.mount("size=256k")
        urls = [f"{self.origin}/png?bytes={150000 + i}" for i in range(4)]
        lines = self.own_site.export(urls).lines()
        self.assertEqual(lines[-1]["event"], "error", lines[-1])
        self.assertIn("could not write", lines[-1]["error"])
        self.assertEqual(os.listdir(self.exports), [])
        self.assertStoreWorks()

    def test_read_only_data_folder(self):
        self.mount("ro,size=256k")
        r = self.own_site.export([self.fixture("img/red.png")])
        self.assertError(r, 500, "internal_error")
        self.assertEqual(os.listdir(self.exports), [])
        self.assertStoreWorks()


class StuckLock(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.locked = harness.Site(config_extra="limit_extract_per_hour = 1\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.locked.errors()
        cls.locked.remove()
        assert not errors, errors

    def test_busy_then_counted_once(self):
        path = os.path.join(self.locked.data_dir, "imagegather.lock")
        st = os.stat(self.locked.data_dir)
        with open(path, "a+b") as lock:
            # The programs run as the data folder's owner and open the lock file read-write.
            os.chown(path, st.st_uid, st.st_gid)
            os.chmod(path, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)
            start = time.monotonic()
            r = self.locked.extract(self.fixture("gallery.html"))
            waited = time.monotonic() - start
            fcntl.flock(lock, fcntl.LOCK_UN)
        self.assertError(r, 503, "busy")
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)
        self.assertLess(waited, 15)
        # The refused request was not counted: the one allowed request is still free.
        self.assertEqual(self.locked.extract(self.fixture("gallery.html")).status, 200)
        self.assertError(self.locked.extract(self.fixture("gallery.html")), 429, "rate_limited")


if __name__ == "__main__":
    unittest.main()
