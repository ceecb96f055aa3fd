"""Export caps shared between requests, process limits and their configuration keys."""
import os
import time
import unittest

import harness


def png(origin, size):
    return f"{origin}/png?bytes={size}"


class ByteBudget(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.budget = harness.Site(config_extra="limit_export_bytes_per_hour = 3000\n")

    @classmethod
    def tearDownClass(cls):
        errors = cls.budget.errors()
        cls.budget.remove()
        assert not errors, errors

    def test_budget_stops_images_then_exports(self):
        lines = self.budget.export([png(self.origin, 2000), png(self.origin, 2001)]).lines()
        images = [l for l in lines if l["event"] == "image"]
        self.assertEqual([l["status"] for l in images], ["ok", "failed"])
        self.assertIn("limit of 3000 exported bytes", images[1]["error"])
        self.assertEqual(lines[-1]["count"], 1)

        # The transfers run in parallel, so either image may have come first
        # and used its bytes: one byte more than what is left fails, the rest fits.
        used = images[0]["bytes"]
        self.assertIn(used, (2000, 2001))
        lines = self.budget.export([png(self.origin, 3000 - used + 1)]).lines()
        self.assertEqual(lines[0]["status"], "failed")
        self.assertEqual(lines[-1]["count"], 0)
        lines = self.budget.export([png(self.origin, 3000 - used)]).lines()
        self.assertEqual(lines[-1]["count"], 1)

        r = self.budget.export([png(self.origin, 10)])
        self.assertError(r, 429, "rate_limited")
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)


class DataFolderCap(harness.SiteTest):
    @classmethod
    def setUpClass(cls):
        cls.capped = harness.Site(config_extra="max_data_bytes = 5000\n")
        cls.exports = os.path.join(cls.capped.data_dir, "exports")
        os.makedirs(cls.exports, mode=0o700, exist_ok=True)
        st = os.stat(cls.capped.data_dir)
        os.chown(cls.exports, st.st_uid, st.st_gid)

    @classmethod
    def tearDownClass(cls):
        errors = cls.capped.errors()
        cls.capped.remove()
        assert not errors, errors

    def write_filler(self, size):
        path = os.path.join(self.exports, "filler.zip")
        with open(path, "wb") as f:
            f.write(b"\0" * size)
        return path

    def test_cap_before_and_during_export(self):
        filler = self.write_filler(4000)
        lines = self.capped.export([png(self.origin, 2000)]).lines()
        self.assertEqual(lines[0]["status"], "failed")
        self.assertIn("storage for archives is full", lines[0]["error"])
        self.assertEqual(lines[-1]["count"], 0)

        self.write_filler(6000)
        r = self.capped.export([png(self.origin, 10)])
        self.assertError(r, 503, "busy")
        self.assertIn("storage", r.json()["error"]["message"])
        self.assertTrue(os.path.exists(filler), "a cap must not remove other files")

        os.unlink(filler)
        lines = self.capped.export([png(self.origin, 2000)]).lines()
        self.assertEqual(lines[-1]["count"], 1)


class ProcessLimits(harness.SiteTest):
    def test_request_deadline(self):
        site = harness.Site(config_extra="request_timeout_seconds = 2\n"
                                         "fetch_timeout_seconds = 30\n")
        try:
            start = time.monotonic()
            r = site.extract(f"{self.origin}/slow?seconds=8")
            elapsed = time.monotonic() - start
            self.assertError(r, 504, "timeout")
            self.assertLess(elapsed, 7)
            # Apache copies the program's stderr into its log after the
            # response may already have reached the client, so wait for it.
            text = ""
            for _ in range(50):
                with open(site.error_log, errors="replace") as f:
                    text = f.read()
                if "deadline of 2 seconds passed" in text:
                    break
                time.sleep(0.1)
            self.assertIn("deadline of 2 seconds passed", text)
        finally:
            site.remove()

    def test_sandbox_off_is_accepted(self):
        site = harness.Site(config_extra="sandbox = off\n")
        try:
            self.assertEqual(site.extract(self.fixture("gallery.html")).status, 200)
        finally:
            site.remove()

    def test_invalid_sandbox_value(self):
        site = harness.Site(config_extra="sandbox = maybe\n")
        try:
            r = site.extract(self.fixture("gallery.html"))
            self.assertError(r, 500, "server_misconfigured")
            self.assertIn("sandbox", r.json()["error"]["message"])
        finally:
            site.remove()

    def test_memory_limit_out_of_range(self):
        site = harness.Site(config_extra="max_memory_bytes = 1000\n")
        try:
            r = site.extract(self.fixture("gallery.html"))
            self.assertError(r, 500, "server_misconfigured")
            self.assertIn("max_memory_bytes", r.json()["error"]["message"])
        finally:
            site.remove()

if __name__ == "__main__":
    unittest.main()
