/* /api/v1/attachments: upload a file (the raw bytes as the body) and read
 * one back by its SHA-256. The bytes decide what a file is, never its name
 * or Content-Type (domain/attachment.h, io/media.h). */
#include "api/api.h"

#include "api/basedata.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/attachment.h"
#include "domain/case.h"
#include "http/server.h"

#include <errno.h>
#include <event2/http.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static wg_attachment_limits limits_of(wg_req *req)
{
	const wg_config *cfg = wg_req_config(req);
	return (wg_attachment_limits){.max_bytes = cfg->attachments_max_bytes,
	                              .max_video_bytes = cfg->attachments_max_video};
}

/* ---- POST /attachments ------------------------------------------------- */

struct upload {
	wg_req *req;
	const char *dir;
	wg_attachment_limits limits;
	wg_attachment att;
	int64_t user_id;
	int64_t case_id; /* POST /cases/{id}/attachments: the case that holds it */
	char err[256];
};

/* 413 and 415 name the limits and types, so that the person uploading
 * knows what to send instead. */
static void refuse(wg_req *req, int rc, enum wg_media media, const wg_attachment_limits *limits)
{
	const char *detail = NULL;
	if (rc == WG_ETOOLARGE) {
		bool video = wg_media_is_video(media);
		detail = wg_arena_printf(&req->arena, "%s files may be at most %lld bytes",
		                         video ? "MP4" : "JPEG, PNG and PDF",
		                         (long long)(video ? limits->max_video_bytes : limits->max_bytes));
	} else if (rc == WG_EMEDIATYPE) {
		detail = req->raw_body_len == 0
		                 ? "the body is empty: send the file's bytes (JPEG, PNG, PDF or MP4)"
		                 : "the file is not a JPEG, PNG, PDF or MP4 (judged by its content, "
		                   "not its name or Content-Type)";
	}
	wg_req_problem(req, rc, detail);
}

static void record_then(wg_req *req, int status)
{
	struct upload *u = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	char *location = wg_arena_printf(&req->arena, "/api/v1/attachments/%s", u->att.sha256);
	if (location)
		wg_req_header(req, "Location", location);
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "sha256", u->att.sha256);
	wg_json_kv_string(w, "media_type", wg_media_type(u->att.media));
	wg_json_kv_int(w, "size", u->att.size);
	wg_json_object_end(w);
	wg_req_reply(req, 201);
}

/* The row commits only after the file is durable (save_then): an
 * acknowledged upload is never lost. */
static int record_run(wg_db *db, void *arg)
{
	struct upload *u = arg;
	int rc = wg_attachment_record(db, &u->att, u->user_id, wg_clock_now_ms());
	if (rc || !u->case_id)
		return rc;
	wg_case_env env;
	wg__api_case_env(u->req, &env);
	return wg_case_attach(db, &env, u->case_id, u->att.sha256);
}

static int save_run(void *arg)
{
	struct upload *u = arg;
	wg_req *req = u->req;
	return wg_attachment_save(u->dir, req->raw_body, req->raw_body_parts, &u->limits, &u->att, u->err,
	                          sizeof u->err);
}

static void save_then(wg_req *req, int status)
{
	struct upload *u = req->user;
	if (status == WG_EIO || status == WG_ESTORE)
		wg_log(WG_LOG_ERROR, "storing an upload in %s failed: %s", u->dir, u->err);
	if (wg_req_status_or_reply(req, status))
		return;
	wg_req_write(req, record_run, u, record_then);
}

static void upload(wg_req *req, int64_t case_id)
{
	struct upload *u = wg_req_state_or_reply(req, sizeof *u);
	if (!u)
		return;
	u->case_id = case_id;
	u->req = req;
	u->dir = wg_req_config(req)->attachments_dir;
	u->limits = limits_of(req);
	u->user_id = req->caller->user_id;
	/* Type and size are cheap to judge here; hashing and writing are not,
	 * and go to the worker pool. */
	enum wg_media media;
	int rc = wg_attachment_check(req->raw_body, req->raw_body_parts, &u->limits, &media);
	if (rc) {
		refuse(req, rc, media, &u->limits);
		return;
	}
	wg_req_compute(req, save_run, u, save_then);
}

void wg_api_attachments_upload(wg_req *req)
{
	upload(req, 0);
}

void wg_api_cases_attach(wg_req *req)
{
	int64_t id;
	if (wg__api_id_or_reply(req, &id))
		upload(req, id);
}

/* ---- GET /attachments/{sha256} ----------------------------------------------- */

struct fetch {
	wg_req *req;
	const char *sha256;
	wg_attachment att;
};

static int fetch_run(wg_db *db, void *arg)
{
	struct fetch *f = arg;
	return wg_attachment_get(db, f->req->caller, f->sha256, &f->att);
}

/* The file of a row that exists: its absence is the server's fault. */
static int open_stored(wg_req *req, const wg_attachment *att, int *fd_out)
{
	const char *dir = wg_req_config(req)->attachments_dir;
	char path[PATH_MAX];
	if (wg_attachment_path(dir, att->sha256, path, sizeof path) != 0)
		return WG_EIO;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != att->size) {
		wg_log(WG_LOG_ERROR, "attachment %s is missing or damaged: %s", path,
		       fd < 0 ? strerror(errno) : "not a regular file of the recorded size");
		if (fd >= 0)
			close(fd);
		return WG_EIO;
	}
	*fd_out = fd;
	return 0;
}

static void fetch_then(wg_req *req, int status)
{
	struct fetch *f = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	/* The name is the content: the ETag never changes, but each request
	 * is checked again (no-cache), since who may read a file can. */
	const char *type = wg_media_type(f->att.media);
	const char *cache = "private, no-cache";
	char etag[WG_ATTACHMENT_SHA256_LEN + 3];
	snprintf(etag, sizeof etag, "\"%s\"", f->att.sha256);
	wg_req_header(req, "ETag", etag);
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "If-None-Match");
	if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0)) {
		wg_req_reply_file(req, 304, -1, 0, type, cache);
		return;
	}
	int fd;
	int rc = open_stored(req, &f->att, &fd);
	if (rc) {
		wg_req_problem(req, rc, "the stored file is missing");
		return;
	}
	char *disposition = wg_arena_printf(&req->arena, "attachment; filename=\"%s.%s\"", f->att.sha256,
	                                    wg_media_extension(f->att.media));
	wg_req_header(req, "Content-Disposition", disposition ? disposition : "attachment");
	wg_req_reply_file(req, 200, fd, (size_t)f->att.size, type, cache);
}

void wg_api_attachments_get(wg_req *req)
{
	struct fetch *f = wg_req_state_or_reply(req, sizeof *f);
	if (!f)
		return;
	f->req = req;
	f->sha256 = req->params[0];
	/* A malformed name is no file, like one nobody uploaded. */
	if (!wg_attachment_sha256_valid(f->sha256)) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	wg_req_read(req, fetch_run, f, fetch_then);
}
