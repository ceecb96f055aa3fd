/* Unit tests for image dimensions read from the first bytes of a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "imgsize.h"

#define BYTES(s) (const unsigned char *)(s), sizeof(s) - 1

/* Real files: the shared fixtures and files written by ImageMagick 6.9.11 (libwebp 1.2.4, libheif 1.15.1). */
struct file_case {
	const char *path;
	const char *extension;
	unsigned long width;
	unsigned long height;
};

static const struct file_case file_cases[] = {
	{ "tests/fixtures/img/blue-640.png", "png", 640, 360 },
	{ "tests/fixtures/img/red.png", "png", 64, 48 },
	{ "tests/fixtures/img/dot.gif", "gif", 2, 2 },
	{ "tests/fixtures/img/photo.jpg", "jpg", 200, 150 },
	{ "tests/fixtures/img/logo.svg", "svg", 80, 40 },
	{ "tests/fixtures/img/evil.svg", "svg", 10, 10 },
	{ "tests/fixtures/imgsize/progressive-321x123.jpg", "jpg", 321, 123 },
	{ "tests/fixtures/imgsize/lossy-301x157.webp", "webp", 301, 157 },
	{ "tests/fixtures/imgsize/lossless-97x45.webp", "webp", 97, 45 },
	{ "tests/fixtures/imgsize/alpha-250x130.webp", "webp", 250, 130 },
	{ "tests/fixtures/imgsize/photo-123x77.avif", "avif", 123, 77 },
	{ "tests/fixtures/imgsize/v3-33x21.bmp", "bmp", 33, 21 },
	{ "tests/fixtures/imgsize/bmp-v5-33x21.bmp", "bmp", 33, 21 },
	{ "tests/fixtures/imgsize/icon-16-48-256.ico", "ico", 256, 256 },
};

/* Reads a whole file into an allocation of exactly its size, so that ASan reports every overread. */
static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

START_TEST(imgsize_real_files)
{
	const struct file_case *c = &file_cases[_i];
	size_t len;
	unsigned char *data = read_file(c->path, &len);
	struct image_size size;
	ck_assert_msg(imgsize_read(data, len, &size) == 0, "%s: no size", c->path);
	ck_assert_str_eq(size.type->extension, c->extension);
	ck_assert_uint_eq(size.width, c->width);
	ck_assert_uint_eq(size.height, c->height);
	free(data);
}
END_TEST

/* Every prefix of every real file is read without an overread; no prefix reports a wrong size. */
START_TEST(imgsize_real_file_prefixes)
{
	const struct file_case *c = &file_cases[_i];
	size_t len;
	unsigned char *whole = read_file(c->path, &len);
	for (size_t cut = 0; cut <= len; cut++) {
		unsigned char *prefix = malloc(cut ? cut : 1);
		ck_assert_ptr_nonnull(prefix);
		memcpy(prefix, whole, cut);
		struct image_size size;
		if (imgsize_read(prefix, cut, &size) == 0) {
			ck_assert_msg(size.width == c->width && size.height == c->height,
				      "%s cut at %zu: %lux%lu", c->path, cut, size.width, size.height);
		}
		free(prefix);
	}
	free(whole);
}
END_TEST

/* Hand-made headers: the bytes a parser needs and the size they declare; 0 x 0 when unknown. */
struct header_case {
	const char *label;
	const unsigned char *bytes;
	size_t len;
	const char *extension;
	unsigned long width;
	unsigned long height;
};

