/* test_media.c - telling JPEG, PNG, PDF and MP4 from everything else by
 * the first bytes, and the names of the types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "io/media.h"

#define B(...) ((const unsigned char[]){__VA_ARGS__}), sizeof((const unsigned char[]){__VA_ARGS__})

/* The head of an ftyp box: size, "ftyp", major brand, minor version; the
 * compatible brands follow. */
#define FTYP(size, a, b, c, d) 0, 0, 0, size, 'f', 't', 'y', 'p', a, b, c, d, 0, 0, 2, 0

static void test_sniff(void **state)
{
	(void)state;
	const struct {
		const char *what;
		const unsigned char *data;
		size_t len;
		enum wg_media want;
	} t[] = {
		{"JFIF", B(0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'), WG_MEDIA_JPEG},
		{"Exif", B(0xFF, 0xD8, 0xFF, 0xE1, 0x12, 0x34, 'E', 'x', 'i', 'f'), WG_MEDIA_JPEG},
		{"JPEG with DQT first", B(0xFF, 0xD8, 0xFF, 0xDB), WG_MEDIA_JPEG},
		{"JPEG marker C0", B(0xFF, 0xD8, 0xFF, 0xC0), WG_MEDIA_JPEG},
		{"JPEG marker FE (comment)", B(0xFF, 0xD8, 0xFF, 0xFE), WG_MEDIA_JPEG},
		{"JPEG fill byte FF", B(0xFF, 0xD8, 0xFF, 0xFF), WG_MEDIA_NONE},
		{"JPEG marker below C0", B(0xFF, 0xD8, 0xFF, 0xBF), WG_MEDIA_NONE},
		{"JPEG cut short", B(0xFF, 0xD8, 0xFF), WG_MEDIA_NONE},
		{"PNG",
	         B(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1),
	         WG_MEDIA_PNG},
		{"PNG signature only", B(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'), WG_MEDIA_NONE},
		{"PNG without IHDR first",
	         B(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'D', 'A', 'T'),
	         WG_MEDIA_NONE},
		{"PNG with a wrong IHDR length",
	         B(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 12, 'I', 'H', 'D', 'R'),
	         WG_MEDIA_NONE},
		{"PNG with a text-mode line end",
	         B(0x89, 'P', 'N', 'G', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0), WG_MEDIA_NONE},
		{"PDF 1.7", B('%', 'P', 'D', 'F', '-', '1', '.', '7', '\n'), WG_MEDIA_PDF},
		{"PDF 2.0", B('%', 'P', 'D', 'F', '-', '2', '.', '0'), WG_MEDIA_PDF},
		{"PDF without a version", B('%', 'P', 'D', 'F', '-', 'x', '.', '7'), WG_MEDIA_NONE},
		{"PDF cut short", B('%', 'P', 'D', 'F', '-', '1', '.'), WG_MEDIA_NONE},
		{"PDF after leading junk", B(' ', '%', 'P', 'D', 'F', '-', '1', '.', '7'), WG_MEDIA_NONE},
		{"MP4 isom", B(FTYP(20, 'i', 's', 'o', 'm'), 'i', 's', 'o', 'm'), WG_MEDIA_MP4},
		{"MP4 mp42 without compatible brands", B(FTYP(16, 'm', 'p', '4', '2')), WG_MEDIA_MP4},
		{"MP4 by a compatible brand",
	         B(FTYP(24, 'x', 'x', 'x', 'x'), 'q', 't', ' ', ' ', 'a', 'v', 'c', '1'), WG_MEDIA_MP4},
		{"MP4 M4V", B(FTYP(16, 'M', '4', 'V', ' ')), WG_MEDIA_MP4},
		{"QuickTime", B(FTYP(20, 'q', 't', ' ', ' '), 'q', 't', ' ', ' '), WG_MEDIA_NONE},
		{"3GPP", B(FTYP(20, '3', 'g', 'p', '4'), '3', 'g', 'p', '4'), WG_MEDIA_NONE},
		{"M4A audio", B(FTYP(20, 'M', '4', 'A', ' '), 'M', '4', 'A', ' '), WG_MEDIA_NONE},
		{"MP4 box longer than the bytes", B(FTYP(24, 'i', 's', 'o', 'm'), 'i', 's', 'o', 'm'),
	         WG_MEDIA_NONE},
		{"MP4 box size not a multiple of 4", B(FTYP(18, 'i', 's', 'o', 'm'), 'i', 's'),
	         WG_MEDIA_NONE},
		{"MP4 box too small", B(FTYP(12, 'i', 's', 'o', 'm')), WG_MEDIA_NONE},
		{"MP4 box of 64-bit size", B(FTYP(1, 'i', 's', 'o', 'm'), 0, 0, 0, 0), WG_MEDIA_NONE},
		{"moov first", B(0, 0, 0, 16, 'm', 'o', 'o', 'v', 'i', 's', 'o', 'm', 0, 0, 0, 0),
	         WG_MEDIA_NONE},
		{"ELF executable", B(0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), WG_MEDIA_NONE},
		{"Windows executable", B('M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0),
	         WG_MEDIA_NONE},
		{"HTML", B('<', '!', 'd', 'o', 'c', 't', 'y', 'p', 'e', ' ', 'h', 't', 'm', 'l', '>'),
	         WG_MEDIA_NONE},
		{"SVG", B('<', 's', 'v', 'g', ' ', 'x', 'm', 'l', 'n', 's', '=', '"'), WG_MEDIA_NONE},
		{"GIF", B('G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0), WG_MEDIA_NONE},
		{"one byte", B(0xFF), WG_MEDIA_NONE},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum wg_media got = wg_media_sniff(t[i].data, t[i].len);
		if (got != t[i].want)
			fail_msg("%s: got %d, want %d", t[i].what, (int)got, (int)t[i].want);
	}
	assert_int_equal(wg_media_sniff(NULL, 0), WG_MEDIA_NONE);
	assert_int_equal(wg_media_sniff("", 0), WG_MEDIA_NONE);
}

/* Only the first WG_MEDIA_SNIFF_MAX bytes count: what follows them never
 * changes the answer, and an ftyp box must end within them. */
static void test_sniff_window(void **state)
{
	(void)state;
	unsigned char buf[WG_MEDIA_SNIFF_MAX + 64];
	memset(buf, 'x', sizeof buf);
	memcpy(buf, "%PDF-1.4", 8);
	assert_int_equal(wg_media_sniff(buf, sizeof buf), WG_MEDIA_PDF);
	assert_int_equal(wg_media_sniff(buf, 8), WG_MEDIA_PDF);

	/* An ftyp box of exactly the window, its only MP4 brand at the end. */
	memset(buf, 'x', sizeof buf);
	buf[0] = 0, buf[1] = 0, buf[2] = WG_MEDIA_SNIFF_MAX >> 8, buf[3] = WG_MEDIA_SNIFF_MAX & 0xFF;
	memcpy(buf + 4, "ftypqt  \0\0\0\0", 12);
	memcpy(buf + WG_MEDIA_SNIFF_MAX - 4, "mp41", 4);
	assert_int_equal(wg_media_sniff(buf, sizeof buf), WG_MEDIA_MP4);
	assert_int_equal(wg_media_sniff(buf, WG_MEDIA_SNIFF_MAX - 1), WG_MEDIA_NONE);
	/* One box size more and it no longer fits the window. */
	buf[3] += 4;
	memcpy(buf + WG_MEDIA_SNIFF_MAX, "mp41", 4);
	assert_int_equal(wg_media_sniff(buf, sizeof buf), WG_MEDIA_NONE);
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		enum wg_media m;
		const char *type, *ext;
		bool video;
	} t[] = {
		{WG_MEDIA_JPEG, "image/jpeg", "jpg", false},
		{WG_MEDIA_PNG, "image/png", "png", false},
		{WG_MEDIA_PDF, "application/pdf", "pdf", false},
		{WG_MEDIA_MP4, "video/mp4", "mp4", true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_string_equal(wg_media_type(t[i].m), t[i].type);
		assert_string_equal(wg_media_extension(t[i].m), t[i].ext);
		assert_int_equal(wg_media_parse(t[i].type), t[i].m);
		assert_int_equal(wg_media_is_video(t[i].m), t[i].video);
	}
	assert_null(wg_media_type(WG_MEDIA_NONE));
	assert_null(wg_media_extension(WG_MEDIA_NONE));
	assert_null(wg_media_type((enum wg_media)99));
	assert_false(wg_media_is_video(WG_MEDIA_NONE));
	assert_int_equal(wg_media_parse("image/JPEG"), WG_MEDIA_NONE);
	assert_int_equal(wg_media_parse("image/gif"), WG_MEDIA_NONE);
	assert_int_equal(wg_media_parse(""), WG_MEDIA_NONE);
	assert_int_equal(wg_media_parse(NULL), WG_MEDIA_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_sniff_window),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
