#include "domain/attachment.h"

#include "core/clock.h"
#include "core/digest.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

bool wg_attachment_sha256_valid(const char *s)
{
	if (!s)
		return false;
	size_t i = 0;
	for (; s[i]; i++)
		if (i == WG_ATTACHMENT_SHA256_LEN ||
		    !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == WG_ATTACHMENT_SHA256_LEN;
}

int wg_attachment_path(const char *dir, const char *sha256, char *buf, size_t len)
{
	if (!wg_attachment_sha256_valid(sha256))
		return WG_ENOTFOUND;
	int n = snprintf(buf, len, "%s/%.2s/%.2s/%s", dir, sha256, sha256 + 2, sha256);
	return n >= 0 && (size_t)n < len ? 0 : WG_ETOOLARGE;
}

/* ---- checking --------------------------------------------------------- */

int wg_attachment_check(const struct iovec *parts, size_t nparts, const wg_attachment_limits *limits,
                        enum wg_media *media)
{
	/* The format is in the first bytes, which may span pieces. */
	unsigned char head[WG_MEDIA_SNIFF_MAX];
	size_t have = 0;
	uint64_t size = 0;
	for (size_t i = 0; i < nparts; i++) {
		size_t take = parts[i].iov_len;
		if (take > sizeof head - have)
			take = sizeof head - have;
		if (take)
			memcpy(head + have, parts[i].iov_base, take);
		have += take;
		size += parts[i].iov_len;
	}
	*media = wg_media_sniff(head, have);
	if (*media == WG_MEDIA_NONE)
		return WG_EMEDIATYPE;
	int64_t max = wg_media_is_video(*media) ? limits->max_video_bytes : limits->max_bytes;
	return size > (uint64_t)max ? WG_ETOOLARGE : 0;
}

/* ---- the file ------------------------------------------------------------- */

static int io_error(int err_no, char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(err_no));
	return err_no == ENOSPC || err_no == EDQUOT ? WG_ESTORE : WG_EIO;
}

/* fsync of a folder makes the entries created or renamed in it durable. */
static int sync_dir(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(errno, err, errlen, "opening folder", path);
	int rc = fsync(fd) == 0 ? 0 : io_error(errno, err, errlen, "syncing folder", path);
	close(fd);
	return rc;
}

/* mkdir that accepts an existing folder; *created says whether it made it. */
static int make_dir(const char *path, bool *created, char *err, size_t errlen)
{
	*created = false;
	if (mkdir(path, 0750) == 0) {
		*created = true;
		return 0;
	}
	struct stat st;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return io_error(errno == EEXIST ? ENOTDIR : errno, err, errlen, "creating folder", path);
}

/* The configured folder itself, with any missing parents ("var/attachments"
 * on a fresh install), each new one made durable in its parent. */
static int make_base(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path) {
		snprintf(err, errlen, "the attachments folder name is empty or too long");
		return WG_EIO;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char keep = path[i];
		path[i] = '\0';
		bool created;
		int rc = make_dir(path, &created, err, errlen);
		if (!rc && created) {
			char *slash = strrchr(path, '/');
			if (slash == path)
				rc = sync_dir("/", err, errlen);
			else if (slash) {
				*slash = '\0';
				rc = sync_dir(path, err, errlen);
				*slash = '/';
			} else {
				rc = sync_dir(".", err, errlen);
			}
		}
		path[i] = keep;
		if (rc)
			return rc;
	}
	return 0;
}

/* <dir>/ab and <dir>/ab/cd into folder (PATH_MAX bytes). */
static int make_folders(const char *dir, const char *sha256, char *folder, char *err, size_t errlen)
{
	int rc = make_base(dir, err, errlen);
	if (rc)
		return rc;
	char ab[PATH_MAX];
	int n1 = snprintf(ab, sizeof ab, "%s/%.2s", dir, sha256);
	int n2 = snprintf(folder, PATH_MAX, "%s/%.2s/%.2s", dir, sha256, sha256 + 2);
	if (n1 < 0 || (size_t)n1 >= sizeof ab || n2 < 0 || n2 >= PATH_MAX) {
		snprintf(err, errlen, "the attachments folder name is too long");
		return WG_EIO;
	}
	bool made_ab, made_cd;
	if ((rc = make_dir(ab, &made_ab, err, errlen)) || (made_ab && (rc = sync_dir(dir, err, errlen))))
		return rc;
	if ((rc = make_dir(folder, &made_cd, err, errlen)) || (made_cd && (rc = sync_dir(ab, err, errlen))))
		return rc;
	return 0;
}

