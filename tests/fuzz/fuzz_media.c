/* fuzz_media.c - wg_media_sniff against a reference written from the
 * formats' descriptions, on every prefix of the input, and
 * wg_attachment_check on the input cut into pieces, as uploads arrive
 * (raw bodies in libevent's pieces: no multipart): each accepted type
 * (JPEG, PNG, PDF, MP4) with its name, extension and size limit.
 *
 * Input: byte 0 chooses where the pieces are cut; the rest is the file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "core/error.h"
#include "domain/attachment.h"
#include "io/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool starts(const uint8_t *s, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && memcmp(s, lit, litlen) == 0;
}

/* The reference reads the MP4 box with its brands as text. */
static enum wg_media reference(const uint8_t *s, size_t n)
{
	if (n > WG_MEDIA_SNIFF_MAX)
		n = WG_MEDIA_SNIFF_MAX;
	if (n >= 4 && s[0] == 0xFF && s[1] == 0xD8 && s[2] == 0xFF && s[3] >= 0xC0 && s[3] != 0xFF)
		return WG_MEDIA_JPEG;
	if (starts(s, n, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16))
		return WG_MEDIA_PNG;
	if (starts(s, n, "%PDF-", 5) && n >= 8 && s[5] >= '0' && s[5] <= '9' && s[6] == '.' && s[7] >= '0' &&
	    s[7] <= '9')
		return WG_MEDIA_PDF;
	if (n >= 16 && s[0] == 0 && s[1] == 0 && starts(s + 4, n - 4, "ftyp", 4)) {
		size_t box = (size_t)s[2] << 8 | s[3];
		if (box < 16 || box % 4 || box > n)
			return WG_MEDIA_NONE;
		static const char *const brands =
			"isom iso2 iso3 iso4 iso5 iso6 iso7 iso8 iso9 mp41 mp42 mp71 avc1 M4V  ";
		for (size_t at = 8; at < box; at += at == 8 ? 8 : 4)
			for (const char *b = brands; *b; b += 5)
				if (memcmp(s + at, b, 4) == 0)
					return WG_MEDIA_MP4;
	}
	return WG_MEDIA_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned cuts = data[0];
	data++, size--;
	/* A private copy of exactly size bytes, so reading past it is caught. */
	uint8_t *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	enum wg_media whole = wg_media_sniff(s, size);
	if (whole != reference(s, size))
		abort();
	/* A prefix names no other type than the whole file does. */
	for (size_t k = 0; k < size && k <= WG_MEDIA_SNIFF_MAX; k++) {
		enum wg_media m = wg_media_sniff(s, k);
		if (m != WG_MEDIA_NONE && m != whole)
			abort();
	}
	if (whole != WG_MEDIA_NONE && wg_media_parse(wg_media_type(whole)) != whole)
		abort();
	/* Each accepted type has its name and extension; only MP4 is a video. */
	static const char *const extension[] = {NULL, "jpg", "png", "pdf", "mp4"};
	const char *ext = wg_media_extension(whole);
	if ((ext == NULL) != (extension[whole] == NULL) || (ext && strcmp(ext, extension[whole]) != 0) ||
	    wg_media_is_video(whole) != (whole == WG_MEDIA_MP4))
		abort();

	/* The same bytes in up to 8 pieces, cut where the bits of byte 0 say. */
	struct iovec parts[9];
	size_t n = 0, from = 0;
	for (unsigned bit = 0; bit < 8; bit++) {
		size_t to = size * (bit + 1) / 9;
		if (cuts & (1u << bit) && to >= from) {
			parts[n++] = (struct iovec){.iov_base = s + from, .iov_len = to - from};
			from = to;
		}
	}
	parts[n++] = (struct iovec){.iov_base = s + from, .iov_len = size - from};
	wg_attachment_limits limits = {.max_bytes = INT64_MAX, .max_video_bytes = INT64_MAX};
	enum wg_media got;
	int rc = wg_attachment_check(parts, n, &limits, &got);
	if (got != whole || rc != (whole == WG_MEDIA_NONE ? WG_EMEDIATYPE : 0))
		abort();
	/* One byte less than the file allows is too large; the limit that
	 * counts is the video one for MP4, the other for the rest. */
	if (whole != WG_MEDIA_NONE && size > 0) {
		limits.max_bytes = limits.max_video_bytes = (int64_t)size - 1;
		if (wg_attachment_check(parts, n, &limits, &got) != WG_ETOOLARGE)
			abort();
		bool video = whole == WG_MEDIA_MP4;
		limits.max_bytes = video ? (int64_t)size - 1 : (int64_t)size;
		limits.max_video_bytes = video ? (int64_t)size : (int64_t)size - 1;
		if (wg_attachment_check(parts, n, &limits, &got) != 0 || got != whole)
			abort();
	}
	free(s);
	return 0;
}
