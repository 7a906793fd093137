/* log.h - structured logging as JSON lines on stderr.
 *
 * Each line is one JSON object: {"ts":"...","level":"info","msg":"...",...}.
 * The access log (one line per request) is written by the HTTP layer with
 * wg_log_line so that every line in the stream has the same shape. */
#ifndef WG_CORE_LOG_H
#define WG_CORE_LOG_H

#include "core/json_out.h"

enum wg_log_level { WG_LOG_DEBUG, WG_LOG_INFO, WG_LOG_WARN, WG_LOG_ERROR };

/* Least severe level written; parsed from "debug"/"info"/"warn"/"error".
 * Returns 0 or WG_ECONFIG for an unknown name. */
int wg_log_set_level(const char *name);

/* Write {"ts","level","msg"} plus printf-formatted msg. */
void wg_log(enum wg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Start a line with ts and level set and let the caller add fields; the
 * line is written atomically by wg_log_line_end. Returns NULL (and nothing is
 * written) when the level is filtered out. */
wg_json_out *wg_log_line_begin(enum wg_log_level level, const char *msg);
void wg_log_line_end(wg_json_out *w);

#endif
