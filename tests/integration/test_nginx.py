"""The Nginx server block of docs/INSTALL.md, run by Nginx with fcgiwrap.

The test reads the block from the guide itself, changes only the port, the
folders, the fcgiwrap socket and the password file, and serves a site laid
out as the guide describes (/srv/imagegather/ becomes a temporary folder).
As root, fcgiwrap and Nginx's workers run as www-data, as on Debian;
otherwise both run as the current user. Needs Debian's nginx and fcgiwrap
packages and skips, saying so, without them."""
import base64
import io
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import zipfile

import harness

NGINX = "/usr/sbin/nginx"
FCGIWRAP = "/usr/sbin/fcgiwrap"
GUIDE = os.path.join(harness.TOP, "docs", "INSTALL.md")
PASSWORD = "correct horse"


def guide_server_block():
    """Returns the server block of the guide's "Nginx with fcgiwrap" section,
    without the four spaces that indent it there."""
    with open(GUIDE, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## Nginx with fcgiwrap"):]
    match = re.search(r"^    server \{\n.*?^    \}\n", section, re.S | re.M)
    if not match:
        raise AssertionError("docs/INSTALL.md has no server block under 'Nginx with fcgiwrap'")
    return "\n".join(line[4:] for line in match.group(0).splitlines()) + "\n"


def service_user():
    """Returns (name, uid, gid) of the user that runs fcgiwrap and the programs."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam("www-data")
    else:
        entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def wait_for(predicate, what):
    for _ in range(200):
        if predicate():
            return
        time.sleep(0.025)
    raise RuntimeError(f"{what} did not start")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


class NginxSite:
    """The Nginx site: the request helpers of harness.Site on another URL."""
    request = harness.Site.request
    extract = harness.Site.extract
    preview = harness.Site.preview
    export = harness.Site.export

    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}/"


@unittest.skipUnless(os.path.exists(NGINX) and os.path.exists(FCGIWRAP),
                     "nginx or fcgiwrap is not installed (scripts/deps.sh test installs them)")
class NginxFcgiwrapTest(harness.SiteTest):

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="imagegather-nginx-")
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        os.chmod(cls.root, 0o755)
        cls.user, cls.uid, cls.gid = service_user()
        cls.install()
        cls.port = harness.free_port()
        cls.write_nginx_config()
        cls.start_fcgiwrap()
        cls.start_nginx()
        cls.site = NginxSite(cls.port)

    @classmethod
    def install(cls):
        """Lays out the site as the guide's plain Apache section does: the
        programs in public_html/cgi-bin/, the data folder next to public_html
        and owned by the programs' user."""
        site = os.path.join(cls.root, "srv")
        cls.public = os.path.join(site, "public_html")
        shutil.copytree(os.path.join(harness.TOP, "public_html"), cls.public)
        cgi_bin = os.path.join(cls.public, "cgi-bin")
        os.makedirs(cgi_bin, exist_ok=True)
        for name in ("extract.cgi", "preview.cgi", "export.cgi", "stats.cgi"):
            shutil.copy(os.path.join(harness.CGI_DIR, name), os.path.join(cgi_bin, name))
            os.chmod(os.path.join(cgi_bin, name), 0o755)
        # Nginx ignores .htaccess files, but they are part of the site and must not be served.
        shutil.copy(os.path.join(harness.TOP, "htaccess", "public_html.htaccess"),
                    os.path.join(cls.public, ".htaccess"))
        for folder, dirs, files in os.walk(site):
            os.chmod(folder, 0o755)
        data = os.path.join(site, "imagegather-data")
        os.mkdir(data, 0o700)
        config = os.path.join(data, "imagegather.conf")
        with open(config, "w") as f:
            f.write("data_dir = .\n" + harness.NO_LIMITS + "allow_networks = 127.0.0.0/8\n")
        os.chmod(config, 0o600)
        for path in (data, config):
            os.chown(path, cls.uid, cls.gid)

    @classmethod
    def write_nginx_config(cls):
        run = os.path.join(cls.root, "run")
        os.mkdir(run, 0o755)
        os.chown(run, cls.uid, cls.gid)
        cls.socket = os.path.join(run, "fcgiwrap.socket")
        passwords = os.path.join(cls.root, "imagegather-stats.htpasswd")
        digest = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], check=True,
                                capture_output=True, text=True).stdout.strip()
        with open(passwords, "w") as f:
            f.write(f"owner:{digest}\n")
        os.chmod(passwords, 0o644)
        block = guide_server_block()
        for old, new in (("listen 80;", f"listen 127.0.0.1:{cls.port};"),
                         ("/srv/imagegather/", os.path.join(cls.root, "srv") + "/"),
                         ("unix:/run/fcgiwrap.socket", f"unix:{cls.socket}"),
                         ("/etc/nginx/imagegather-stats.htpasswd", passwords)):
            if old not in block:
                raise AssertionError(f"the guide's server block no longer contains {old!r}")
            block = block.replace(old, new)
        conf = os.path.join(cls.root, "nginx")
        os.mkdir(conf, 0o755)
        shutil.copy("/etc/nginx/fastcgi_params", conf)
        shutil.copy("/etc/nginx/mime.types", conf)
        user = f"user {cls.user};\n" if os.geteuid() == 0 else ""
        temp = "\n".join(f"    {kind}_temp_path {conf}/{kind}-temp;"
                         for kind in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"))
        cls.error_log = os.path.join(conf, "error.log")
        cls.nginx_conf = os.path.join(conf, "nginx.conf")
        with open(cls.nginx_conf, "w") as f:
            f.write(f"{user}worker_processes 1;\npid {conf}/nginx.pid;\n"
                    f"error_log {cls.error_log} warn;\nevents {{ worker_connections 64; }}\n"
                    f"http {{\n    include mime.types;\n    access_log off;\n{temp}\n"
                    f"{block}}}\n")

    @classmethod
    def start_fcgiwrap(cls):
        as_user = {}
        if os.geteuid() == 0:
            as_user = {"user": cls.uid, "group": cls.gid, "extra_groups": []}
        cls.fcgiwrap = subprocess.Popen([FCGIWRAP, "-c", "4", "-s", f"unix:{cls.socket}"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        start_new_session=True, cwd="/", **as_user)
        cls.addClassCleanup(cls.stop_process_group, cls.fcgiwrap)
        wait_for(lambda: os.path.exists(cls.socket), "fcgiwrap")

    @classmethod
    def start_nginx(cls):
        conf_dir = os.path.dirname(cls.nginx_conf)
        cls.nginx = subprocess.Popen(
            [NGINX, "-c", cls.nginx_conf, "-p", conf_dir, "-e", cls.error_log,
             "-g", "daemon off;"], stdin=subprocess.DEVNULL, start_new_session=True)
        cls.addClassCleanup(cls.stop_process_group, cls.nginx)
        wait_for(lambda: port_open(cls.port), "nginx")

    @staticmethod
    def stop_process_group(process):
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def setUp(self):
        self.origin = harness.Context.origin_url

    def log(self):
        with open(self.error_log, errors="replace") as f:
            return f.read()[-2000:]

    def test_page_has_security_headers(self):
        r = self.site.request("")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<form", r.body)
        self.assertEqual(len(r.headers.get_all("Content-Security-Policy")), 1)
        self.assertIn("script-src 'self'", r.headers["Content-Security-Policy"])
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r.headers["X-Frame-Options"], "DENY")

    def test_extract(self):
        r = self.site.extract(self.fixture("gallery.html"))
        self.assertEqual(r.status, 200, r.body[:300] + self.log().encode())
        self.assertTrue(r.json()["images"])

    def test_preview_keeps_program_headers(self):
        r = self.site.preview(self.fixture("img/evil.svg"))
        self.assertEqual(r.status, 200, r.body[:300])
        policies = r.headers.get_all("Content-Security-Policy")
        self.assertEqual(len(policies), 1, policies)
        self.assertIn("sandbox", policies[0])

    def test_export_and_download(self):
        urls = [self.fixture("img/red.png"), self.fixture("img/photo.jpg")]
        done = self.site.export(urls).lines()[-1]
        self.assertEqual(done.get("count"), 2, done)
        r = self.site.request("cgi-bin/export.cgi", {"token": done["token"]})
        self.assertEqual(r.status, 200)
        with zipfile.ZipFile(io.BytesIO(r.body)) as z:
            self.assertIsNone(z.testzip())
            self.assertEqual(len(z.namelist()), 2)

    def test_stats_needs_password(self):
        r = self.site.request("cgi-bin/stats.cgi")
        self.assertEqual(r.status, 401)

    def test_stats_with_password(self):
        headers = {"Authorization": "Basic " + base64.b64encode(
            f"owner:{PASSWORD}".encode()).decode("ascii")}
        r = self.site.request("cgi-bin/stats.cgi", headers=headers)
        self.assertEqual(r.status, 200, r.body[:300] + self.log().encode())
        # Only stats.cgi's own policy, which allows its inline style by hash.
        policies = r.headers.get_all("Content-Security-Policy")
        self.assertEqual(len(policies), 1, policies)
        self.assertIn("sha256-", policies[0])
        r = self.site.request("cgi-bin/stats.cgi", {"format": "json"}, headers=headers)
        self.assertEqual(r.status, 200)
        self.assertIn("days", r.json())

    def test_other_files_denied(self):
        for path in (".htaccess", "cgi-bin/", "cgi-bin/stats", "cgi-bin/extract.cgi/x",
                     "cgi-bin/other.cgi", "imagegather-data/imagegather.conf"):
            with self.subTest(path=path):
                r = self.site.request(path)
                self.assertIn(r.status, (403, 404), r.body[:200])
                self.assertNotIn(b"data_dir", r.body)


if __name__ == "__main__":
    unittest.main()