static const struct header_case header_cases[] = {
	{ "png ihdr", BYTES("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\x07\x80\0\0\x04\x38"), "png", 1920, 1080 },
	{ "png over maximum", BYTES("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\x7F\xFF\xFF\xFF\0\0\0\1"), "png", 0, 0 },
	{ "png zero width", BYTES("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\0\0\0\0\0\1"), "png", 0, 0 },
	{ "png without ihdr", BYTES("\x89PNG\r\n\x1A\n\0\0\0\x0DCgBI\0\0\0\1\0\0\0\1"), "png", 0, 0 },
	{ "gif screen", BYTES("GIF89a\x2C\x01\xC8\x00"), "gif", 300, 200 },
	{ "jpeg sof0 after app0 app1",
	  BYTES("\xFF\xD8\xFF\xE0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0"
		"\xFF\xE1\0\x08" "Exif\0\0"
		"\xFF\xC0\0\x11\x08\x01\xE0\x02\x80\x03"), "jpg", 640, 480 },
	{ "jpeg fill bytes before sof2", BYTES("\xFF\xD8\xFF\xFF\xFF\xC2\0\x11\x08\0\x10\0\x20\x03"), "jpg", 32, 16 },
	{ "jpeg dht is no frame", BYTES("\xFF\xD8\xFF\xC4\0\x04\0\0\xFF\xC1\0\x11\x08\0\x05\0\x07\x01"), "jpg", 7, 5 },
	{ "jpeg sos before frame", BYTES("\xFF\xD8\xFF\xDA\0\x08\0\0\0\0\0\0\xFF\xC0\0\x11\x08\0\x10\0\x10"), "jpg", 0, 0 },
	{ "jpeg height from dnl", BYTES("\xFF\xD8\xFF\xC0\0\x11\x08\0\0\0\x20\x03"), "jpg", 0, 0 },
	{ "jpeg short segment length", BYTES("\xFF\xD8\xFF\xE0\0\x01\xFF\xC0\0\x11\x08\0\x10\0\x10"), "jpg", 0, 0 },
	{ "jpeg app1 past the data", BYTES("\xFF\xD8\xFF\xE1\xFF\xF0" "Exif\0\0\xFF\xC0\0\x11\x08\0\x10\0\x10"), "jpg", 0, 0 },
	{ "jpeg garbage between segments", BYTES("\xFF\xD8\xFF\xE0\0\x02\x00\xFF\xC0\0\x11\x08\0\x10\0\x10"), "jpg", 0, 0 },
	{ "webp vp8x canvas",
	  BYTES("RIFF\x40\0\0\0WEBPVP8X\x0A\0\0\0\x10\0\0\0\xFF\x0F\0\x7F\x3E\x01"), "webp", 4096, 81536 },
	{ "webp vp8l sizes",
	  /* width 1000 and height 500, stored minus one in 14 bits each: 999 | 499 << 14. */
	  BYTES("RIFF\x40\0\0\0WEBPVP8L\x20\0\0\0\x2F\xE7\xC3\x7C\x00\0\0\0\0\0"), "webp", 1000, 500 },
	{ "webp vp8l bad signature", BYTES("RIFF\x40\0\0\0WEBPVP8L\x20\0\0\0\x2E\xE7\xC3\x7C\x00\0\0\0\0\0"), "webp", 0, 0 },
	{ "webp vp8 missing start code", BYTES("RIFF\x40\0\0\0WEBPVP8 \x20\0\0\0\0\0\0\x9D\x01\x2B\x2C\x01\xC8\x00"), "webp", 0, 0 },
	{ "webp vp8 scale bits ignored", BYTES("RIFF\x40\0\0\0WEBPVP8 \x20\0\0\0\0\0\0\x9D\x01\x2A\x2C\xC1\xC8\x40"), "webp", 300, 200 },
	{ "avif largest ispe",
	  BYTES("\0\0\0\x18" "ftypavif\0\0\0\0mif1avif"
		"\0\0\0\x44" "meta\0\0\0\0"
		"\0\0\0\x38" "iprp"
		"\0\0\0\x30" "ipco"
		"\0\0\0\x14" "ispe\0\0\0\0\0\0\0\x40\0\0\0\x30"
		"\0\0\0\x14" "ispe\0\0\0\0\0\0\x0F\0\0\0\x08\x70"), "avif", 3840, 2160 },
	{ "avif meta running to the end",
	  BYTES("\0\0\0\x18" "ftypavif\0\0\0\0mif1avif"
		"\0\0\0\0" "meta\0\0\0\0"
		"\0\0\0\x24" "iprp"
		"\0\0\0\x1C" "ipco"
		"\0\0\0\x14" "ispe\0\0\0\0\0\0\0\x40\0\0\0\x30"), "avif", 64, 48 },
	{ "avif ispe cut short",
	  BYTES("\0\0\0\x18" "ftypavif\0\0\0\0mif1avif"
		"\0\0\0\x2C" "meta\0\0\0\0"
		"\0\0\0\x20" "iprp"
		"\0\0\0\x18" "ipco"
		"\0\0\0\x10" "ispe\0\0\0\0\0\0\0\x40"), "avif", 0, 0 },
	{ "avif meta size below header",
	  BYTES("\0\0\0\x18" "ftypavif\0\0\0\0mif1avif" "\0\0\0\x04" "meta\0\0\0\0"), "avif", 0, 0 },
	{ "bmp core header", BYTES("BM\x1A\0\0\0\0\0\0\0\x1A\0\0\0\x0C\0\0\0\x20\0\x10\0\1\0\x18\0"), "bmp", 32, 16 },
	{ "bmp top-down", BYTES("BM\x3A\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x0A\0\0\0\xF6\xFF\xFF\xFF\1\0"), "bmp", 10, 10 },
	{ "bmp negative width", BYTES("BM\x3A\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\xF6\xFF\xFF\xFF\x0A\0\0\0\1\0"), "bmp", 0, 0 },
	{ "ico zero means 256",
	  BYTES("\0\0\1\0\2\0"
		"\x10\x10\0\0\1\0\x20\0\x68\4\0\0\x26\0\0\0"
		"\0\0\0\0\1\0\x20\0\x68\4\0\0\x26\0\0\0"), "ico", 256, 256 },
	{ "ico one entry", BYTES("\0\0\1\0\1\0\x30\x20\0\0\1\0\x20\0\x68\4\0\0\x16\0\0\0"), "ico", 48, 32 },
	{ "ico directory cut short", BYTES("\0\0\1\0\2\0\x30\x20\0\0\1\0\x20\0\x68\4\0\0\x26\0\0\0"), "ico", 0, 0 },
	{ "svg px sizes", BYTES("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120px\" height='60px'>"), "svg", 120, 60 },
	{ "svg unitless with fraction", BYTES("<svg width=\" 10.6 \" height=\"1e2\" viewBox=\"0 0 1 1\"/>"), "svg", 11, 100 },
	{ "svg percent uses viewbox", BYTES("<svg width=\"100%\" height=\"100%\" viewBox=\"0,0,300,150\">"), "svg", 300, 150 },
	{ "svg width and viewbox ratio", BYTES("<svg width=\"200\" viewBox=\"0 0 400 100\">"), "svg", 200, 50 },
	{ "svg height and viewbox ratio", BYTES("<svg height=\"50\" viewBox=\"-10 -10 400 100\">"), "svg", 200, 50 },
	{ "svg stroke-width is no width", BYTES("<svg stroke-width=\"3\" viewBox=\"0 0 24 24\">"), "svg", 24, 24 },
	{ "svg em without viewbox", BYTES("<svg width=\"10em\" height=\"5em\">"), "svg", 0, 0 },
	{ "svg width alone", BYTES("<svg width=\"10\">"), "svg", 0, 0 },
	{ "svg negative viewbox size", BYTES("<svg viewBox=\"0 0 -5 10\">"), "svg", 0, 0 },
	{ "svg tag cut in a value", BYTES("<svg width=\"10\" height=\"2"), "svg", 0, 0 },
	{ "svg huge exponent", BYTES("<svg width=\"1e999\" height=\"1\">"), "svg", 0, 0 },
	{ "svg after prolog", BYTES("<?xml version=\"1.0\"?>\n<!-- icon -->\n<svg\n\twidth=\"16\"\n\theight=\"16\">"), "svg", 16, 16 },
};

