/* Unit tests for image discovery: one per source kind and per known trap, plus a run over the page corpus. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "discover.h"

#define PAGE "http://h.test/dir/page.html"

static struct image_list list;
static struct page_meta meta;

/* Runs discovery on html with room for max candidates and asserts success. */
static void discover_max(const char *html, size_t max)
{
	char err[256] = "";
	image_list_init(&list, max);
	int rc = discover_images(html, strlen(html), PAGE, &list, &meta, err, sizeof err);
	ck_assert_msg(rc == 0, "discovery failed: %s", err);
}

static void discover(const char *html)
{
	discover_max(html, 500);
}

static void teardown(void)
{
	image_list_free(&list);
	page_meta_free(&meta);
}

static const struct image *find(const char *url)
{
	for (size_t i = 0; i < list.count; i++) {
		if (strcmp(list.items[i].url, url) == 0)
			return &list.items[i];
	}
	return NULL;
}

/* Asserts that url was reported with kind and returns it. */
static const struct image *expect(const char *url, const char *kind)
{
	const struct image *img = find(url);
	if (!img) {
		for (size_t i = 0; i < list.count; i++)
			printf("  got %s (%s)\n", list.items[i].url, list.items[i].kind);
	}
	ck_assert_msg(img != NULL, "%s not reported", url);
	ck_assert_msg(strcmp(img->kind, kind) == 0, "%s reported as %s, expected %s", url,
		      img->kind, kind);
	return img;
}

START_TEST(img_src_alt_size)
{
	discover("<img src=a.jpg alt=\"A &amp; B\" width=\" 640px\" height=480>");
	const struct image *img = expect("http://h.test/dir/a.jpg", "img");
	ck_assert_str_eq(img->alt, "A & B");
	ck_assert_int_eq(img->width, 640);
	ck_assert_int_eq(img->height, 480);
	ck_assert_ptr_null(img->descriptor);
}
END_TEST

START_TEST(img_size_invalid)
{
	discover("<img src=a.jpg width=-5 height=x10>");
	const struct image *img = expect("http://h.test/dir/a.jpg", "img");
	ck_assert_int_eq(img->width, -1);
	ck_assert_int_eq(img->height, -1);
	ck_assert_ptr_null(img->alt);
}
END_TEST

START_TEST(img_srcset_descriptors)
{
	discover("<img src=a.jpg srcset=\"a-2x.jpg 2x, a-640.jpg 640w\">");
	ck_assert_uint_eq(list.count, 3);
	ck_assert_str_eq(expect("http://h.test/dir/a-2x.jpg", "srcset")->descriptor, "2x");
	ck_assert_str_eq(expect("http://h.test/dir/a-640.jpg", "srcset")->descriptor, "640w");
}
END_TEST

START_TEST(srcset_commas_in_urls)
{
	discover("<img srcset=\"/c_fill,w_320/a.jpg 320w, /c_fill,w_640/a.jpg 640w\">");
	ck_assert_uint_eq(list.count, 2);
	expect("http://h.test/c_fill,w_320/a.jpg", "srcset");
	expect("http://h.test/c_fill,w_640/a.jpg", "srcset");
}
END_TEST

START_TEST(picture_source)
{
	discover("<picture><source srcset=\"p.avif 1x, p2.avif 2x\" type=image/avif>"
		 "<img src=p.jpg></picture>");
	expect("http://h.test/dir/p.avif", "source");
	expect("http://h.test/dir/p2.avif", "source");
	expect("http://h.test/dir/p.jpg", "img");
	ck_assert_str_eq(list.items[0].url, "http://h.test/dir/p.avif");
}
END_TEST

