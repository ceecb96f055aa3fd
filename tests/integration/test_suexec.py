"""The release archive installed into a simulated cPanel account and served
by Apache with suEXEC (Debian's apache2-suexec-custom): the programs run as
the account's own user, find their configuration by their own path, and
nothing under the web root reveals the data folder.

Needs root, the archive in IMAGEGATHER_DIST and /usr/lib/apache2/suexec-custom.
The account's home lies under /var/www, the document root that
/etc/apache2/suexec/www-data sets on Debian, so no system file is changed.
The test removes the user, the home folder and its Apache when it ends,
and the leftovers of earlier runs that were killed."""
import io
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import time
import unittest
import zipfile

import harness

DIST = os.environ.get("IMAGEGATHER_DIST", "")
SUEXEC = "/usr/lib/apache2/suexec-custom"
SUEXEC_CONFIG = "/etc/apache2/suexec/www-data"
# Named after this process, so that test runs at the same time do not meet.
ACCOUNT_PREFIX = "igsuexec"
HOME_PREFIX = "/var/www/imagegather-suexec-"
ACCOUNT = f"{ACCOUNT_PREFIX}{os.getpid()}"
HOME = f"{HOME_PREFIX}{os.getpid()}"
MODULES = "/usr/lib/apache2/modules"


def suexec_docroot():
    try:
        with open(SUEXEC_CONFIG) as f:
            return f.readline().strip()
    except OSError:
        return ""


def remove_account(name=None):
    """Removes a test account (this run's by default) and its home; safe to
    call when absent."""
    name = name or ACCOUNT
    pid = name[len(ACCOUNT_PREFIX):]
    try:
        pwd.getpwnam(name)
        subprocess.run(["userdel", name], check=True, capture_output=True)
    except KeyError:
        pass
    shutil.rmtree(HOME_PREFIX + pid, ignore_errors=True)


def remove_stale_accounts():
    """Removes the accounts of earlier runs whose process has ended, as
    after a run that was killed."""
    for entry in pwd.getpwall():
        pid = entry.pw_name[len(ACCOUNT_PREFIX):]
        if (entry.pw_name.startswith(ACCOUNT_PREFIX) and pid.isdigit()
                and entry.pw_dir == HOME_PREFIX + pid
                and not os.path.exists(f"/proc/{pid}")):
            remove_account(entry.pw_name)


class AccountSite:
    """The account's site: the request helpers of harness.Site on another URL."""
    request = harness.Site.request
    extract = harness.Site.extract
    preview = harness.Site.preview
    export = harness.Site.export

    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}/"


def apache_config(conf_dir, port, user, group):
    return f"""ServerRoot "{conf_dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{conf_dir}/httpd.pid"
DefaultRuntimeDir "{conf_dir}"
Mutex file:{conf_dir} default
ErrorLog "{conf_dir}/error.log"
LogLevel warn
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_host_module {MODULES}/mod_authz_host.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule cgid_module {MODULES}/mod_cgid.so
LoadModule headers_module {MODULES}/mod_headers.so
LoadModule env_module {MODULES}/mod_env.so
LoadModule suexec_module {MODULES}/mod_suexec.so
User www-data
Group www-data
ScriptSock "{conf_dir}/cgid.sock"
TypesConfig /etc/mime.types
DocumentRoot "{HOME}/public_html"
SuexecUserGroup {user} {group}
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "{HOME}/public_html">
	AllowOverride All
	Options None
	Require all granted
</Directory>
"""


@unittest.skipUnless(DIST, "IMAGEGATHER_DIST is not set (make check sets it after make dist)")
@unittest.skipUnless(os.geteuid() == 0, "suEXEC needs root to start Apache and add a user")
@unittest.skipUnless(os.path.exists(SUEXEC), "apache2-suexec-custom is not installed")
@unittest.skipUnless(HOME.startswith(suexec_docroot() + "/") and suexec_docroot(),
                     f"{SUEXEC_CONFIG} does not set a document root above {HOME}")
class SuexecAccountTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        remove_stale_accounts()
        remove_account()
        subprocess.run(["useradd", "--no-create-home", "--home-dir", HOME, "--shell",
                        "/usr/sbin/nologin", "--user-group", ACCOUNT], check=True,
                       capture_output=True)
        cls.addClassCleanup(remove_account)
        account = pwd.getpwnam(ACCOUNT)
        cls.uid, cls.gid = account.pw_uid, account.pw_gid
        cls.install()
        cls.conf_dir = tempfile.mkdtemp(prefix="imagegather-suexec-apache-")
        cls.addClassCleanup(shutil.rmtree, cls.conf_dir, ignore_errors=True)
        os.chmod(cls.conf_dir, 0o755)
        port = harness.free_port()
        with open(os.path.join(cls.conf_dir, "httpd.conf"), "w") as f:
            f.write(apache_config(cls.conf_dir, port, ACCOUNT, ACCOUNT))
        subprocess.run(["/usr/sbin/apache2", "-f", os.path.join(cls.conf_dir, "httpd.conf"),
                        "-k", "start"], check=True)
        cls.addClassCleanup(cls.stop_apache)
        cls.site = AccountSite(port)
        cls.site.port = port
        harness.Site.wait_ready(cls.site)

    @classmethod
    def install(cls):
        """Follows INSTALL.md: unpack, move into place, chmod, configure."""
        unpack = tempfile.mkdtemp(prefix="imagegather-suexec-")
        try:
            with tarfile.open(DIST) as t:
                t.extractall(unpack)
            top = os.path.join(unpack, os.listdir(unpack)[0])
            os.mkdir(HOME, 0o711)
            for name in ("public_html", "imagegather-data", "cron"):
                shutil.move(os.path.join(top, name), os.path.join(HOME, name))
        finally:
            shutil.rmtree(unpack)
        data = os.path.join(HOME, "imagegather-data")
        with open(os.path.join(data, "imagegather.conf"), "a") as f:
            f.write(harness.NO_LIMITS + "allow_networks = 127.0.0.0/8\n")
        # A data folder uploaded into the web root by mistake, with a secret.
        mistake = os.path.join(HOME, "public_html", "imagegather-data")
        os.mkdir(mistake, 0o755)
        shutil.copy(os.path.join(data, ".htaccess"), os.path.join(mistake, ".htaccess"))
        with open(os.path.join(mistake, "secret.key"), "wb") as f:
            f.write(b"S" * 32)
        for folder, dirs, files in os.walk(HOME):
            for name in dirs + files:
                os.lchown(os.path.join(folder, name), cls.uid, cls.gid)
        os.chown(HOME, cls.uid, cls.gid)

    @classmethod
    def stop_apache(cls):
        pid_file = os.path.join(cls.conf_dir, "httpd.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def error_log(self):
        with open(os.path.join(self.conf_dir, "error.log"), errors="replace") as f:
            return f.read()[-2000:]

    def run_as_account(self, *args):
        return subprocess.run(["runuser", "-u", ACCOUNT, "--", *args], capture_output=True,
                              text=True, timeout=120, cwd="/")

    def test_extract_runs_as_account(self):
        r = self.site.extract(f"{harness.Context.origin_url}/fixtures/gallery.html")
        self.assertEqual(r.status, 200, r.body[:300] + self.error_log().encode())
        self.assertTrue(r.json()["images"])
        secret = os.path.join(HOME, "imagegather-data", "secret.key")
        self.site.extract(f"{harness.Context.origin_url}/fixtures/gallery.html")
        # The store and the secret are written by the programs, as the account.
        store = os.path.join(HOME, "imagegather-data", "imagegather.gdbm")
        self.assertEqual(os.stat(store).st_uid, self.uid)
        if os.path.exists(secret):
            self.assertEqual(os.stat(secret).st_uid, self.uid)
            self.assertEqual(stat.S_IMODE(os.stat(secret).st_mode), 0o600)

    def test_preview(self):
        r = self.site.preview(f"{harness.Context.origin_url}/fixtures/img/red.png")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertTrue(r.body.startswith(b"\x89PNG"))

    def test_export_and_download(self):
        origin = harness.Context.origin_url
        urls = [f"{origin}/fixtures/img/red.png", f"{origin}/fixtures/img/photo.jpg"]
        done = self.site.export(urls).lines()[-1]
        self.assertEqual(done.get("count"), 2, done)
        r = self.site.request("cgi-bin/export.cgi", {"token": done["token"]})
        self.assertEqual(r.status, 200)
        with zipfile.ZipFile(io.BytesIO(r.body)) as z:
            self.assertIsNone(z.testzip())
            self.assertEqual(len(z.namelist()), 2)
        archive = os.path.join(HOME, "imagegather-data", "exports", done["token"] + ".zip")
        self.assertEqual(os.stat(archive).st_uid, self.uid)

    def test_cleanup_as_account(self):
        program = os.path.join(HOME, "cron", "imagegather-cleanup")
        check = self.run_as_account(program, "--check")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("All checks passed.", check.stdout)
        run = self.run_as_account(program)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, "")

    def test_data_not_served(self):
        for path in ("imagegather-data/secret.key", "imagegather-data/.htaccess",
                     "imagegather-data/", "../imagegather-data/imagegather.conf",
                     "%2e%2e/imagegather-data/secret.key", ".htaccess",
                     "cgi-bin/.htaccess", "cgi-bin/", "cron/imagegather-cleanup"):
            with self.subTest(path=path):
                r = self.site.request(path)
                self.assertIn(r.status, (400, 403, 404), r.body[:200])
                self.assertNotIn(b"SSSS", r.body)
                self.assertNotIn(b"data_dir", r.body)

    def test_missing_configuration_named(self):
        # suEXEC drops SetEnv variables, so the programs can only find the
        # file by their own path; the 500 must say where they looked.
        conf = os.path.join(HOME, "imagegather-data", "imagegather.conf")
        os.rename(conf, conf + ".off")
        try:
            r = self.site.extract(f"{harness.Context.origin_url}/fixtures/gallery.html")
        finally:
            os.rename(conf + ".off", conf)
        self.assertEqual(r.status, 500)
        error = r.json()["error"]
        self.assertEqual(error["code"], "server_misconfigured")
        self.assertIn(f"{HOME}/public_html/cgi-bin/../../imagegather-data/imagegather.conf",
                      error["message"])

    def test_stats_refused_without_password(self):
        r = self.site.request("cgi-bin/stats.cgi")
        self.assertEqual(r.status, 403)


if __name__ == "__main__":
    unittest.main()