START_TEST(imgsize_headers)
{
	const struct header_case *c = &header_cases[_i];
	unsigned char *data = malloc(c->len);
	ck_assert_ptr_nonnull(data);
	memcpy(data, c->bytes, c->len);
	struct image_size size;
	int rc = imgsize_read(data, c->len, &size);
	ck_assert_msg(size.type != NULL, "%s: not recognised", c->label);
	ck_assert_str_eq(size.type->extension, c->extension);
	ck_assert_msg(size.width == c->width && size.height == c->height,
		      "%s: %lux%lu, expected %lux%lu", c->label, size.width, size.height,
		      c->width, c->height);
	ck_assert_int_eq(rc, c->width ? 0 : -1);
	free(data);
}
END_TEST

START_TEST(imgsize_not_an_image)
{
	struct image_size size;
	ck_assert_int_eq(imgsize_read((const unsigned char *)"<!DOCTYPE html><p>", 18, &size), -1);
	ck_assert_ptr_null(size.type);
	ck_assert_uint_eq(size.width, 0);
	ck_assert_int_eq(imgsize_read(NULL, 0, &size), -1);
	ck_assert_ptr_null(size.type);
}
END_TEST

static Suite *imgsize_suite(void)
{
	Suite *s = suite_create("imgsize");
	TCase *tc = tcase_create("core");
	int files = (int)(sizeof file_cases / sizeof file_cases[0]);
	int headers = (int)(sizeof header_cases / sizeof header_cases[0]);
	tcase_add_loop_test(tc, imgsize_real_files, 0, files);
	tcase_add_loop_test(tc, imgsize_real_file_prefixes, 0, files);
	tcase_add_loop_test(tc, imgsize_headers, 0, headers);
	tcase_add_test(tc, imgsize_not_an_image);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imgsize_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
