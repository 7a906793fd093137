/* attachment.h - uploaded files (photos of a visit, scans and videos of a
 * case): kept once by content, linked to the records that hold them, and
 * read only by those who may see one of those records.
 *
 * A file lives at <dir>/ab/cd/<sha256> (the first two pairs of hex digits
 * as folders), outside the web root; its row in `attachments` gives its
 * media type and size. Storing is two steps, so that the bytes are durable
 * before the row that announces them commits:
 *
 *   1. wg_attachment_save, on any thread and without the database: checks
 *      the type by the first bytes and the size, hashes, and writes the file
 *      through a temporary file (fsync of the file, rename, fsync of the
 *      folder). An identical file already there is kept.
 *   2. wg_attachment_record, in the caller's write transaction: the row, and
 *      that this user uploaded it.
 *
 * A crash between the two leaves at most a file that no row names, which
 * nothing serves (docs/operations.md). Records take a file with
 * wg_attachment_link in their own write transaction.
 *
 * Who may read a file (wg_attachment_get): anyone who uploaded it, and
 * anyone whose scope holds the scope_key of a link to it, or whose
 * department is a link's department (domain/scope.h). The system caller
 * reads everything. */
#ifndef WG_DOMAIN_ATTACHMENT_H
#define WG_DOMAIN_ATTACHMENT_H

#include "domain/scope.h"
#include "io/media.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iovec;

#define WG_ATTACHMENT_SHA256_LEN 64 /* lower-case hex */
#define WG_ATTACHMENT_OWNER_MAX 32  /* bytes of an owner_type ("visit", "case") */

typedef struct wg_attachment {
	char sha256[WG_ATTACHMENT_SHA256_LEN + 1];
	enum wg_media media;
	int64_t size; /* bytes */
} wg_attachment;

/* Largest file of each kind, in bytes. */
typedef struct wg_attachment_limits {
	int64_t max_bytes;       /* JPEG, PNG, PDF */
	int64_t max_video_bytes; /* MP4 */
} wg_attachment_limits;

/* Whether s is 64 lower-case hex digits (the only spelling of a name). */
bool wg_attachment_sha256_valid(const char *s);

/* The file's path, "<dir>/ab/cd/<sha256>", into buf. Returns 0,
 * WG_ENOTFOUND when sha256 is not a valid name, or WG_ETOOLARGE when buf
 * (len bytes) is too small. */
int wg_attachment_path(const char *dir, const char *sha256, char *buf, size_t len);

/* What the upload made of the nparts pieces at parts (read in order as one
 * file) is, without writing anything: *media gets its type. Returns 0,
 * WG_EMEDIATYPE when it is none of JPEG, PNG, PDF and MP4 (an empty file
 * included), or WG_ETOOLARGE when it is larger than its kind's limit. */
int wg_attachment_check(const struct iovec *parts, size_t nparts, const wg_attachment_limits *limits,
                        enum wg_media *media);

/* Check the file as wg_attachment_check, then store it durably under dir
 * (created if missing, with its ab/cd folders) and fill *out. Safe to call
 * from several threads at once, also for the same file. Returns 0 once the
 * file and its folder entry are on disk; WG_EMEDIATYPE or WG_ETOOLARGE
 * (nothing written); WG_ENOMEM; WG_ESTORE when the disk or quota is full;
 * WG_EIO for any other failure. On an error the reason is in err (errlen
 * bytes) and no temporary file is left behind. */
int wg_attachment_save(const char *dir, const struct iovec *parts, size_t nparts,
                       const wg_attachment_limits *limits, wg_attachment *out, char *err, size_t errlen);

/* In the caller's write transaction: the row of a file wg_attachment_save
 * stored (kept as it is when the file was uploaded before), and that user
 * user_id uploaded it (0: the system, which records no uploader). Returns
 * 0, WG_EINTERNAL for an attachment without a valid name or type,
 * WG_ESTORE or WG_ENOMEM. */
int wg_attachment_record(wg_db *db, const wg_attachment *a, int64_t user_id, int64_t now_ms);

/* In the owner's write transaction: the record owner_type/owner_id (e.g.
 * "visit", 42) holds the file sha256, and lies at scope_key (its grid or
 * region code, as the record's own scope_key). Linking again is no error
 * and moves the link to the scope_key (and department) given. Returns 0,
 * WG_ENOTFOUND when no file of that name was uploaded (or the name is
 * malformed), WG_EINTERNAL when owner_type is empty or longer than
 * WG_ATTACHMENT_OWNER_MAX or scope_key is not a region or grid code,
 * WG_ESTORE or WG_ENOMEM.
 *
 * A link makes the file readable to everyone who sees scope_key: callers
 * acting for a user first check that this user may read the file
 * (wg_attachment_get), so that nobody gains a file by linking its name. */
int wg_attachment_link(wg_db *db, const char *sha256, const char *owner_type, int64_t owner_id,
                       const char *scope_key);

/* As wg_attachment_link, for records assigned to a department (a case
 * dispatched to one): department roles of that department also read the
 * file. department NULL is wg_attachment_link. */
int wg_attachment_link_department(wg_db *db, const char *sha256, const char *owner_type, int64_t owner_id,
                                  const char *scope_key, const char *department);

/* The file sha256 as caller may read it, into *out. Returns 0, WG_ENOTFOUND
 * when it does not exist, is not visible to caller or the name is
 * malformed, WG_ESTORE or WG_ENOMEM. */
int wg_attachment_get(wg_db *db, const wg_caller *caller, const char *sha256, wg_attachment *out);

#endif
