"""The installed site: htaccess rules, security headers and first-run errors."""
import os
import shutil
import subprocess
import tempfile

import harness


class PageHeaders(harness.SiteTest):
    def test_page_served_with_security_headers(self):
        r = self.site.request("/")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        csp = r.headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")

    def test_privacy_and_terms_pages(self):
        for page in ("privacy.html", "terms.html"):
            with self.subTest(page=page):
                r = self.site.request(page)
                self.assertEqual(r.status, 200)
                self.assertIn("Content-Security-Policy", r.headers)

    def test_htaccess_not_served(self):
        self.assertEqual(self.site.request(".htaccess").status, 403)
        self.assertEqual(self.site.request("cgi-bin/.htaccess").status, 403)

    def test_no_directory_listing(self):
        self.assertEqual(self.site.request("cgi-bin/").status, 403)

    def test_data_folder_htaccess_denies(self):
        # A host who uploads the data folder inside the web root by mistake
        # is still protected by the folder's own .htaccess.
        inside = os.path.join(self.site.run_dir, "site", "public_html", "data-copy")
        os.makedirs(inside, exist_ok=True)
        shutil.copy(os.path.join(harness.TOP, "htaccess", "imagegather-data.htaccess"),
                    os.path.join(inside, ".htaccess"))
        with open(os.path.join(inside, "secret.key"), "w") as f:
            f.write("x")
        os.chmod(inside, 0o755)
        os.chmod(os.path.join(inside, "secret.key"), 0o644)
        try:
            self.assertEqual(self.site.request("data-copy/secret.key").status, 403)
        finally:
            shutil.rmtree(inside)

    def test_program_headers_not_overridden(self):
        r = self.site.preview(self.fixture("img/evil.svg"))
        self.assertIn("sandbox", r.headers["Content-Security-Policy"])


class FirstRun(harness.SiteTest):
    def test_missing_configuration_names_the_file(self):
        folder = tempfile.mkdtemp(prefix="imagegather-firstrun-")
        try:
            program = os.path.join(folder, "cgi-bin", "extract.cgi")
            os.makedirs(os.path.dirname(program))
            shutil.copy(os.path.join(harness.CGI_DIR, "extract.cgi"), program)
            env = {"REQUEST_METHOD": "GET", "QUERY_STRING": "", "PATH": "/usr/bin:/bin"}
            out = subprocess.run([program], env=env, capture_output=True, timeout=30)
            head = out.stdout.decode("utf-8", "replace")
            self.assertIn("Status: 500", head)
            self.assertIn("server_misconfigured", head)
            self.assertIn("imagegather-data/imagegather.conf", head)
        finally:
            shutil.rmtree(folder)

    def install_program(self):
        """Copies extract.cgi into a new account-like folder with a valid
        configuration; returns (program, data folder)."""
        folder = tempfile.mkdtemp(prefix="imagegather-datafolder-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        os.chmod(folder, 0o755)
        program = os.path.join(folder, "public_html", "cgi-bin", "extract.cgi")
        os.makedirs(os.path.dirname(program), 0o755)
        os.chmod(os.path.join(folder, "public_html"), 0o755)
        shutil.copy(os.path.join(harness.CGI_DIR, "extract.cgi"), program)
        os.chmod(program, 0o755)
        data = os.path.join(folder, "imagegather-data")
        os.mkdir(data, 0o700)
        config = os.path.join(data, "imagegather.conf")
        with open(config, "w") as f:
            f.write("data_dir = .\n")
        os.chmod(config, 0o600)
        return program, data

    def run_program(self, program, **popen_args):
        env = {"REQUEST_METHOD": "GET", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1",
               "PATH": "/usr/bin:/bin"}
        out = subprocess.run([program], env=env, capture_output=True, timeout=30,
                             **popen_args)
        return out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")

    def test_open_data_folder_rejected(self):
        program, data = self.install_program()
        os.chmod(data, 0o777)
        head, log = self.run_program(program)
        self.assertIn("Status: 500", head)
        self.assertIn("server_misconfigured", head)
        self.assertIn("not private", head)
        self.assertIn("chmod 700", head)
        self.assertIn("mode 0777", log)

    def test_unreadable_data_folder_named(self):
        program, data = self.install_program()
        run_as = {}
        if os.geteuid() == 0:
            # Root ignores permissions, so the program runs as nobody instead.
            run_as = {"user": "nobody", "group": "nogroup", "extra_groups": []}
        else:
            os.chmod(data, 0)
            self.addCleanup(os.chmod, data, 0o700)
        head, _ = self.run_program(program, cwd="/", **run_as)
        self.assertIn("Status: 500", head)
        self.assertIn("server_misconfigured", head)
        self.assertIn("imagegather-data/imagegather.conf: Permission denied", head)
        self.assertNotIn("no configuration file", head)
