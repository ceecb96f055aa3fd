"""Extraction cases from public bug reports about other image extractors,
run through extract.cgi: each page lists URLs that must and must not appear."""
import os

import harness

CASES = os.path.join(harness.SHARED, "cases")


def read_expected(path, origin, folder):
    must, must_not = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            line = line.replace("{O}", origin).replace("{DIR}", folder)
            (must_not if line.startswith("!") else must).append(line.lstrip("!"))
    return must, must_not


class BugReportCases(harness.SiteTest):
    def test_every_case(self):
        if not os.path.isdir(CASES):
            self.skipTest(f"shared extraction cases not found at {CASES}")
        names = sorted(n[:-5] for n in os.listdir(CASES) if n.endswith(".html"))
        self.assertTrue(names)
        for name in names:
            with self.subTest(case=name):
                r = self.site.extract(f"{self.origin}/cases/{name}.html")
                self.assertEqual(r.status, 200, r.body[:200])
                found = {i["url"] for i in r.json()["images"]}
                must, must_not = read_expected(os.path.join(CASES, name + ".expected"),
                                               self.origin, "/cases/")
                for url in must:
                    self.assertIn(url, found)
                for url in must_not:
                    self.assertNotIn(url, found)