START_TEST(lazy_attributes)
{
	discover("<img data-src=l1.jpg><img data-original=l2.jpg><img data-lazy-src=l3.jpg>"
		 "<img data-srcset=\"l4.jpg 1x, l5.jpg 2x\"><img data-lazy-srcset=\"l6.jpg 300w\">"
		 "<div data-src=l7.png></div><iframe data-src=frame.html></iframe>");
	expect("http://h.test/dir/l1.jpg", "lazy");
	expect("http://h.test/dir/l2.jpg", "lazy");
	expect("http://h.test/dir/l3.jpg", "lazy");
	expect("http://h.test/dir/l4.jpg", "lazy");
	ck_assert_str_eq(expect("http://h.test/dir/l5.jpg", "lazy")->descriptor, "2x");
	expect("http://h.test/dir/l6.jpg", "lazy");
	expect("http://h.test/dir/l7.png", "lazy");
	ck_assert_ptr_null(find("http://h.test/dir/frame.html"));
}
END_TEST

START_TEST(noscript_images)
{
	discover("<img class=lazy data-src=x.jpg><noscript><img src=x-full.jpg></noscript>");
	expect("http://h.test/dir/x-full.jpg", "img");
}
END_TEST

START_TEST(meta_images)
{
	discover("<head><meta property=og:image content=/og.jpg>"
		 "<meta property=\"og:image:secure_url\" content=\"https://cdn.test/og-s.jpg\">"
		 "<meta property=og:image:url content=og-u.jpg>"
		 "<meta name=twitter:image content=tw.jpg><meta name=twitter:image:src content=tw2.jpg>"
		 "<meta name=description content=notanimage.jpg></head>");
	expect("http://h.test/og.jpg", "meta");
	expect("https://cdn.test/og-s.jpg", "meta");
	expect("http://h.test/dir/og-u.jpg", "meta");
	expect("http://h.test/dir/tw.jpg", "meta");
	expect("http://h.test/dir/tw2.jpg", "meta");
	ck_assert_ptr_null(find("http://h.test/dir/notanimage.jpg"));
}
END_TEST

START_TEST(icons)
{
	discover("<head><link rel=icon href=/favicon.ico><link rel=\"shortcut icon\" href=/s.ico>"
		 "<link rel=apple-touch-icon sizes=180x180 href=/touch.png>"
		 "<link rel=apple-touch-icon-precomposed href=/pre.png>"
		 "<link rel=stylesheet href=/style.css></head>");
	expect("http://h.test/favicon.ico", "icon");
	expect("http://h.test/s.ico", "icon");
	const struct image *touch = expect("http://h.test/touch.png", "icon");
	ck_assert_int_eq(touch->width, 180);
	ck_assert_int_eq(touch->height, 180);
	expect("http://h.test/pre.png", "icon");
	ck_assert_ptr_null(find("http://h.test/style.css"));
}
END_TEST

START_TEST(css_style_attribute)
{
	discover("<div style=\"background:url(&quot;/bg1.png&quot;) no-repeat\"></div>"
		 "<div style=\"background-image: url( 'bg2.png' )\"></div>"
		 "<div style=\"background:u\\72l(bg3.png)\"></div>");
	expect("http://h.test/bg1.png", "css");
	expect("http://h.test/dir/bg2.png", "css");
	expect("http://h.test/dir/bg3.png", "css");
}
END_TEST

START_TEST(css_style_element)
{
	discover("<head><style>/* url(commented.png) */ .a{background:url(s1.png)}"
		 ".b{background:url(\"s\\32.png\")} .c{content:\"url(str.png)\"}"
		 ".d{background-image:image-set(\"set1x.png\" 1x, url(set2x.png) 2x)}</style></head>");
	expect("http://h.test/dir/s1.png", "css");
	expect("http://h.test/dir/s2.png", "css");
	expect("http://h.test/dir/set1x.png", "css");
	expect("http://h.test/dir/set2x.png", "css");
	ck_assert_ptr_null(find("http://h.test/dir/commented.png"));
	ck_assert_ptr_null(find("http://h.test/dir/str.png"));
}
END_TEST

