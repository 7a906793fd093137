/* Static files of the built web app, with the single-page-app fallback:
 * a GET for a path without a file extension that names no file gets the
 * index.html of the page it lies under (/m/tasks/3 gets /m/index.html,
 * since the phone app, the portal and the dashboard are pages of their
 * own), or the top index.html (the console), so client-side routes
 * survive a reload. */
#include "core/error.h"
#include "http/loop.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} media_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".map", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".gif", "image/gif"},
	{".webp", "image/webp"},
	{".ico", "image/x-icon"},
	{".woff", "font/woff"},
	{".woff2", "font/woff2"},
	{".ttf", "font/ttf"},
	{".otf", "font/otf"},
	{".txt", "text/plain; charset=utf-8"},
	{".webmanifest", "application/manifest+json"},
	{".wasm", "application/wasm"},
};

static const char *media_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
			if (strcmp(dot, media_types[i].ext) == 0)
				return media_types[i].type;
	return "application/octet-stream";
}

/* No ".", ".." or backslash segments: the decoded path must name a file
 * below the root by construction, and realpath checks it again. */
static bool safe_path(const char *path)
{
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.') ||
		    memchr(p, '\\', len))
			return false;
		p += len;
	}
	return true;
}

static bool last_segment_has_extension(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strchr(slash ? slash : path, '.') != NULL;
}

/* Resolve path below root into real (a regular file). */
static bool resolve(const char *root, const char *path, char *real, struct stat *st)
{
	char full[PATH_MAX];
	const char *index = path[strlen(path) - 1] == '/' ? "index.html" : "";
	int n = snprintf(full, sizeof full, "%s%s%s", root, path, index);
	if (n < 0 || (size_t)n >= sizeof full || !realpath(full, real))
		return false;
	size_t rl = strlen(root);
	if (strncmp(real, root, rl) != 0 || real[rl] != '/')
		return false;
	return stat(real, st) == 0 && S_ISREG(st->st_mode);
}

/* The index.html of the page path lies under: its first segment's ("/m"
 * and "/m/..." both get /m/index.html when there is one), else the top one. */
static bool resolve_page(const char *root, const char *path, char *real, struct stat *st)
{
	const char *seg = path + strspn(path, "/");
	size_t len = strcspn(seg, "/");
	char index[PATH_MAX];
	if (len > 0 && len + sizeof "//index.html" <= sizeof index) {
		snprintf(index, sizeof index, "/%.*s/index.html", (int)len, seg);
		if (resolve(root, index, real, st))
			return true;
	}
	return resolve(root, "/index.html", real, st);
}

void wg__static_serve(wg_req *req)
{
	const char *root = req->loop->server->static_root;
	char real[PATH_MAX];
	struct stat st;
	if (!root[0] || !safe_path(req->path)) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	bool found = resolve(root, req->path, real, &st);
	bool fallback = !found && !last_segment_has_extension(req->path);
	if (fallback)
		found = resolve_page(root, req->path, real, &st);
	if (!found) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	bool immutable = !fallback && strncmp(req->path, "/assets/", 8) == 0;
	const char *cache = immutable ? "public, max-age=31536000, immutable" : "no-cache";
	char etag[64];
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	                 (unsigned long long)st.st_mtim.tv_nsec);
	wg_req_header(req, "ETag", etag);
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		wg__req_send(req, 304, media_type(real), cache);
		return;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	if (st.st_size > 0 && evbuffer_add_file(req->out, fd, 0, st.st_size) != 0) {
		close(fd);
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	if (st.st_size == 0)
		close(fd);
	req->bytes_out = (size_t)st.st_size;
	wg__req_send(req, 200, media_type(real), cache);
}
