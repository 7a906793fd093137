/* text.h - the character encoding of imported files.
 *
 * Import files come as UTF-8, with or without a byte order mark, or as GBK
 * from Excel on Chinese Windows ("CSV (逗号分隔)" is saved in the ANSI code
 * page, 936). Everything after the importer works on UTF-8, so this module
 * turns either into UTF-8 once, before parsing. GBK is decoded as GB18030,
 * its superset, with the C library's iconv. Text that is valid UTF-8 is
 * taken as UTF-8: short GBK texts that happen to be valid UTF-8 as well are
 * rare, and a file of Chinese names long enough to import is not one. */
#ifndef WG_IO_TEXT_H
#define WG_IO_TEXT_H

#include <stddef.h>

/* Convert the len bytes at in (NULL is fine when len is 0) to UTF-8.
 * Valid UTF-8 is copied without its byte order mark; anything else is
 * decoded as GB18030. On success *out is a new NUL-terminated buffer
 * (wg_malloc; the caller frees it with wg_free), *outlen its length without
 * the NUL (NUL bytes inside the text are kept), *encoding "utf-8" or
 * "gb18030" (static), and err "". Returns 0, or
 *   WG_EVALIDATION  neither encoding fits: err is "line N: bytes are neither
 *                   UTF-8 nor GBK", N the line (1-based, counting LF) where
 *                   the encoding that got further fails. Damaged UTF-8 is
 *                   not tried as GB18030, which would turn it into mojibake:
 *                   a text that starts with a UTF-8 byte order mark, err
 *                   "line N: bytes are not UTF-8 although the file starts
 *                   with a UTF-8 byte order mark", and one whose first 16
 *                   non-ASCII characters are UTF-8, err "line N: bytes are
 *                   not UTF-8, though the text before them is"
 *   WG_ENOMEM       no memory for the output
 *   WG_EINTERNAL    the C library has no GB18030 converter (a broken
 *                   installation; err says so)
 * On failure *out and *encoding are NULL and *outlen 0. err may be NULL. */
int wg_text_to_utf8(const char *in, size_t len, char **out, size_t *outlen, const char **encoding, char *err,
                    size_t errlen);

#endif
