#include "io/media.h"

#include <stdint.h>
#include <string.h>

static const struct {
	enum wg_media media;
	const char *type;
	const char *extension;
} media_names[] = {
	{WG_MEDIA_JPEG, "image/jpeg", "jpg"},
	{WG_MEDIA_PNG, "image/png", "png"},
	{WG_MEDIA_PDF, "application/pdf", "pdf"},
	{WG_MEDIA_MP4, "video/mp4", "mp4"},
};

#define NAMES (sizeof media_names / sizeof media_names[0])

const char *wg_media_type(enum wg_media m)
{
	for (size_t i = 0; i < NAMES; i++)
		if (media_names[i].media == m)
			return media_names[i].type;
	return NULL;
}

const char *wg_media_extension(enum wg_media m)
{
	for (size_t i = 0; i < NAMES; i++)
		if (media_names[i].media == m)
			return media_names[i].extension;
	return NULL;
}

enum wg_media wg_media_parse(const char *type)
{
	for (size_t i = 0; type && i < NAMES; i++)
		if (strcmp(media_names[i].type, type) == 0)
			return media_names[i].media;
	return WG_MEDIA_NONE;
}

bool wg_media_is_video(enum wg_media m)
{
	return m == WG_MEDIA_MP4;
}

/* Start of image, then the next segment's marker: APPn (E0 JFIF, E1 Exif),
 * DQT, DHT, SOFn or COM all lie in C0..FE. FF itself would be fill. */
static bool is_jpeg(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF && p[3] >= 0xC0 && p[3] <= 0xFE;
}

/* The signature, and the first chunk, which PNG requires to be IHDR with
 * 13 bytes of data: eight bytes of signature alone say little. */
static bool is_png(const uint8_t *p, size_t len)
{
	static const uint8_t head[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
	                                 0,    0,   0,   13,  'I',  'H',  'D',  'R'};
	return len >= sizeof head && memcmp(p, head, sizeof head) == 0;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_pdf(const uint8_t *p, size_t len)
{
	return len >= 8 && memcmp(p, "%PDF-", 5) == 0 && is_digit(p[5]) && p[6] == '.' && is_digit(p[7]);
}

/* Brands of the ISO base media file format that promise an MP4 a browser
 * or phone plays. QuickTime ("qt  "), 3GPP and audio-only M4A are not in
 * it: they are other formats in the same container. */
static bool mp4_brand(const uint8_t *b)
{
	static const char brands[][5] = {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7",
	                                 "iso8", "iso9", "mp41", "mp42", "mp71", "avc1", "M4V "};
	for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
		if (memcmp(b, brands[i], 4) == 0)
			return true;
	return false;
}

/* An ftyp box first: size (big-endian), "ftyp", major brand, minor version,
 * then compatible brands, four bytes each. */
static bool is_mp4(const uint8_t *p, size_t len)
{
	if (len < 16 || memcmp(p + 4, "ftyp", 4) != 0)
		return false;
	uint32_t size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (size < 16 || size % 4 != 0 || size > WG_MEDIA_SNIFF_MAX || size > len)
		return false;
	if (mp4_brand(p + 8))
		return true;
	for (uint32_t off = 16; off < size; off += 4)
		if (mp4_brand(p + off))
			return true;
	return false;
}

enum wg_media wg_media_sniff(const void *data, size_t len)
{
	const uint8_t *p = data;
	if (!p || len == 0)
		return WG_MEDIA_NONE;
	if (len > WG_MEDIA_SNIFF_MAX)
		len = WG_MEDIA_SNIFF_MAX;
	if (is_jpeg(p, len))
		return WG_MEDIA_JPEG;
	if (is_png(p, len))
		return WG_MEDIA_PNG;
	if (is_pdf(p, len))
		return WG_MEDIA_PDF;
	if (is_mp4(p, len))
		return WG_MEDIA_MP4;
	return WG_MEDIA_NONE;
}