START_TEST(css_gradient_nothing)
{
	discover("<div style=\"background:linear-gradient(rgba(0,0,0,.5), #fff), "
		 "radial-gradient(circle, red, blue)\"></div>");
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(video_poster)
{
	discover("<video poster=\"/poster.jpg\" src=movie.mp4></video>");
	expect("http://h.test/poster.jpg", "poster");
	ck_assert_uint_eq(list.count, 1);
}
END_TEST

START_TEST(input_image)
{
	discover("<form><input type=IMAGE src=go.png><input type=text src=no.png></form>");
	expect("http://h.test/dir/go.png", "input");
	ck_assert_ptr_null(find("http://h.test/dir/no.png"));
}
END_TEST

START_TEST(svg_image)
{
	discover("<svg width=10 height=10><image href=s1.png /><image xlink:href=s2.png /></svg>");
	expect("http://h.test/dir/s1.png", "svg");
	expect("http://h.test/dir/s2.png", "svg");
}
END_TEST

START_TEST(link_to_image)
{
	discover("<a href=\"full.JPEG?size=large#x\"><img src=thumb.jpg alt=Thumb></a>"
		 "<a href=page.html>p</a><a href=\"/img.png.html\">q</a><a href=b.webp>b</a>");
	const struct image *link = expect("http://h.test/dir/full.JPEG?size=large#x", "link");
	ck_assert_str_eq(link->alt, "Thumb");
	expect("http://h.test/dir/b.webp", "link");
	ck_assert_ptr_null(find("http://h.test/dir/page.html"));
	ck_assert_ptr_null(find("http://h.test/img.png.html"));
}
END_TEST

/* A data: image with a payload of more than 200 bytes. */
#define BIG_DATA "data:image/png;base64," \
	"iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGXRFWHRTb2Z0d2FyZQBBZG9iZSBJbWFnZVJlYWR5" \
	"ccllPAAAAW1JREFUeNqkU7FKA0EQfXe3JsZGEUFTqK1FwEbB0kbstLS1sfMDbPwCv8DKxsbC1lJsLMQq4AcYsBE" \
	"VFEwUNd7trG92Lxcx6oGDu5mdN2/eznpLAK"

START_TEST(data_uri_kept)
{
	discover("<img src=\"" BIG_DATA "\">");
	expect(BIG_DATA, "data");
}
END_TEST

START_TEST(data_uri_placeholder_skipped)
{
	discover("<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==\">"
		 "<img src=\"" BIG_DATA "\" data-src=real.jpg>"
		 "<img srcset=\"data:image/png;base64,iVBORw0KGgo=\" data-srcset=\"r1.jpg 1x\">");
	expect("http://h.test/dir/real.jpg", "lazy");
	expect("http://h.test/dir/r1.jpg", "lazy");
	ck_assert_uint_eq(list.count, 2);
}
END_TEST

START_TEST(data_uri_not_image)
{
	discover("<img src=\"data:text/html;base64," BIG_DATA "\">");
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(entities_decoded)
{
	discover("<img src=\"/t.php?id=5&amp;size=large&#x3D;1\">");
	expect("http://h.test/t.php?id=5&size=large=1", "img");
}
END_TEST

START_TEST(legacy_entity_without_semicolon)
{
	discover("<img src=\"/a?x=1&copy=2&reg=3&not=4\"><img src=\"/b?&copy&amp;z=1\">");
	expect("http://h.test/a?x=1&copy=2&reg=3&not=4", "img");
	/* "&copy" before "&" is decoded by browsers too, and © is then percent-encoded. */
	expect("http://h.test/b?%C2%A9&z=1", "img");
}
END_TEST

START_TEST(base_href_absolute)
{
	discover("<head><base href=\"https://cdn.test/assets/\"></head><img src=a.png>");
	expect("https://cdn.test/assets/a.png", "img");
	ck_assert_str_eq(meta.base_url, "https://cdn.test/assets/");
}
END_TEST

START_TEST(base_href_relative)
{
	discover("<head><base href=\"sub/\"><base href=\"/ignored/\"></head><img src=a.png>");
	expect("http://h.test/dir/sub/a.png", "img");
	ck_assert_str_eq(meta.base_url, "http://h.test/dir/sub/");
}
END_TEST

START_TEST(base_href_root)
{
	discover("<head><base href=\"/\"></head><img src=a.png><img src=\"../b.png\">");
	expect("http://h.test/a.png", "img");
	expect("http://h.test/b.png", "img");
}
END_TEST

START_TEST(protocol_relative)
{
	discover("<img src=\"//cdn.test/p.png\">");
	expect("http://cdn.test/p.png", "img");
}
END_TEST

START_TEST(unwanted_schemes)
{
	discover("<img src=\"javascript:alert(1)\"><img src=\"about:blank\"><img src=\"\">"
		 "<img src=\"  \"><img src=\"ftp://h.test/x.png\">");
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(duplicates_once)
{
	discover("<img src=a.jpg><img src=\"./a.jpg\" alt=Later width=10 height=20>"
		 "<a href=a.jpg>x</a>");
	ck_assert_uint_eq(list.count, 1);
	const struct image *img = expect("http://h.test/dir/a.jpg", "img");
	ck_assert_str_eq(img->alt, "Later");
	ck_assert_int_eq(img->width, 10);
	ck_assert_int_eq(img->height, 20);
}
END_TEST

START_TEST(document_order)
{
	discover("<head><meta property=og:image content=1.jpg></head>"
		 "<body><img src=2.jpg><div style=\"background:url(3.jpg)\"><img src=4.jpg></div></body>");
	ck_assert_uint_eq(list.count, 4);
	ck_assert_str_eq(list.items[0].url, "http://h.test/dir/1.jpg");
	ck_assert_str_eq(list.items[1].url, "http://h.test/dir/2.jpg");
	ck_assert_str_eq(list.items[2].url, "http://h.test/dir/3.jpg");
	ck_assert_str_eq(list.items[3].url, "http://h.test/dir/4.jpg");
}
END_TEST

START_TEST(truncated_at_max)
{
	discover_max("<img src=1.jpg><img src=2.jpg><img src=1.jpg><img src=3.jpg>", 2);
	ck_assert_uint_eq(list.count, 2);
	ck_assert(list.truncated);

	teardown();
	discover_max("<img src=1.jpg><img src=2.jpg><img src=1.jpg>", 2);
	ck_assert(!list.truncated);
}
END_TEST

START_TEST(deep_nesting_rejected)
{
	size_t depth = 100000;
	char *html = malloc(depth * 3 + 64);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(html + n, "<b>", 3);
		n += 3;
	}
	strcpy(html + n, "<img src=x.png>");
	char err[256] = "";
	image_list_init(&list, 100);
	int rc = discover_images(html, strlen(html), PAGE, &list, &meta, err, sizeof err);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "deep") != NULL, "unexpected message: %s", err);
	free(html);
}
END_TEST

