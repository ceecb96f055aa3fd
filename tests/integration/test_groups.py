"""extract.cgi fields group, best and thumbnail, and candidates of kind original."""
import urllib.parse

import harness

PAGE = """<!DOCTYPE html><title>Groups</title>
<img src="/fixtures/img/blue-320.png" srcset="/fixtures/img/blue-640.png 2x" width="320">
<img src="/wp-content/uploads/2024/01/red-150x150.png" alt="Red">
"""


class Groups(harness.SiteTest):
    def setUp(self):
        super().setUp()
        url = f"{self.origin}/page?" + urllib.parse.urlencode({"html": PAGE})
        response = self.site.extract(url)
        self.assertEqual(response.status, 200, response.body[:300])
        self.images = response.json()["images"]
        self.by_url = {i["url"]: i for i in self.images}

    def test_every_image_has_group_fields(self):
        for image in self.images:
            with self.subTest(url=image["url"]):
                self.assertIsInstance(image["group"], int)
                self.assertIsInstance(image["best"], bool)
                self.assertIn("thumbnail", image)

    def test_srcset_shares_group_and_larger_is_best(self):
        small = self.by_url[self.fixture("img/blue-320.png")]
        large = self.by_url[self.fixture("img/blue-640.png")]
        self.assertEqual(small["group"], 1)
        self.assertEqual(large["group"], 1)
        self.assertTrue(large["best"])
        self.assertFalse(small["best"])

    def test_wordpress_original(self):
        thumb = f"{self.origin}/wp-content/uploads/2024/01/red-150x150.png"
        original = self.by_url[f"{self.origin}/wp-content/uploads/2024/01/red.png"]
        self.assertEqual(original["kind"], "original")
        self.assertEqual(original["thumbnail"], thumb)
        self.assertEqual(original["alt"], "Red")
        self.assertEqual(original["group"], self.by_url[thumb]["group"])
        self.assertFalse(original["best"])
        self.assertTrue(self.by_url[thumb]["best"])
        self.assertIsNone(self.by_url[thumb]["thumbnail"])
