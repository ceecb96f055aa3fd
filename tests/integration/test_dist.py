"""The release archive of `make dist`: static programs, layout, modes, and a
run inside an empty chroot that fetches over HTTP and HTTPS.

Needs the archive path in IMAGEGATHER_DIST (run.py --dist; make check sets
it) and root for chroot; skips, saying why, without them."""
import json
import os
import shutil
import ssl
import stat
import subprocess
import tarfile
import tempfile
import threading
import unittest
import urllib.parse
import zipfile

import harness
import origin

DIST = os.environ.get("IMAGEGATHER_DIST", "")
CGIS = ("extract.cgi", "preview.cgi", "export.cgi", "stats.cgi")
# A host name the chroot's /etc/hosts maps to loopback; "test" names are special-use
# and refused before any lookup.
ORIGIN_HOST = "origin.example"
# "bücher.example" and its IDNA (UTS #46) form, which the static libidn2 must
# produce. "example" is reserved (RFC 2606) but not a special-use name that
# the fetch refuses to look up; the chroot's /etc/hosts resolves it.
IDN_HOST = "b\u00fccher.example"
IDN_HOST_ASCII = "xn--bcher-kva.example"


def archive_root(folder):
    """Returns the single top folder the archive unpacked into."""
    names = os.listdir(folder)
    assert len(names) == 1, names
    return os.path.join(folder, names[0])


def programs(root):
    return [os.path.join(root, "public_html", "cgi-bin", name) for name in CGIS] + [
        os.path.join(root, "cron", "imagegather-cleanup")]


