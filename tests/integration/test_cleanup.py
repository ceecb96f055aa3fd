"""Integration tests for imagegather-cleanup, run as a real program.

Run from the repository root: python3 -m unittest tests/integration/test_cleanup.py
The program path comes from IMAGEGATHER_CLEANUP (default cron/imagegather-cleanup).
"""

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import unittest

PROGRAM = os.environ.get("IMAGEGATHER_CLEANUP", "cron/imagegather-cleanup")
TOKEN_A = "0123456789abcdef0123456789abcdef"
TOKEN_B = "fedcba9876543210fedcba9876543210"
RETENTION_HOURS = 2
HOUR = 3600


class CleanupBase(unittest.TestCase):
    """A data folder, a configuration and a way to run the program."""

    @classmethod
    def setUpClass(cls):
        if not os.access(PROGRAM, os.X_OK):
            raise AssertionError(
                f"{PROGRAM} is missing or not executable; build it with 'make all' "
                "or set IMAGEGATHER_CLEANUP")

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="ig-cleanup-")
        # Registered first, so it runs after every other cleanup of the test.
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.data_dir = os.path.join(self.root, "data")
        self.exports = os.path.join(self.data_dir, "exports")
        os.makedirs(self.exports, mode=0o700)
        os.chmod(self.data_dir, 0o700)  # makedirs gives the parent the umask's mode
        self.config = os.path.join(self.root, "imagegather.conf")
        with open(self.config, "w", encoding="ascii") as f:
            f.write(f"data_dir = {self.data_dir}\nretention_hours = {RETENTION_HOURS}\n")

    def run_cleanup(self, *args, config=None):
        env = dict(os.environ)
        env["IMAGEGATHER_CONFIG"] = config or self.config
        return subprocess.run([PROGRAM, *args], env=env, capture_output=True,
                              text=True, timeout=60, check=False)

    def make_file(self, name, age_seconds, folder=None):
        path = os.path.join(folder or self.exports, name)
        with open(path, "wb") as f:
            f.write(b"PK\x05\x06" + b"\0" * 18)
        stamp = time.time() - age_seconds
        os.utime(path, (stamp, stamp))
        return path

    def assert_quiet_success(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr, "")


