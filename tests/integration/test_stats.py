"""stats.cgi: refused without HTTP authentication, and the same figures as
HTML, as JSON over HTTP and from `stats.cgi --json` once it is enabled."""
import base64
import hashlib
import json
import os
import re
import subprocess
import unittest

import harness

USER, PASSWORD = "owner", "correct horse"


def enable_basic_auth(site):
    """Turns on the commented stats.cgi block of the site's cgi-bin/.htaccess
    with a password file outside the web root, as INSTALL.md describes."""
    password_file = os.path.join(site.run_dir, "stats.htpasswd")
    hashed = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], capture_output=True,
                            text=True, check=True).stdout.strip()
    with open(password_file, "w") as f:
        f.write(f"{USER}:{hashed}\n")
    os.chmod(password_file, 0o644)
    htaccess = os.path.join(site.run_dir, "site", "public_html", "cgi-bin", ".htaccess")
    with open(htaccess) as f:
        text = f.read()
    block = re.search(r'^#<Files "stats\.cgi">\n(?:#.*\n)*?#</Files>\n', text, re.M)
    assert block, "cgi-bin.htaccess has no commented stats.cgi block"
    enabled = "".join(line[1:] + "\n" for line in block.group(0).splitlines())
    enabled = re.sub(r"AuthUserFile .*", f"AuthUserFile {password_file}", enabled)
    with open(htaccess, "w") as f:
        f.write(text.replace(block.group(0), enabled))


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class StatsWithoutAuthTest(harness.SiteTest):

    def test_refused_with_instructions(self):
        r = self.site.request("cgi-bin/stats.cgi")
        self.assertEqual(r.status, 403)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        page = r.body.decode()
        self.assertIn("AuthUserFile", page)
        self.assertIn("htpasswd", page)
        self.assertIn("default-src 'none'", r.headers["Content-Security-Policy"])

    def test_query_arguments_ignored(self):
        # Apache passes a query string without "=" as command-line arguments.
        r = self.site.request("cgi-bin/stats.cgi?--json")
        self.assertEqual(r.status, 403)
        self.assertNotIn(b'"days"', r.body)


class StatsWithAuthTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.site = harness.Site()
        enable_basic_auth(cls.site)
        cls.origin = harness.Context.origin_url

    @classmethod
    def tearDownClass(cls):
        cls.site.remove()

    def stats(self, **params):
        return self.site.request("cgi-bin/stats.cgi", params or None,
                                 headers=basic(USER, PASSWORD))

    def test_wrong_password_refused(self):
        r = self.site.request("cgi-bin/stats.cgi", headers=basic(USER, "wrong"))
        self.assertEqual(r.status, 401)

    def test_page_has_table_and_chart(self):
        r = self.stats()
        self.assertEqual(r.status, 200, r.body[:300])
        page = r.body.decode()
        self.assertIn("<table>", page)
        self.assertIn("<svg", page)
        self.assertNotIn("<script", page)
        self.assertNotIn("src=", page)

    def test_csp_allows_only_the_style(self):
        r = self.stats()
        style = re.search(r"<style>(.*?)</style>", r.body.decode(), re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        csp = r.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn(f"style-src 'sha256-{digest}'", csp)

    def test_counts_extraction_with_label(self):
        gallery = f"{self.origin}/fixtures/gallery.html"
        self.assertEqual(self.site.extract(gallery, page="news").status, 200)
        data = self.stats(format="json").json()
        self.assertEqual(len(data["days"]), 30)
        self.assertGreaterEqual(data["totals"]["extract"], 1)
        self.assertGreaterEqual(data["daily"][-1]["extract"], 1)
        labels = {entry["label"]: entry["counts"] for entry in data["labels"]}
        self.assertGreaterEqual(labels["news"]["extract"], 1)
        page = self.stats().body.decode()
        self.assertIn("<td>news</td>", page)

    def test_command_prints_same_json(self):
        over_http = self.stats(format="json").json()
        env = dict(os.environ, IMAGEGATHER_CONFIG=os.path.join(self.site.data_dir,
                                                               "imagegather.conf"))
        env.pop("GATEWAY_INTERFACE", None)
        r = subprocess.run([os.path.join(harness.CGI_DIR, "stats.cgi"), "--json"], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), over_http)

    def test_bad_format_rejected(self):
        r = self.stats(format="xml")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["code"], "invalid_request")


if __name__ == "__main__":
    unittest.main()
