/* Unit tests for image type detection from magic numbers. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sniff.h"

struct sniff_case {
	const char *label;
	const char *bytes;
	size_t len;
	const char *extension;  /* NULL when the bytes are not an image */
	const char *mime;
	int compressed;
};

#define BYTES(s) s, sizeof(s) - 1

static const struct sniff_case image_cases[] = {
	{ "png", BYTES("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), "png", "image/png", 1 },
	{ "jpeg jfif", BYTES("\xFF\xD8\xFF\xE0\0\x10JFIF\0"), "jpg", "image/jpeg", 1 },
	{ "jpeg exif", BYTES("\xFF\xD8\xFF\xE1\0\x10" "Exif\0"), "jpg", "image/jpeg", 1 },
	{ "gif87a", BYTES("GIF87a\1\0\1\0"), "gif", "image/gif", 1 },
	{ "gif89a", BYTES("GIF89a\1\0\1\0"), "gif", "image/gif", 1 },
	{ "webp", BYTES("RIFF\x24\0\0\0WEBPVP8 "), "webp", "image/webp", 1 },
	{ "avif major brand", BYTES("\0\0\0\x1C" "ftypavif\0\0\0\0avifmif1miaf"), "avif", "image/avif", 1 },
	{ "avif compatible brand", BYTES("\0\0\0\x18" "ftypmif1\0\0\0\0mif1avif"), "avif", "image/avif", 1 },
	{ "avif sequence", BYTES("\0\0\0\x18" "ftypavis\0\0\0\0avismsf1"), "avif", "image/avif", 1 },
	{ "bmp v3 header", BYTES("BM\x3A\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\1\0\0\0"), "bmp", "image/bmp", 0 },
	{ "bmp core header", BYTES("BM\x1A\0\0\0\0\0\0\0\x1A\0\0\0\x0C\0\0\0\1\0\1\0"), "bmp", "image/bmp", 0 },
	{ "ico", BYTES("\0\0\1\0\1\0\x10\x10\0\0\1\0\x20\0\x68\4\0\0\x16\0\0\0"), "ico", "image/x-icon", 0 },
	{ "cur", BYTES("\0\0\2\0\1\0\x20\x20\0\0\x10\0\x10\0\x30\1\0\0\x16\0\0\0"), "cur", "image/x-icon", 0 },
	{ "tiff little endian", BYTES("II*\0\x08\0\0\0"), "tiff", "image/tiff", 0 },
	{ "tiff big endian", BYTES("MM\0*\0\0\0\x08"), "tiff", "image/tiff", 0 },
	{ "svg bare", BYTES("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "svg", "image/svg+xml", 0 },
	{ "svg closing bracket", BYTES("<svg>"), "svg", "image/svg+xml", 0 },
	{ "svg with prolog", BYTES("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- made by hand -->\n"
				  "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
				  "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\r\n\t<svg\nwidth=\"1\">"),
	  "svg", "image/svg+xml", 0 },
	{ "svg doctype subset", BYTES("<!DOCTYPE svg [ <!ENTITY a \"<b>\"> ]><svg/>"), "svg", "image/svg+xml", 0 },
	{ "svg after instruction", BYTES("<?xml-stylesheet href=\"a.css\"?><svg "), "svg", "image/svg+xml", 0 },
};

static const struct sniff_case rejected_cases[] = {
	{ "empty", "", 0, NULL, NULL, 0 },
	{ "html", BYTES("<!DOCTYPE html><html><body><svg></svg></body></html>"), NULL, NULL, 0 },
	{ "plain text", BYTES("hello, world\n"), NULL, NULL, 0 },
	{ "pdf", BYTES("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), NULL, NULL, 0 },
	{ "elf executable", BYTES("\x7F" "ELF\2\1\1\0\0\0\0\0\0\0\0\0"), NULL, NULL, 0 },
	{ "windows executable", BYTES("MZ\x90\0\3\0\0\0\4\0\0\0\xFF\xFF\0\0"), NULL, NULL, 0 },
	{ "gzip svgz", BYTES("\x1F\x8B\x08\0\0\0\0\0\0\x03"), NULL, NULL, 0 },
	{ "zip archive", BYTES("PK\3\4\x14\0\0\0\0\0"), NULL, NULL, 0 },
	{ "png truncated", BYTES("\x89PNG\r\n"), NULL, NULL, 0 },
	{ "riff wave", BYTES("RIFF\x24\0\0\0WAVEfmt "), NULL, NULL, 0 },
	{ "mp4 ftyp", BYTES("\0\0\0\x18" "ftypisom\0\0\0\0isommp41"), NULL, NULL, 0 },
	{ "heic ftyp", BYTES("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic"), NULL, NULL, 0 },
	{ "avif brand outside box", BYTES("\0\0\0\x10" "ftypmif1\0\0\0\0avif"), NULL, NULL, 0 },
	{ "text starting BM", BYTES("BMW motorcycles and cars are..."), NULL, NULL, 0 },
	{ "zero words", BYTES("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), NULL, NULL, 0 },
	{ "svg prefix of other element", BYTES("<svgfoo/>"), NULL, NULL, 0 },
	{ "svg inside comment only", BYTES("<!-- <svg> -->"), NULL, NULL, 0 },
	{ "svg unterminated comment", BYTES("<!-- <svg>"), NULL, NULL, 0 },
	{ "svg after text", BYTES("x<svg>"), NULL, NULL, 0 },
	{ "svg uppercase", BYTES("<SVG>"), NULL, NULL, 0 },
	{ "svg tag cut", BYTES("<svg"), NULL, NULL, 0 },
	{ "xml other root", BYTES("<?xml version=\"1.0\"?><rss/>"), NULL, NULL, 0 },
};

START_TEST(sniff_recognises_image)
{
	const struct sniff_case *c = &image_cases[_i];
	const struct image_type *t = sniff_image((const unsigned char *)c->bytes, c->len);
	ck_assert_msg(t != NULL, "%s: not recognised", c->label);
	ck_assert_msg(strcmp(t->extension, c->extension) == 0, "%s: extension %s, expected %s",
		      c->label, t->extension, c->extension);
	ck_assert_msg(strcmp(t->mime, c->mime) == 0, "%s: MIME type %s, expected %s",
		      c->label, t->mime, c->mime);
	ck_assert_msg(t->compressed == c->compressed, "%s: compressed %d, expected %d",
		      c->label, t->compressed, c->compressed);
}
END_TEST

START_TEST(sniff_rejects_non_image)
{
	const struct sniff_case *c = &rejected_cases[_i];
	const struct image_type *t = sniff_image((const unsigned char *)c->bytes, c->len);
	ck_assert_msg(t == NULL, "%s: taken for %s", c->label, t ? t->mime : "");
}
END_TEST

/* Each prefix of a valid image is read without going past len (checked under ASan). */
START_TEST(sniff_truncated_prefixes)
{
	const struct sniff_case *c = &image_cases[_i];
	for (size_t len = 0; len <= c->len; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, c->bytes, len);
		sniff_image(copy, len);
		free(copy);
	}
}
END_TEST

START_TEST(sniff_null_data)
{
	ck_assert_ptr_null(sniff_image(NULL, 0));
	ck_assert_ptr_null(sniff_image(NULL, 10));
}
END_TEST

START_TEST(sniff_svg_long_prolog)
{
	size_t len = 1 << 20;
	unsigned char *data = malloc(len);
	ck_assert_ptr_nonnull(data);
	memset(data, ' ', len);
	memcpy(data + len - 6, "<svg/>", 6);
	const struct image_type *t = sniff_image(data, len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->extension, "svg");
	memcpy(data + len - 6, "<html>", 6);
	ck_assert_ptr_null(sniff_image(data, len));
	free(data);
}
END_TEST

static Suite *sniff_suite(void)
{
	Suite *s = suite_create("sniff");
	TCase *tc = tcase_create("core");
	int images = (int)(sizeof(image_cases) / sizeof(image_cases[0]));
	int rejected = (int)(sizeof(rejected_cases) / sizeof(rejected_cases[0]));
	tcase_add_loop_test(tc, sniff_recognises_image, 0, images);
	tcase_add_loop_test(tc, sniff_rejects_non_image, 0, rejected);
	tcase_add_loop_test(tc, sniff_truncated_prefixes, 0, images);
	tcase_add_test(tc, sniff_null_data);
	tcase_add_test(tc, sniff_svg_long_prolog);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sniff_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
