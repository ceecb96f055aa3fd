"""imagegather-cleanup --check: the installation self-check, run as a real program."""
import os
import shutil
import subprocess
import tempfile
import unittest

import harness


class CheckTest(harness.SiteTest):

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="ig-check-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.data_dir = os.path.join(self.root, "imagegather-data")
        os.mkdir(self.data_dir, 0o700)
        self.config = os.path.join(self.data_dir, "imagegather.conf")
        self.write_config("")

    def write_config(self, extra):
        with open(self.config, "w", encoding="ascii") as f:
            f.write(f"data_dir = .\n{extra}")
        os.chmod(self.config, 0o600)

    def check(self):
        r = subprocess.run([harness.CLEANUP, "--check", "--config", self.config],
                           capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout

    def test_good_installation_passes(self):
        status, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertIn("All checks passed.", out)
        self.assertNotIn("problem:", out)

    def test_deletes_nothing(self):
        exports = os.path.join(self.data_dir, "exports")
        os.mkdir(exports, 0o700)
        old = os.path.join(exports, "0123456789abcdef0123456789abcdef.zip")
        open(old, "wb").close()
        os.utime(old, (0, 0))
        self.check()
        self.assertTrue(os.path.exists(old))

    def test_open_data_folder_is_problem(self):
        os.chmod(self.data_dir, 0o755)
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn("can be used by group or others (mode 0755)", out)
        self.assertIn("chmod 700", out)

    def test_writable_config_is_problem(self):
        os.chmod(self.config, 0o666)
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn("writable by group or others", out)
        self.assertIn("chmod 600", out)

    def test_missing_config_is_problem(self):
        r = subprocess.run([harness.CLEANUP, "--check", "--config",
                            os.path.join(self.root, "missing.conf")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("the configuration could not be read", r.stdout)
        self.assertIn("missing.conf", r.stdout)

    def test_unknown_key_named(self):
        self.write_config("colour = blue\n")
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn('unknown key "colour"', out)

    def test_damaged_secret_is_problem(self):
        with open(os.path.join(self.data_dir, "secret.key"), "wb") as f:
            f.write(b"short")
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn("is not a regular file of 32 bytes", out)

    def test_damaged_store_is_problem(self):
        with open(os.path.join(self.data_dir, "imagegather.gdbm"), "wb") as f:
            f.write(b"not a GDBM file" * 100)
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn("the store in", out)

    def test_check_url_fetched(self):
        self.write_config(f"check_url = {self.fixture('gallery.html')}\n")
        status, out = self.check()
        self.assertEqual(status, 0, out)
        self.assertIn("(HTTP status 200)", out)

    def test_unreachable_check_url_is_problem(self):
        port = harness.free_port()
        self.write_config(f"check_url = https://127.0.0.1:{port}/\n")
        status, out = self.check()
        self.assertEqual(status, 1, out)
        self.assertIn(f"fetching check_url https://127.0.0.1:{port}/ failed", out)

    def test_home_under_var_www_not_web_root(self):
        # Hosting panels such as Plesk keep account home folders under /var/www.
        if not os.access("/var/www", os.W_OK):
            self.skipTest("/var/www is missing or not writable by this user")
        status, out = self.check_at(f"/var/www/imagegather-check-{os.getpid()}")
        self.assertEqual(status, 0, out)
        self.assertNotIn("web root", out)

    def test_data_in_public_html_warned(self):
        status, out = self.check_at(os.path.join(self.root, "public_html"))
        self.assertEqual(status, 0, out)
        self.assertIn("warning: the data folder", out)
        self.assertIn("inside a web root", out)

    def check_at(self, folder):
        """Runs --check with data_dir set to folder/imagegather-data, which it creates."""
        data = os.path.join(folder, "imagegather-data")
        os.makedirs(data, 0o700)
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.write_config(f"data_dir = {data}\n")
        return self.check()


if __name__ == "__main__":
    unittest.main()
