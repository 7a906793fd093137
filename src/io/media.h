/* media.h - what a file is, judged by its first bytes.
 *
 * Uploads are accepted for what they contain, never for their name or the
 * Content-Type a client claims: a file is JPEG, PNG, PDF or MP4 only when
 * its leading bytes have that format's structure, and anything else (an
 * ELF or Windows executable renamed photo.jpg, HTML, an empty file) is
 * WG_MEDIA_NONE. The checks look at the start of the file only; they do not
 * decode the image or the video. Pure functions without allocation. */
#ifndef WG_IO_MEDIA_H
#define WG_IO_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

enum wg_media {
	WG_MEDIA_NONE = 0,
	WG_MEDIA_JPEG,
	WG_MEDIA_PNG,
	WG_MEDIA_PDF,
	WG_MEDIA_MP4,
};

/* Bytes wg_media_sniff may look at; passing more changes nothing. An MP4's
 * ftyp box (with its list of brands) must lie within them. */
#define WG_MEDIA_SNIFF_MAX 256

/* The type of the file that starts with the len bytes at data (data may be
 * NULL when len is 0):
 *   JPEG  FF D8 FF and a marker byte (C0..FE) after it;
 *   PNG   the 8-byte signature and then an IHDR chunk header of length 13;
 *   PDF   "%PDF-" and a version "d.d";
 *   MP4   an ftyp box first (size 16..WG_MEDIA_SNIFF_MAX, a multiple of 4,
 *         complete within len) whose major or a compatible brand is one of
 *         the MP4 family (isom, iso2..iso9, mp41, mp42, mp71, avc1, M4V ).
 * Anything else is WG_MEDIA_NONE. */
enum wg_media wg_media_sniff(const void *data, size_t len);

/* "image/jpeg", "image/png", "application/pdf", "video/mp4"; NULL for
 * WG_MEDIA_NONE or an unknown value. Static storage. */
const char *wg_media_type(enum wg_media m);

/* File name extension without the dot ("jpg", "png", "pdf", "mp4"); NULL
 * as above. Static storage. */
const char *wg_media_extension(enum wg_media m);

/* The value whose wg_media_type is type (exactly), WG_MEDIA_NONE if none. */
enum wg_media wg_media_parse(const char *type);

/* Whether m is a video (which has its own, larger size limit). */
bool wg_media_is_video(enum wg_media m);

#endif