/* Whether the open file fd holds exactly the bytes of parts. */
static bool same_bytes(int fd, const struct iovec *parts, size_t nparts, uint64_t size)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return false;
	unsigned char buf[16384];
	off_t at = 0;
	for (size_t i = 0; i < nparts; i++) {
		const unsigned char *p = parts[i].iov_base;
		size_t left = parts[i].iov_len;
		while (left) {
			size_t want = left < sizeof buf ? left : sizeof buf;
			ssize_t got = pread(fd, buf, want, at);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0 || memcmp(buf, p, (size_t)got) != 0)
				return false;
			p += got;
			left -= (size_t)got;
			at += got;
		}
	}
	return true;
}

static int write_all(int fd, const struct iovec *parts, size_t nparts)
{
	for (size_t i = 0; i < nparts; i++) {
		const char *p = parts[i].iov_base;
		size_t left = parts[i].iov_len;
		while (left) {
			ssize_t n = write(fd, p, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return errno;
			if (n == 0)
				return EIO;
			p += n;
			left -= (size_t)n;
		}
	}
	return 0;
}

/* An existing file of this name: kept when it holds these bytes (synced
 * again, in case the writer before us crashed before its fsync). Sets
 * *kept; an unreadable or different file is replaced by the caller. */
static int keep_existing(const char *path, const char *folder, const struct iovec *parts, size_t nparts,
                         uint64_t size, bool *kept, char *err, size_t errlen)
{
	*kept = false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int rc = 0;
	if (same_bytes(fd, parts, nparts, size)) {
		if (fsync(fd) != 0)
			rc = io_error(errno, err, errlen, "syncing", path);
		*kept = true;
	}
	close(fd);
	if (!rc && *kept)
		rc = sync_dir(folder, err, errlen);
	return rc;
}

static int hash_parts(const struct iovec *parts, size_t nparts, char hex[WG_DIGEST_HEX_MAX])
{
	wg_digest *d = wg_digest_begin("sha256");
	if (!d)
		return WG_ENOMEM;
	for (size_t i = 0; i < nparts; i++)
		wg_digest_update(d, parts[i].iov_base, parts[i].iov_len);
	return wg_digest_end(d, hex);
}

int wg_attachment_save(const char *dir, const struct iovec *parts, size_t nparts,
                       const wg_attachment_limits *limits, wg_attachment *out, char *err, size_t errlen)
{
	enum wg_media media;
	int rc = wg_attachment_check(parts, nparts, limits, &media);
	if (rc) {
		snprintf(err, errlen, "%s",
		         rc == WG_ETOOLARGE ? "larger than the limit of its type"
		                            : "not a JPEG, PNG, PDF or MP4 file");
		return rc;
	}
	uint64_t size = 0;
	for (size_t i = 0; i < nparts; i++)
		size += parts[i].iov_len;
	char hex[WG_DIGEST_HEX_MAX];
	if ((rc = hash_parts(parts, nparts, hex))) {
		snprintf(err, errlen, "cannot compute SHA-256: %s", wg_error_message(rc));
		return rc;
	}
	char folder[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	if ((rc = make_folders(dir, hex, folder, err, errlen)))
		return rc;
	int n = snprintf(tmp, sizeof tmp, "%s/.tmp-%s-XXXXXX", folder, hex);
	if (wg_attachment_path(dir, hex, path, sizeof path) || n < 0 || (size_t)n >= sizeof tmp) {
		snprintf(err, errlen, "the attachments folder name is too long");
		return WG_EIO;
	}
	bool kept;
	if ((rc = keep_existing(path, folder, parts, nparts, size, &kept, err, errlen)))
		return rc;
	if (!kept) {
		/* Written aside and renamed into place: a reader or a crash never
		 * sees a partial file under the final name. */
		int fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return io_error(errno, err, errlen, "creating", tmp);
		int e = write_all(fd, parts, nparts);
		if (!e && fsync(fd) != 0)
			e = errno;
		if (close(fd) != 0 && !e)
			e = errno;
		if (!e && rename(tmp, path) != 0)
			e = errno;
		if (e) {
			unlink(tmp);
			return io_error(e, err, errlen, "writing", path);
		}
		if ((rc = sync_dir(folder, err, errlen)))
			return rc;
	}
	memcpy(out->sha256, hex, sizeof out->sha256);
	out->media = media;
	out->size = (int64_t)size;
	return 0;
}

/* ---- rows ----------------------------------------------------------------- */

int wg_attachment_record(wg_db *db, const wg_attachment *a, int64_t user_id, int64_t now_ms)
{
	const char *type = wg_media_type(a->media);
	if (!type || !wg_attachment_sha256_valid(a->sha256))
		return WG_EINTERNAL;
	static const char insert[] =
		"INSERT INTO attachments (sha256, media_type, size, created_by, created_at) "
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING";
	int rc = user_id ? wg_db_execf(db, insert, NULL, "ttiii", a->sha256, type, a->size, user_id, now_ms)
	                 : wg_db_execf(db, insert, NULL, "ttini", a->sha256, type, a->size, now_ms);
	if (rc || !user_id)
		return rc;
	return wg_db_execf(db,
	                   "INSERT INTO attachment_uploads (sha256, user_id, created_at) VALUES (?, ?, ?) "
	                   "ON CONFLICT (sha256, user_id) DO NOTHING",
	                   NULL, "tii", a->sha256, user_id, now_ms);
}

static int exists(wg_db *db, const char *sha256, bool *found)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT 1 FROM attachments WHERE sha256 = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", sha256);
	if (!rc)
		rc = wg_stmt_step(st);
	*found = rc == WG_DB_ROW;
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int wg_attachment_link_department(wg_db *db, const char *sha256, const char *owner_type, int64_t owner_id,
                                  const char *scope_key, const char *department)
{
	char prefix[WG_SCOPE_KEY_MAX + 1];
	size_t owner_len = owner_type ? strlen(owner_type) : 0;
	if (owner_len == 0 || owner_len > WG_ATTACHMENT_OWNER_MAX || !wg_scope_prefix(scope_key, prefix) ||
	    (department && !*department))
		return WG_EINTERNAL;
	if (!wg_attachment_sha256_valid(sha256))
		return WG_ENOTFOUND;
	bool found;
	int rc = exists(db, sha256, &found);
	if (rc)
		return rc;
	if (!found)
		return WG_ENOTFOUND;
	return wg_db_execf(
		db,
		"INSERT INTO attachment_links (sha256, owner_type, owner_id, scope_key, department, "
		"created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner_type, owner_id, sha256) "
		"DO UPDATE SET scope_key = excluded.scope_key, department = excluded.department",
		NULL, "ttitti", sha256, owner_type, owner_id, scope_key, department, wg_clock_now_ms());
}

int wg_attachment_link(wg_db *db, const char *sha256, const char *owner_type, int64_t owner_id,
                       const char *scope_key)
{
	return wg_attachment_link_department(db, sha256, owner_type, owner_id, scope_key, NULL);
}

/* ---- reading -------------------------------------------------------------- */

/* Visible: uploaded by the caller, or linked from a record in the caller's
 * scope or assigned to their department, or from a case their department
 * owns, co-handles or was summoned to (case.h: who sees a case). */
#define CASE_DEPARTMENT_SQL                                                     \
	"(l.owner_type = 'case' AND EXISTS (SELECT 1 FROM case_departments cd " \
	"WHERE cd.case_id = l.owner_id AND cd.department = ?))"
#define LINK_SQL "(" WG_SCOPE_DEPT_SQL("l.scope_key", "l.department") " OR " CASE_DEPARTMENT_SQL ")"
#define VISIBLE_SQL                                                                                 \
	"(EXISTS (SELECT 1 FROM attachment_uploads u WHERE u.sha256 = a.sha256 AND u.user_id = ?) " \
	"OR EXISTS (SELECT 1 FROM attachment_links l WHERE l.sha256 = a.sha256 AND " LINK_SQL "))"

int wg_attachment_get(wg_db *db, const wg_caller *caller, const char *sha256, wg_attachment *out)
{
	if (!wg_attachment_sha256_valid(sha256))
		return WG_ENOTFOUND;
	bool system = caller->user_id == 0 && !caller->scope;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		system ? "SELECT a.media_type, a.size FROM attachments a WHERE a.sha256 = ?"
		       : "SELECT a.media_type, a.size FROM attachments a WHERE a.sha256 = ? "
			 "AND " VISIBLE_SQL,
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", sha256);
	if (!rc && !system) {
		wg_scope scope;
		wg_scope_of_matters(caller, &scope);
		rc = wg_stmt_bind_int(st, 2, caller->user_id);
		int next = rc ? rc : wg_scope_bind_dept(&scope, st, 3);
		rc = next < 0 ? next
		     : scope.department
		             ? wg_stmt_bind_text(st, next, scope.department, strlen(scope.department))
		             : wg_stmt_bind_null(st, next);
	}
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		out->media = wg_media_parse(wg_stmt_text(st, 0, NULL));
		out->size = wg_stmt_int(st, 1);
		memcpy(out->sha256, sha256, sizeof out->sha256);
		rc = out->media == WG_MEDIA_NONE ? WG_ESTORE : 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}
