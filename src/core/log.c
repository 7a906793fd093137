#include "core/log.h"

#include "core/clock.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int min_level = WG_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

int wg_log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0) {
			atomic_store(&min_level, i);
			return 0;
		}
	return WG_ECONFIG;
}

/* Each line is built in a thread-local buffer and written with one write(2)
 * so that lines from several loops never interleave. */
struct line {
	wg_json_out w;
	size_t len;
	char text[16384];
};

static _Thread_local struct line current;

static int line_sink(void *ctx, const char *data, size_t len)
{
	struct line *l = ctx;
	if (len > sizeof l->text - 1 - l->len)
		len = sizeof l->text - 1 - l->len; /* a log line is cut, never an error */
	memcpy(l->text + l->len, data, len);
	l->len += len;
	return 0;
}

wg_json_out *wg_log_line_begin(enum wg_log_level level, const char *msg)
{
	if ((int)level < atomic_load(&min_level))
		return NULL;
	struct line *l = &current;
	l->len = 0;
	wg_json_init(&l->w, line_sink, l);
	char ts[40];
	wg_clock_format_rfc3339(wg_clock_now_ms(), 0, 1, ts, sizeof ts);
	wg_json_object_begin(&l->w);
	wg_json_kv_string(&l->w, "ts", ts);
	wg_json_kv_string(&l->w, "level", level_names[level]);
	wg_json_kv_string(&l->w, "msg", msg);
	return &l->w;
}

void wg_log_line_end(wg_json_out *w)
{
	struct line *l = &current;
	wg_json_object_end(w);
	wg_json_finish(w);
	l->text[l->len++] = '\n';
	ssize_t rc = write(STDERR_FILENO, l->text, l->len);
	(void)rc; /* nowhere to report a failing stderr */
}

void wg_log(enum wg_log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	wg_json_out *w = wg_log_line_begin(level, msg);
	if (w)
		wg_log_line_end(w);
}