START_TEST(misnested_inline_rejected)
{
	/* tidy reopens the <i> after each </b>, so its tree nests one level deeper per repeat. */
	size_t reps = 70000;
	char *html = malloc(reps * 11 + 64);
	size_t n = 0;
	for (size_t i = 0; i < reps; i++) {
		memcpy(html + n, "<b><i></b>", 10);
		n += 10;
	}
	html[n] = '\0';
	char err[256] = "";
	image_list_init(&list, 100);
	int rc = discover_images(html, n, PAGE, &list, &meta, err, sizeof err);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "deep") != NULL, "unexpected message: %s", err);
	free(html);
}
END_TEST

START_TEST(nesting_below_limit_parsed)
{
	size_t depth = 990;
	char *html = malloc(depth * 5 + 64);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(html + n, "<div>", 5);
		n += 5;
	}
	strcpy(html + n, "<img src=deep.png>");
	discover(html);
	expect("http://h.test/dir/deep.png", "img");
	free(html);
}
END_TEST

START_TEST(many_siblings_accepted)
{
	/*
	 * Implied end tags keep this flat. tidy itself is slower than linear on
	 * such list and cell soup (4,000 repeats took 3.6 s here), so callers
	 * must bound CPU time.
	 */
	size_t reps = 1000;
	char *html = malloc(reps * 16 + 64);
	size_t n = 0;
	for (size_t i = 0; i < reps; i++)
		n += (size_t)sprintf(html + n, "<p>x<li>y<td>z");
	html[n] = '\0';
	discover(html);
	free(html);
}
END_TEST

