"""Shared set-up for the integration tests: a loopback origin server and real
Apache sites running the built CGI programs with the project's htaccess files.

The runner (run.py) starts one default site; tests that need other settings
start their own with start_site().
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests"))
import origin  # noqa: E402

SHARED = os.environ.get("IMAGEGATHER_SHARED", os.path.join(TOP, "..", "shared"))
CGI_DIR = os.environ.get("IMAGEGATHER_CGI_DIR", os.path.join(TOP, "cgi-bin"))
CLEANUP = os.environ.get("IMAGEGATHER_CLEANUP",
                         os.path.join(TOP, "cron", "imagegather-cleanup"))

NO_LIMITS = ("limit_extract_per_hour = 0\nlimit_preview_per_hour = 0\n"
             "limit_export_per_hour = 0\n")

# Requests never go through a proxy, whatever proxy variables the environment sets.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(text):
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def lines(self):
        return [json.loads(l) for l in self.body.decode("utf-8").splitlines() if l]


class Site:
    """An installed copy of ImageGather under its own Apache."""

    def __init__(self, config_extra="", allow_networks="127.0.0.0/8 ::1",
                 cgi_dir=None, apache_extra=""):
        self.run_dir = tempfile.mkdtemp(prefix="imagegather-site-")
        os.chmod(self.run_dir, 0o755)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data_dir = os.path.join(self.run_dir, "site", "imagegather-data")
        self.error_log = os.path.join(self.run_dir, "apache", "error.log")
        # Tests send many requests from one address; sites that test the
        # limits set them again in config_extra, where later lines win.
        config = NO_LIMITS + config_extra
        env = dict(os.environ, RUN_DIR=self.run_dir, CGI_DIR=cgi_dir or CGI_DIR,
                   CONFIG_EXTRA=config, ALLOW_NETWORKS=allow_networks,
                   APACHE_EXTRA=apache_extra)
        subprocess.run([os.path.join(TOP, "scripts", "serve.sh"), "start",
                        str(self.port)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        self.env = env
        self.wait_ready()

    def wait_ready(self):
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Apache on port {self.port} did not start")

    def stop(self):
        subprocess.run([os.path.join(TOP, "scripts", "serve.sh"), "stop"],
                       env=self.env, check=False)

    def remove(self):
        self.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def errors(self):
        """Returns sanitizer reports and crashes found in Apache's error log."""
        try:
            with open(self.error_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        marks = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                 "Premature end of script headers", "Segmentation fault")
        return "\n".join(l for l in text.splitlines() if any(m in l for m in marks))

    def request(self, path, params=None, method="GET", body=None,
                headers=None, follow=True, timeout=60):
        url = self.url + path.lstrip("/")
        data = None
        if params is not None and method == "GET":
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        elif params is not None:
            data = urllib.parse.urlencode(params, doseq=True).encode("ascii")
        if body is not None:
            data = body
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers or {})
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        opener = OPENER if follow else urllib.request.build_opener(
            urllib.request.ProxyHandler({}), NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def extract(self, page_url, **extra):
        params = {"u": b64url(page_url)}
        params.update(extra)
        return self.request("cgi-bin/extract.cgi", params, method="POST")

    def preview(self, image_url):
        return self.request("cgi-bin/preview.cgi", {"u": b64url(image_url)})

    def export(self, urls, **extra):
        params = [("u", b64url(u)) for u in urls] + list(extra.items())
        return self.request("cgi-bin/export.cgi", params, method="POST")


class Context:
    """The origin and the default site, shared by every test of a run."""
    origin = None
    origin_url = None
    site = None


def start_shared():
    server, port = origin.start()
    Context.origin = server
    Context.origin_url = f"http://127.0.0.1:{port}"
    Context.site = Site()


def stop_shared():
    if Context.site:
        Context.site.remove()
    if Context.origin:
        Context.origin.shutdown()


class SiteTest(unittest.TestCase):
    """Base class: self.site, self.origin (URL without a trailing slash)."""

    def setUp(self):
        self.site = Context.site
        self.origin = Context.origin_url

    def assertError(self, response, status, code):
        self.assertEqual(response.status, status, response.body[:300])
        self.assertEqual(response.json()["error"]["code"], code)
        self.assertTrue(response.json()["error"]["message"])

    def fixture(self, name):
        return f"{self.origin}/fixtures/{name}"


def in_private_network():
    """Tells whether the only interface is loopback, as inside unshare --net.
    /proc/net/dev follows the process's network namespace; /sys may not."""
    try:
        with open("/proc/net/dev") as f:
            names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]