class CleanupTest(CleanupBase):
    def test_deletes_expired_archives(self):
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        new_zip = self.make_file(f"{TOKEN_B}.zip", 1 * HOUR)
        old_part = self.make_file(f"{TOKEN_B}.zip.part", 3 * HOUR)
        new_part = self.make_file(f"{TOKEN_A}.zip.part", 60)

        self.assert_quiet_success(self.run_cleanup())

        self.assertFalse(os.path.lexists(old_zip))
        self.assertFalse(os.path.lexists(old_part))
        self.assertTrue(os.path.exists(new_zip))
        self.assertTrue(os.path.exists(new_part))

    def test_run_log_records_each_run(self):
        self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        self.assert_quiet_success(self.run_cleanup())
        self.assert_quiet_success(self.run_cleanup())
        log_path = os.path.join(self.data_dir, "cleanup.log")
        with open(log_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("deleted 1 archives", lines[0])
        self.assertIn("deleted 0 archives", lines[1])
        self.assertEqual(os.stat(log_path).st_mode & 0o777, 0o600)

    def test_run_log_rotated_past_limit(self):
        log_path = os.path.join(self.data_dir, "cleanup.log")
        with open(log_path, "w", encoding="ascii") as f:
            f.write("x" * (1024 * 1024 + 1))
        self.assert_quiet_success(self.run_cleanup())
        self.assertTrue(os.path.exists(log_path + ".1"))
        self.assertLess(os.path.getsize(log_path), 1000)

    def test_verbose_reports_counts(self):
        self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        self.make_file(f"{TOKEN_B}.zip.part", 3 * HOUR)
        self.make_file(f"{TOKEN_B}.zip", 60)

        result = self.run_cleanup("--verbose")

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn(" info ", lines[0])
        self.assertIn("deleted 1 archives and 1 unfinished archives older than 2 hours", lines[0])
        self.assertIn("kept 1", lines[0])
        self.assertIn("removed 0 expired rate-limit records", lines[0])

    def test_ignores_other_names(self):
        names = [
            "notes.txt",
            f"{TOKEN_A.upper()}.zip",
            f"{TOKEN_A[:-1]}.zip",
            f"{TOKEN_A}0.zip",
            f"{TOKEN_A}.zip.bak",
            f"{TOKEN_A}.ZIP",
            f".{TOKEN_A}.zip",
            f"{TOKEN_A}.zip.part.1",
            "0123456789abcdeg0123456789abcdef.zip",
        ]
        paths = [self.make_file(name, 30 * HOUR) for name in names]

        self.assert_quiet_success(self.run_cleanup())

        for path in paths:
            self.assertTrue(os.path.exists(path), path)

    def test_symlink_not_followed(self):
        outside = os.path.join(self.root, "outside")
        os.mkdir(outside)
        target = self.make_file(f"{TOKEN_A}.zip", 30 * HOUR, folder=outside)
        link = os.path.join(self.exports, f"{TOKEN_A}.zip")
        os.symlink(target, link)
        old = time.time() - 30 * HOUR
        os.utime(link, (old, old), follow_symlinks=False)

        self.assert_quiet_success(self.run_cleanup())

        self.assertTrue(os.path.exists(target))
        self.assertTrue(os.path.islink(link))

    def test_folder_named_like_archive_kept(self):
        folder = os.path.join(self.exports, f"{TOKEN_A}.zip")
        os.mkdir(folder)
        inner = self.make_file("inner.txt", 30 * HOUR, folder=folder)
        old = time.time() - 30 * HOUR
        os.utime(folder, (old, old))

        self.assert_quiet_success(self.run_cleanup())

        self.assertTrue(os.path.isdir(folder))
        self.assertTrue(os.path.exists(inner))

    def test_dry_run_changes_nothing(self):
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        old_part = self.make_file(f"{TOKEN_B}.zip.part", 3 * HOUR)

        quiet = self.run_cleanup("--dry-run")
        self.assert_quiet_success(quiet)
        result = self.run_cleanup("--dry-run", "--verbose")

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("dry run: would delete 1 archives and 1 unfinished archives",
                      result.stderr)
        self.assertIn("would remove 0 expired rate-limit records", result.stderr)
        self.assertTrue(os.path.exists(old_zip))
        self.assertTrue(os.path.exists(old_part))
        self.assertFalse(os.path.exists(os.path.join(self.data_dir, "imagegather.gdbm")))

    def test_missing_exports_folder(self):
        os.rmdir(self.exports)
        self.assert_quiet_success(self.run_cleanup())

    def test_exports_folder_symlink_rejected(self):
        elsewhere = os.path.join(self.root, "elsewhere")
        os.mkdir(elsewhere)
        victim = self.make_file(f"{TOKEN_A}.zip", 30 * HOUR, folder=elsewhere)
        os.rmdir(self.exports)
        os.symlink(elsewhere, self.exports)

        result = self.run_cleanup()

        self.assertEqual(result.returncode, 1)
        self.assertIn("exports", result.stderr)
        self.assertIn(" error ", result.stderr)
        self.assertTrue(os.path.exists(victim))

    def test_data_folder_writable_by_others_rejected(self):
        old = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        self.addCleanup(os.chmod, self.data_dir, 0o700)
        for mode in (0o777, 0o770, 0o702, 0o720):
            with self.subTest(mode=f"{mode:04o}"):
                os.chmod(self.data_dir, mode)
                result = self.run_cleanup()
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stdout, "")
                self.assertIn(self.data_dir, result.stderr)
                self.assertIn(f"mode {mode:04o}", result.stderr)
                self.assertIn("chmod 700", result.stderr)
                self.assertTrue(os.path.exists(old))
                self.assertFalse(os.path.exists(os.path.join(self.data_dir, "cleanup.log")))

    def test_data_folder_symlink_rejected(self):
        real = os.path.join(self.root, "real-data")
        os.rename(self.data_dir, real)
        os.symlink(real, self.data_dir)
        old = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR,
                             folder=os.path.join(real, "exports"))

        result = self.run_cleanup()

        self.assertEqual(result.returncode, 1)
        self.assertIn(self.data_dir, result.stderr)
        self.assertIn("symbolic link", result.stderr)
        self.assertTrue(os.path.exists(old))

    def test_group_readable_data_folder_accepted(self):
        os.chmod(self.data_dir, 0o750)
        self.assert_quiet_success(self.run_cleanup())

    def test_overlapping_run_skips(self):
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        lock_path = os.path.join(self.data_dir, "cleanup.lock")
        with open(lock_path, "w", encoding="ascii") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            quiet = self.run_cleanup()
            verbose = self.run_cleanup("--verbose")

        self.assert_quiet_success(quiet)
        self.assertEqual(verbose.returncode, 0)
        self.assertEqual(len(verbose.stderr.splitlines()), 1, verbose.stderr)
        self.assertIn("another cleanup run", verbose.stderr)
        self.assertTrue(os.path.exists(old_zip))

        self.assert_quiet_success(self.run_cleanup())
        self.assertFalse(os.path.exists(old_zip))

    def test_config_option_overrides_environment(self):
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        missing = os.path.join(self.root, "missing.conf")

        self.assert_quiet_success(self.run_cleanup("--config", self.config, config=missing))

        self.assertFalse(os.path.exists(old_zip))

    def test_missing_config_fails(self):
        missing = os.path.join(self.root, "missing.conf")

        result = self.run_cleanup("--config", missing)

        self.assertEqual(result.returncode, 1)
        self.assertIn(missing, result.stderr)
        self.assertEqual(result.stdout, "")

    def test_bad_usage_exits_2(self):
        for args in (["--bogus"], ["extra"], ["--config"], ["-x"]):
            with self.subTest(args=args):
                result = self.run_cleanup(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("Usage:", result.stderr)
                self.assertEqual(result.stdout, "")

    def test_help_exits_0(self):
        result = self.run_cleanup("--help")

        self.assertEqual(result.returncode, 0)
        self.assertIn("Usage:", result.stdout)
        self.assertIn("--dry-run", result.stdout)
        self.assertEqual(result.stderr, "")

    def test_damaged_database_fails(self):
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        database = os.path.join(self.data_dir, "imagegather.gdbm")
        garbage = bytes(range(256)) * 16
        with open(database, "wb") as f:
            f.write(garbage)

        result = self.run_cleanup()

        self.assertEqual(result.returncode, 1)
        self.assertIn("imagegather.gdbm", result.stderr)
        self.assertFalse(os.path.exists(old_zip))
        with open(database, "rb") as f:
            self.assertEqual(f.read(), garbage)

    def make_undeletable(self, path):
        """Make unlink(path) fail: chattr +i as root, a read-only folder otherwise."""
        if os.geteuid() != 0:
            os.chmod(self.exports, 0o500)
            self.addCleanup(os.chmod, self.exports, 0o700)
            return
        if not shutil.which("chattr"):
            self.skipTest("running as root without chattr")
        done = subprocess.run(["chattr", "+i", path], capture_output=True, check=False)
        if done.returncode != 0:
            self.skipTest(f"chattr +i failed: {done.stderr.decode(errors='replace')}")
        self.addCleanup(subprocess.run, ["chattr", "-i", path], check=False)

    def test_undeletable_archive_fails(self):
        stuck = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)
        other = self.make_file(f"{TOKEN_B}.zip", 3 * HOUR)
        self.make_undeletable(stuck)

        result = self.run_cleanup()

        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot delete", result.stderr)
        self.assertIn(stuck, result.stderr)
        self.assertTrue(os.path.exists(stuck))
        if os.geteuid() == 0:
            self.assertFalse(os.path.exists(other))