def make_test_ca(folder):
    """Creates a certificate authority and a server certificate for
    ORIGIN_HOST and 127.0.0.1 with openssl; returns (ca, cert, key) paths."""
    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.crt")
    key, csr = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr")
    cert, ext = os.path.join(folder, "server.crt"), os.path.join(folder, "server.ext")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
        "-out", ca, "-days", "2", "-subj", "/CN=ImageGather test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
        "-subj", f"/CN={ORIGIN_HOST}")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{ORIGIN_HOST},IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
        "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def start_tls_origin(cert, key):
    """Starts tests/origin.py's handler behind TLS on loopback; returns (server, port)."""
    server = origin.Server(("127.0.0.1", 0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@unittest.skipUnless(DIST, "IMAGEGATHER_DIST is not set (make check sets it after make dist)")
class DistArchiveTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="imagegather-dist-")
        with tarfile.open(DIST) as t:
            t.extractall(os.path.join(cls.tmp, "tar"))
        cls.root = archive_root(os.path.join(cls.tmp, "tar"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_programs_have_no_interpreter(self):
        for program in programs(self.root):
            with self.subTest(program=os.path.basename(program)):
                out = subprocess.run(["file", "-b", program], capture_output=True,
                                     text=True, check=True).stdout
                self.assertIn("statically linked", out)
                self.assertNotIn("interpreter", out)
                headers = subprocess.run(["readelf", "-lW", program], capture_output=True,
                                         text=True, check=True).stdout
                self.assertNotIn("INTERP", headers)

    def test_programs_need_no_library(self):
        for program in programs(self.root):
            with self.subTest(program=os.path.basename(program)):
                out = subprocess.run(["readelf", "-dW", program], capture_output=True,
                                     text=True, check=True).stdout
                self.assertNotIn("NEEDED", out)

    def test_layout(self):
        for path in ("public_html/index.html", "public_html/.htaccess",
                     "public_html/cgi-bin/.htaccess", "imagegather-data/.htaccess",
                     "imagegather-data/imagegather.conf",
                     "imagegather-data/ca-certificates.crt", "cron/crontab.example",
                     "INSTALL.md", "BUILD.md", "LICENSE"):
            with self.subTest(path=path):
                self.assertTrue(os.path.isfile(os.path.join(self.root, path)))

    def test_hashed_certificate_folder(self):
        certs = os.path.join(self.root, "imagegather-data", "certs")
        names = os.listdir(certs)
        with open(os.path.join(self.root, "imagegather-data", "ca-certificates.crt")) as f:
            self.assertEqual(len(names), f.read().count("-----BEGIN CERTIFICATE-----"))
        for name in names:
            self.assertRegex(name, r"^[0-9a-f]{8}\.[0-9]+$")
            self.assertTrue(os.path.isfile(os.path.join(certs, name)))
            self.assertFalse(os.path.islink(os.path.join(certs, name)))

    def test_modes(self):
        for program in programs(self.root):
            self.assertEqual(stat.S_IMODE(os.stat(program).st_mode), 0o755, program)
        data = os.path.join(self.root, "imagegather-data")
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(data, "certs")).st_mode), 0o700)
        for name in ["imagegather.conf", "ca-certificates.crt"] + [
                os.path.join("certs", n) for n in os.listdir(os.path.join(data, "certs"))]:
            mode = stat.S_IMODE(os.stat(os.path.join(data, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        for folder, dirs, files in os.walk(self.root):
            for name in dirs + files:
                mode = os.lstat(os.path.join(folder, name)).st_mode
                self.assertFalse(mode & 0o022, os.path.join(folder, name))

    def test_zip_has_same_files_and_modes(self):
        zip_path = DIST[:-len(".tar.gz")] + ".zip"
        with tarfile.open(DIST) as t:
            in_tar = {m.name.rstrip("/"): stat.S_IMODE(m.mode) for m in t.getmembers()}
        with zipfile.ZipFile(zip_path) as z:
            in_zip = {i.filename.rstrip("/"): stat.S_IMODE(i.external_attr >> 16)
                      for i in z.infolist()}
        self.assertEqual(in_tar, in_zip)


@unittest.skipUnless(DIST, "IMAGEGATHER_DIST is not set (make check sets it after make dist)")
@unittest.skipUnless(os.geteuid() == 0, "chroot needs root")
class ChrootTest(unittest.TestCase):
    """The archive alone, plus /etc/hosts and /proc, as the whole file system."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="imagegather-chroot-")
        os.chmod(cls.tmp, 0o755)
        unpacked = os.path.join(cls.tmp, "unpacked")
        with tarfile.open(DIST) as t:
            t.extractall(unpacked)
        cls.root = os.path.join(cls.tmp, "root")
        os.rename(archive_root(unpacked), cls.root)
        os.makedirs(os.path.join(cls.root, "etc"))
        os.makedirs(os.path.join(cls.root, "proc"))
        with open(os.path.join(cls.root, "etc", "hosts"), "w") as f:
            f.write(f"127.0.0.1 localhost {ORIGIN_HOST} {IDN_HOST_ASCII}\n")

        ca, cert, key = make_test_ca(cls.tmp)
        cls.ca = ca
        data = os.path.join(cls.root, "imagegather-data")
        cls.data = data
        # The test CA goes into the hashed folder only, so HTTPS works only
        # when the programs use that folder.
        ca_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", ca],
                                 capture_output=True, text=True, check=True).stdout.strip()
        shutil.copy(ca, os.path.join(data, "certs", f"{ca_hash}.0"))
        cls.tls_server, tls_port = start_tls_origin(cert, key)
        cls.https_origin = f"https://{ORIGIN_HOST}:{tls_port}"
        with open(os.path.join(data, "imagegather.conf"), "a") as f:
            f.write(harness.NO_LIMITS)
            f.write("allow_networks = 127.0.0.0/8\n")
            f.write(f"check_url = {cls.https_origin}/fixtures/gallery.html\n")

    @classmethod
    def tearDownClass(cls):
        cls.tls_server.shutdown()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_in_chroot(self, program, args=(), env=None, body=b""):
        """Runs program (a path inside the chroot) with a fresh /proc in a
        private mount namespace, so nothing stays mounted afterwards."""
        script = 'mount -t proc proc "$1/proc" && exec chroot "$@"'
        command = ["unshare", "--mount", "--fork", "sh", "-c", script, "sh", self.root,
                   program, *args]
        clean_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        clean_env.update(env or {})
        return subprocess.run(command, input=body, env=clean_env, capture_output=True,
                              timeout=60)

    def cgi(self, program, query="", method="GET", body=b""):
        env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method,
               "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1"}
        if body:
            env.update(CONTENT_TYPE="application/x-www-form-urlencoded",
                       CONTENT_LENGTH=str(len(body)))
        r = self.run_in_chroot(f"/public_html/cgi-bin/{program}", env=env, body=body)
        head, _, payload = r.stdout.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"Status: "), r.stdout[:300] + r.stderr[-500:])
        return int(head.split()[1]), payload, r.stderr

    def extract(self, url):
        return self.cgi("extract.cgi", "u=" + harness.b64url(url))

    def test_rejects_invalid_request(self):
        status, payload, _ = self.cgi("extract.cgi")
        self.assertEqual(status, 400, payload)
        self.assertEqual(json.loads(payload)["error"]["code"], "invalid_url")

    def test_extract_over_http(self):
        status, payload, err = self.extract(
            f"http://{ORIGIN_HOST}:{harness.Context.origin.server_address[1]}"
            "/fixtures/gallery.html")
        self.assertEqual(status, 200, payload[:300] + err[-500:])
        urls = [i["url"] for i in json.loads(payload)["images"]]
        self.assertTrue(any(u.endswith("img/red.png") for u in urls), urls)

    def test_extract_international_host(self):
        port = harness.Context.origin.server_address[1]
        status, payload, err = self.extract(f"http://{IDN_HOST}:{port}/fixtures/gallery.html")
        self.assertEqual(status, 200, payload[:300] + err[-500:])
        urls = [i["url"] for i in json.loads(payload)["images"]]
        self.assertIn(f"http://{IDN_HOST_ASCII}:{port}/fixtures/img/red.png", urls)

    def test_extract_legacy_encoding(self):
        """musl's own iconv decodes Shift_JIS without glibc's gconv modules."""
        port = harness.Context.origin.server_address[1]
        query = urllib.parse.urlencode({"file": "encodings/shift_jis.html", "type": "text/html"})
        status, payload, err = self.extract(f"http://{ORIGIN_HOST}:{port}/typed?{query}")
        self.assertEqual(status, 200, payload[:300] + err[-500:])
        result = json.loads(payload)
        self.assertEqual(result["page"]["encoding"], "Shift_JIS")
        self.assertEqual(result["page"]["title"], "日本の写真")
        self.assertEqual([i["alt"] for i in result["images"]], ["日本の写真"])
        path = urllib.parse.quote("日本の写真.png".encode("utf-8"), safe="")
        self.assertTrue(result["images"][0]["url"].startswith(
            f"http://{ORIGIN_HOST}:{port}/fixtures/img/{path}?q="), result["images"][0]["url"])

    def test_extract_over_https(self):
        status, payload, err = self.extract(f"{self.https_origin}/fixtures/gallery.html")
        self.assertEqual(status, 200, payload[:300] + err[-500:])
        urls = [i["url"] for i in json.loads(payload)["images"]]
        self.assertTrue(any(u.endswith("img/red.png") for u in urls), urls)

    def test_preview_over_https(self):
        status, payload, err = self.cgi(
            "preview.cgi", "u=" + harness.b64url(f"{self.https_origin}/fixtures/img/red.png"))
        self.assertEqual(status, 200, err[-500:])
        self.assertTrue(payload.startswith(b"\x89PNG"))

    def test_bundle_used_without_folder(self):
        certs = os.path.join(self.data, "certs")
        bundle = os.path.join(self.data, "ca-certificates.crt")
        shutil.copy(bundle, bundle + ".orig")
        os.rename(certs, certs + ".off")
        try:
            status, _, _ = self.extract(f"{self.https_origin}/fixtures/gallery.html")
            self.assertNotEqual(status, 200)
            with open(self.ca) as src, open(bundle, "a") as dst:
                dst.write(src.read())
            status, payload, err = self.extract(f"{self.https_origin}/fixtures/gallery.html")
            self.assertEqual(status, 200, payload[:300] + err[-500:])
        finally:
            os.rename(certs + ".off", certs)
            os.replace(bundle + ".orig", bundle)

    def test_cleanup_check_passes(self):
        r = self.run_in_chroot("/cron/imagegather-cleanup", ["--check"])
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("ok: CA folder /cron/../imagegather-data/certs", out)
        self.assertIn(f"ok: fetched check_url {self.https_origin}", out)
        self.assertIn("All checks passed.", out)

    def test_stats_json_command(self):
        r = self.run_in_chroot("/public_html/cgi-bin/stats.cgi", ["--json"])
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        stats = json.loads(r.stdout)
        self.assertEqual(len(stats["days"]), 30)