START_TEST(script_bodies_ignored)
{
	discover("<script>var s = '<img src=in-script.png>';</script><img src=after.png>");
	ck_assert_ptr_null(find("http://h.test/dir/in-script.png"));
	expect("http://h.test/dir/after.png", "img");
}
END_TEST

START_TEST(json_ld_images)
{
	discover("<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
		 "\"@graph\":[{\"@type\":\"Organization\",\"url\":\"https://h.test/\","
		 "\"logo\":{\"@id\":\"https://h.test/#logo\"}},"
		 "{\"@type\":\"ImageObject\",\"@id\":\"https://h.test/#logo\",\"url\":\"/logo.png\"},"
		 "{\"@type\":\"Article\",\"image\":[\"a1.jpg\",{\"@type\":\"ImageObject\","
		 "\"contentUrl\":\"a2.jpg\"}],\"thumbnailUrl\":\"t.jpg\"}]}</script>");
	expect("http://h.test/logo.png", "meta");
	expect("http://h.test/dir/a1.jpg", "meta");
	expect("http://h.test/dir/a2.jpg", "meta");
	expect("http://h.test/dir/t.jpg", "meta");
	ck_assert_ptr_null(find("https://h.test/"));
	ck_assert_ptr_null(find("https://h.test/#logo"));
	ck_assert_ptr_null(find("https://schema.org/"));
}
END_TEST

START_TEST(json_ld_invalid_ignored)
{
	discover("<script type=application/ld+json>{\"image\": \"a.jpg\", </script><img src=b.jpg>");
	expect("http://h.test/dir/b.jpg", "img");
	ck_assert_uint_eq(list.count, 1);
}
END_TEST

START_TEST(title_and_base_meta)
{
	discover("<head><title>  My\n  Page &amp; more </title></head>");
	ck_assert_str_eq(meta.title, "My Page & more");
	ck_assert_str_eq(meta.base_url, PAGE);
}
END_TEST

START_TEST(image_outside_svg)
{
	discover("<image src=legacy.png>");
	expect("http://h.test/dir/legacy.png", "img");
}
END_TEST

START_TEST(custom_and_empty_elements)
{
	discover("<my-gallery style=\"background:url(g.png)\"></my-gallery><span data-src=e.png></span>");
	expect("http://h.test/dir/g.png", "css");
	expect("http://h.test/dir/e.png", "lazy");
}
END_TEST

START_TEST(invalid_page_url)
{
	char err[256] = "";
	image_list_init(&list, 10);
	ck_assert_int_eq(discover_images("<img src=a.png>", 15, "not a url", &list, &meta, err,
					 sizeof err), -1);
	ck_assert(err[0] != '\0');
}
END_TEST

START_TEST(nul_bytes_survive)
{
	const char html[] = "<img src=a.png>\0<img src=b.png>";
	char err[256] = "";
	image_list_init(&list, 10);
	ck_assert_int_eq(discover_images(html, sizeof html - 1, PAGE, &list, &meta, err, sizeof err), 0);
	expect("http://h.test/dir/a.png", "img");
	expect("http://h.test/dir/b.png", "img");
}
END_TEST

static const char *shared_dir(void)
{
	const char *dir = getenv("IMAGEGATHER_SHARED");
	return dir && *dir ? dir : "../shared";
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		rewind(f);
		data = size >= 0 ? malloc((size_t)size + 1) : NULL;
		if (data) {
			*len = fread(data, 1, (size_t)size, f);
			data[*len] = '\0';
		}
	}
	fclose(f);
	return data;
}