class CleanupProtectionTest(CleanupBase):
    """Process limits, deadline and system call filter of a cleanup run."""

    def hold_store_lock(self):
        """Take the store's flock, so that the run waits in store_prune."""
        lock = open(os.path.join(self.data_dir, "imagegather.lock"), "wb")
        self.addCleanup(lock.close)
        fcntl.flock(lock, fcntl.LOCK_EX)

    def start_waiting_run(self, *extra_lines):
        """Start a run that waits for the held store lock; return the process."""
        with open(self.config, "a", encoding="ascii") as f:
            f.writelines(line + "\n" for line in extra_lines)
        self.hold_store_lock()
        env = dict(os.environ, IMAGEGATHER_CONFIG=self.config)
        proc = subprocess.Popen([PROGRAM], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.addCleanup(proc.communicate, timeout=30)
        self.addCleanup(proc.kill)
        return proc

    def read_proc_file(self, proc, name, marker):
        """Read /proc/PID/NAME once it contains marker (the filter comes last)."""
        deadline = time.monotonic() + 3
        text = ""
        while time.monotonic() < deadline:
            with open(f"/proc/{proc.pid}/{name}", encoding="ascii") as f:
                text = f.read()
            if marker(text):
                return text
            time.sleep(0.05)
        return text

    def status_field(self, text, field):
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
        return None

    def test_run_sets_process_limits(self):
        proc = self.start_waiting_run("max_memory_bytes = 268435456")

        def limit_rows(text):
            return {line[:26].strip(): line[26:].split() for line in text.splitlines()[1:]}

        def all_set(text):
            """The limits are set one call at a time, the address space last."""
            rows = limit_rows(text)
            return ("300" in text and rows.get("Max core file size", [])[:2] == ["0", "0"]
                    and ("asan" in PROGRAM or rows.get("Max address space", [])[:1] == ["268435456"]))

        limits = self.read_proc_file(proc, "limits", all_set)

        rows = limit_rows(limits)
        self.assertEqual(rows["Max cpu time"][:2], ["300", "305"])
        self.assertEqual(rows["Max core file size"][:2], ["0", "0"])
        if "asan" not in PROGRAM:
            self.assertEqual(rows["Max address space"][:2], ["268435456", "268435456"])

    def test_max_cpu_seconds_applies(self):
        proc = self.start_waiting_run("max_cpu_seconds = 42")

        limits = self.read_proc_file(proc, "limits", lambda t: " 42 " in t)

        rows = {line[:26].strip(): line[26:].split() for line in limits.splitlines()[1:]}
        self.assertEqual(rows["Max cpu time"][:2], ["42", "47"])

    def test_run_installs_seccomp_filter(self):
        proc = self.start_waiting_run()

        status = self.read_proc_file(
            proc, "status", lambda t: self.status_field(t, "Seccomp") == "2")

        self.assertEqual(self.status_field(status, "Seccomp"), "2")
        self.assertEqual(self.status_field(status, "NoNewPrivs"), "1")

    def test_sandbox_off_skips_filter(self):
        proc = self.start_waiting_run("sandbox = off")

        time.sleep(1)  # the run sets everything up, then waits 5 s for the lock
        status = self.read_proc_file(proc, "status", lambda t: True)

        self.assertEqual(self.status_field(status, "Seccomp"), "0")

    def test_deadline_stops_stuck_run(self):
        proc = self.start_waiting_run("cleanup_timeout_seconds = 1")

        stdout, stderr = proc.communicate(timeout=30)

        self.assertEqual(proc.returncode, 1)
        self.assertEqual(stdout, "")
        self.assertIn("imagegather-cleanup ", stderr)
        self.assertIn("the deadline of 1 seconds passed", stderr)

    def test_invalid_cleanup_timeout(self):
        with open(self.config, "a", encoding="ascii") as f:
            f.write("cleanup_timeout_seconds = 0\n")

        result = self.run_cleanup()

        self.assertEqual(result.returncode, 1)
        self.assertIn("cleanup_timeout_seconds", result.stderr)

    def test_run_log_fifo_does_not_block(self):
        os.mkfifo(os.path.join(self.data_dir, "cleanup.log"))
        old_zip = self.make_file(f"{TOKEN_A}.zip", 3 * HOUR)

        result = self.run_cleanup()

        self.assertIn("cannot open the run log", result.stderr)
        self.assertIn("cleanup.log", result.stderr)
        self.assertFalse(os.path.exists(old_zip))


if __name__ == "__main__":
    unittest.main()