/* Runs discovery on every page of one corpus folder; returns pages read and adds the candidates to *total. */
static int run_folder(const char *folder, size_t *total, int *failed)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/corpus/%s", shared_dir(), folder);
	DIR *dir = opendir(path);
	if (!dir)
		return 0;
	int pages = 0;
	for (struct dirent *e = readdir(dir); e; e = readdir(dir)) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".html") != 0)
			continue;
		snprintf(path, sizeof path, "%s/corpus/%s/%s", shared_dir(), folder, e->d_name);
		size_t size = 0;
		char *html = read_file(path, &size);
		ck_assert_msg(html != NULL, "cannot read %s", path);
		char err[256] = "";
		struct image_list l;
		struct page_meta m;
		image_list_init(&l, 5000);
		if (discover_images(html, size, "http://127.0.0.1:8000/corpus/page.html", &l, &m,
				    err, sizeof err) != 0) {
			printf("corpus %s/%s: discovery failed: %s\n", folder, e->d_name, err);
			(*failed)++;
		} else {
			if (getenv("DISCOVER_VERBOSE"))
				printf("corpus %s/%s: %zu images\n", folder, e->d_name, l.count);
			*total += l.count;
			page_meta_free(&m);
		}
		image_list_free(&l);
		free(html);
		pages++;
	}
	closedir(dir);
	return pages;
}

START_TEST(corpus_pages)
{
	size_t total = 0;
	int failed = 0;
	int pages = run_folder("pages", &total, &failed) + run_folder("pages2", &total, &failed);
	if (pages == 0) {
		printf("SKIP corpus_pages: no pages under %s/corpus (set IMAGEGATHER_SHARED)\n",
		       shared_dir());
		return;
	}
	printf("corpus: %d pages, %zu images, %d failed\n", pages, total, failed);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_gt(total, (size_t)pages * 5);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("kinds");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, img_src_alt_size);
	tcase_add_test(tc, img_size_invalid);
	tcase_add_test(tc, img_srcset_descriptors);
	tcase_add_test(tc, srcset_commas_in_urls);
	tcase_add_test(tc, picture_source);
	tcase_add_test(tc, lazy_attributes);
	tcase_add_test(tc, noscript_images);
	tcase_add_test(tc, meta_images);
	tcase_add_test(tc, icons);
	tcase_add_test(tc, css_style_attribute);
	tcase_add_test(tc, css_style_element);
	tcase_add_test(tc, css_gradient_nothing);
	tcase_add_test(tc, video_poster);
	tcase_add_test(tc, input_image);
	tcase_add_test(tc, svg_image);
	tcase_add_test(tc, link_to_image);
	tcase_add_test(tc, data_uri_kept);
	tcase_add_test(tc, json_ld_images);
	tcase_add_test(tc, json_ld_invalid_ignored);
	tcase_add_test(tc, title_and_base_meta);
	tcase_add_test(tc, image_outside_svg);
	tcase_add_test(tc, custom_and_empty_elements);
	suite_add_tcase(s, tc);

	TCase *traps = tcase_create("traps");
	tcase_add_checked_fixture(traps, NULL, teardown);
	tcase_set_timeout(traps, 60);
	tcase_add_test(traps, data_uri_placeholder_skipped);
	tcase_add_test(traps, data_uri_not_image);
	tcase_add_test(traps, entities_decoded);
	tcase_add_test(traps, legacy_entity_without_semicolon);
	tcase_add_test(traps, base_href_absolute);
	tcase_add_test(traps, base_href_relative);
	tcase_add_test(traps, base_href_root);
	tcase_add_test(traps, protocol_relative);
	tcase_add_test(traps, unwanted_schemes);
	tcase_add_test(traps, duplicates_once);
	tcase_add_test(traps, document_order);
	tcase_add_test(traps, truncated_at_max);
	tcase_add_test(traps, deep_nesting_rejected);
	tcase_add_test(traps, misnested_inline_rejected);
	tcase_add_test(traps, nesting_below_limit_parsed);
	tcase_add_test(traps, many_siblings_accepted);
	tcase_add_test(traps, script_bodies_ignored);
	tcase_add_test(traps, invalid_page_url);
	tcase_add_test(traps, nul_bytes_survive);
	suite_add_tcase(s, traps);

	TCase *corpus = tcase_create("corpus");
	tcase_set_timeout(corpus, 600);
	tcase_add_test(corpus, corpus_pages);
	suite_add_tcase(s, corpus);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(discover_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
