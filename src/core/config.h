/* config.h - the one settings table.
 *
 * WG_SETTINGS lists every setting once: field, dotted name, type, default,
 * bounds, flags and help. The table drives the config file ("name = value"
 * lines), WG_* environment variables (WG_ + the name upper-cased with dots as
 * underscores: http.port -> WG_HTTP_PORT), command-line flags (--http.port=N),
 * `wangge config` and docs/configuration.md. Later sources win:
 * defaults < file < environment < flags. */
#ifndef WG_CORE_CONFIG_H
#define WG_CORE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

enum wg_setting_type { WG_SET_STRING, WG_SET_INT, WG_SET_BOOL };

enum wg_setting_flags {
	WG_SET_SECRET = 1,  /* shown as "<redacted>" */
	WG_SET_URL_PW = 2,  /* a URL whose password is redacted */
	WG_SET_RUNTIME = 4, /* may change while serving (PUT /api/v1/settings/{name}) */
};

/* Debian's fonts-wqy-zenhei (tools/deps.sh installs it). */
#define WG_REPORTS_FONT_DEFAULT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

/* X(field, "name", TYPE, default, min, max, flags, "help"); defaults of string
 * settings are string literals, of the others numbers. */
#define WG_SETTINGS(X)                                                                                  \
	X(db_url, "db.url", STRING, "sqlite:var/wangge.db", 0, 0, WG_SET_URL_PW,                        \
	  "Database URL: sqlite:PATH, or a PostgreSQL connection string (postgresql://... or "          \
	  "key=value form)")                                                                            \
	X(db_pool, "db.pool", INT, 4, 1, 64, 0,                                                         \
	  "PostgreSQL connections in the pool (reads and writes); SQLite uses one writer")              \
	X(db_batch_max, "db.batch_max", INT, 256, 1, 10000, 0,                                          \
	  "Most writes committed together in one group-commit transaction")                             \
	X(db_busy_timeout_ms, "db.busy_timeout_ms", INT, 5000, 0, 600000, 0,                            \
	  "SQLite busy timeout in milliseconds")                                                        \
	X(http_host, "http.host", STRING, "127.0.0.1", 0, 0, 0, "Address to listen on")                 \
	X(http_port, "http.port", INT, 8080, 0, 65535, 0, "TCP port to listen on (0 picks a free one)") \
	X(http_threads, "http.threads", INT, 0, 0, 256, 0, "Event loops; 0 means one per CPU core")     \
	X(http_max_body, "http.max_body", INT, 1048576, 1024, 1073741824, 0,                            \
	  "Largest request body in bytes; a larger one is refused with 413 before it is read")          \
	X(http_timeout_s, "http.timeout_s", INT, 30, 1, 3600, 0,                                        \
	  "Seconds a connection may stay idle or take to send a request")                               \
	X(http_static_dir, "http.static_dir", STRING, "web/dist", 0, 0, 0,                              \
	  "Built web app served at / (index.html for unknown non-API paths)")                           \
	X(http_access_log, "http.access_log", BOOL, 1, 0, 1, WG_SET_RUNTIME,                            \
	  "Write a JSON line per request to stderr")                                                    \
	X(shutdown_grace_s, "shutdown.grace_s", INT, 10, 0, 600, WG_SET_RUNTIME,                        \
	  "Seconds to let in-flight requests finish after SIGTERM or SIGINT")                           \
	X(data_dir, "data.dir", STRING, "data", 0, 0, 0,                                                \
	  "Folder of shipped data (region codes, holidays, categories)")                                \
	X(evaluation_file, "evaluation.file", STRING, "", 0, 0, 0,                                      \
	  "Evaluation (考核) weights file, validated at start; empty: evaluation.json in data.dir")     \
	X(attachments_dir, "attachments.dir", STRING, "var/attachments", 0, 0, 0,                       \
	  "Folder of uploaded files, each named by its SHA-256 in folders of its first two digit "      \
	  "pairs (ab/cd/abcd...); must lie outside http.static_dir")                                    \
	X(attachments_max_bytes, "attachments.max_bytes", INT, 20971520, 1024, 1073741824, 0,           \
	  "Largest JPEG, PNG or PDF upload in bytes (413 beyond it)")                                   \
	X(attachments_max_video, "attachments.max_video_bytes", INT, 104857600, 1024, 1073741824, 0,    \
	  "Largest MP4 upload in bytes; the upload route reads a body up to the larger of the two "     \
	  "limits, and holds it in memory while it arrives")                                            \
	X(log_level, "log.level", STRING, "info", 0, 0, 0,                                              \
	  "Least severe log level: debug, info, warn, error")                                           \
	X(security_key_file, "security.key_file", STRING, "var/wangge.key", 0, 0, 0,                    \
	  "File with the 32-byte key that encrypts secrets at rest; created (mode 0600) if missing")    \
	X(security_admin_2fa, "security.admin_2fa", BOOL, 1, 0, 1, WG_SET_RUNTIME,                      \
	  "Require a TOTP second factor for sysadmin, secadmin and auditor")                            \
	X(security_password_min_length, "security.password_min_length", INT, 8, 8, 128, WG_SET_RUNTIME, \
	  "Shortest password accepted")                                                                 \
	X(security_password_min_classes, "security.password_min_classes", INT, 3, 1, 4, WG_SET_RUNTIME, \
	  "Character classes (lower, upper, digit, other) a password must mix")                         \
	X(security_password_max_age_days, "security.password_max_age_days", INT, 90, 0, 3650,           \
	  WG_SET_RUNTIME, "Days after which a password must be changed (0: never)")                     \
	X(security_password_history, "security.password_history", INT, 5, 0, 24, WG_SET_RUNTIME,        \
	  "Earlier passwords that may not be reused")                                                   \
	X(security_argon2_memory_kib, "security.argon2_memory_kib", INT, 19456, 19456, 4194304,         \
	  WG_SET_RUNTIME, "argon2id memory per password hash in KiB")                                   \
	X(security_argon2_passes, "security.argon2_passes", INT, 2, 2, 16, WG_SET_RUNTIME,              \
	  "argon2id passes")                                                                            \
	X(security_session_idle_s, "security.session_idle_s", INT, 1800, 60, 86400, WG_SET_RUNTIME,     \
	  "Seconds of inactivity after which a session ends")                                           \
	X(security_session_absolute_s, "security.session_absolute_s", INT, 43200, 300, 604800,          \
	  WG_SET_RUNTIME, "Seconds after sign-in at which a session ends regardless of activity")       \
	X(security_lockout_failures, "security.lockout_failures", INT, 5, 1, 100, WG_SET_RUNTIME,       \
	  "Wrong passwords within the window that lock an account")                                     \
	X(security_lockout_window_s, "security.lockout_window_s", INT, 300, 10, 86400, WG_SET_RUNTIME,  \
	  "Window in seconds in which failures are counted")                                            \
	X(security_lockout_s, "security.lockout_s", INT, 300, 10, 86400, WG_SET_RUNTIME,                \
	  "Seconds an account stays locked")                                                            \
	X(security_login_per_minute, "security.login_per_minute", INT, 30, 1, 100000, 0,                \
	  "Sign-in attempts allowed per client address per minute")                                     \
	X(security_cookie_secure, "security.cookie_secure", BOOL, 0, 0, 1, WG_SET_RUNTIME,              \
	  "Mark the session cookie Secure (turn on when served over HTTPS)")                            \
	X(time_offset_minutes, "time.offset_minutes", INT, 480, -720, 840, WG_SET_RUNTIME,              \
	  "Offset from UTC of the times in responses, in minutes (480: Asia/Shanghai)")                 \
	X(security_audit_hash, "security.audit_hash", STRING, "sha256", 0, 0, 0,                        \
	  "Hash of the audit chain: sha256 or sm3")                                                     \
	X(flows_dir, "flows.dir", STRING, "flows", 0, 0, 0,                                             \
	  "Folder of the case flow files (event.json, ...), validated at start")                        \
	X(office_hours, "office.hours", STRING, "08:30-12:00,14:00-17:30", 0, 0, 0,                     \
	  "Office hours of a working day, local time: one or two HH:MM-HH:MM spans, comma-separated; "  \
	  "working-hour clocks count only these")                                                       \
	X(cases_accept_hours, "cases.accept_hours", INT, 4, 1, 240, WG_SET_RUNTIME,                     \
	  "Working hours a centre has to accept or reject a report")                                    \
	X(cases_citizen_village_hours, "cases.citizen_village_hours", INT, 8, 1, 240, WG_SET_RUNTIME,   \
	  "Working hours the village has to accept a citizen's report before the town supervises")      \
	X(cases_citizen_town_hours, "cases.citizen_town_hours", INT, 8, 1, 240, WG_SET_RUNTIME,         \
	  "Further working hours after the village's time before the county supervises a citizen's "    \
	  "report")                                                                                     \
	X(cases_assess_hours, "cases.assess_hours", INT, 4, 1, 240, WG_SET_RUNTIME,                     \
	  "Working hours a centre has to assess an accepted case")                                      \
	X(cases_dispatch_hours, "cases.dispatch_hours", INT, 4, 1, 240, WG_SET_RUNTIME,                 \
	  "Working hours a centre has to dispatch an assessed or returned case")                        \
	X(cases_acknowledge_hours, "cases.acknowledge_hours", INT, 4, 1, 240, WG_SET_RUNTIME,           \
	  "Working hours a department has to acknowledge a dispatched case")                            \
	X(cases_verify_days, "cases.verify_days", INT, 2, 1, 30, WG_SET_RUNTIME,                        \
	  "Working days to verify a department's result on site")                                       \
	X(cases_close_days, "cases.close_days", INT, 1, 1, 30, WG_SET_RUNTIME,                          \
	  "Working days to close a verified case")                                                      \
	X(cases_callback_days, "cases.callback_days", INT, 3, 1, 30, WG_SET_RUNTIME,                    \
	  "Working days to call the reporter back after closing")                                       \
	X(cases_review_days, "cases.review_days", INT, 2, 1, 30, WG_SET_RUNTIME,                        \
	  "Working days to decide on a dissatisfied reporter's case (reopen or archive)")               \
	X(cases_sample_percent, "cases.sample_percent", INT, 10, 0, 100, WG_SET_RUNTIME,                \
	  "Percent of self-resolved reports drawn for verification on site")                            \
	X(cases_dedupe_radius_m, "cases.dedupe_radius_m", INT, 300, 10, 10000, WG_SET_RUNTIME,          \
	  "Distance in metres within which a report of the same category may be a duplicate")           \
	X(cases_dedupe_days, "cases.dedupe_days", INT, 7, 1, 90, WG_SET_RUNTIME,                        \
	  "Days back within which a report of the same category may be a duplicate")                    \
	X(disputes_perform_days, "disputes.perform_days", INT, 20, 1, 250, WG_SET_RUNTIME,              \
	  "Working days after a mediation agreement to check that it was performed")                    \
	X(petitions_repeat_days, "petitions.repeat_days", INT, 365, 1, 3650, WG_SET_RUNTIME,            \
	  "Days back within which a petition by the same visitor on the same category is a repeat")     \
	X(portal_per_minute, "portal.per_minute", INT, 5, 1, 10000, 0,                                  \
	  "Citizen portal reports and ratings accepted per minute from one address")                    \
	X(open311_contact, "open311.contact", STRING, "", 0, 0, 0,                                      \
	  "Open311 discovery: whom client developers contact about the service (a name, a phone "       \
	  "or an address); empty: none given")                                                          \
	X(warnings_soon_due_hours, "warnings.soon_due_hours", INT, 8, 1, 240, WG_SET_RUNTIME,           \
	  "GET /warnings: an open case is soon due when its deadline falls within this many working "   \
	  "hours")                                                                                      \
	X(warnings_spike_window_days, "warnings.spike_window_days", INT, 7, 1, 90, WG_SET_RUNTIME,      \
	  "Spike rule: days of the recent window, today included")                                      \
	X(warnings_spike_baseline, "warnings.spike_baseline_days", INT, 28, 1, 365, WG_SET_RUNTIME,     \
	  "Spike rule: days of the baseline just before the window")                                    \
	X(warnings_spike_min_count, "warnings.spike_min_count", INT, 5, 1, 100000, WG_SET_RUNTIME,      \
	  "Spike rule: fewest reports of a category in a place in the window that can be a spike")      \
	X(warnings_spike_ratio_percent, "warnings.spike_ratio_percent", INT, 300, 100, 100000,          \
	  WG_SET_RUNTIME,                                                                               \
	  "Spike rule: the window's reports must reach this percent of the expected count (the "        \
	  "baseline scaled to the window's length)")                                                    \
	X(warnings_spike_expected_min, "warnings.spike_expected_min", INT, 1, 1, 1000, WG_SET_RUNTIME,  \
	  "Spike rule: floor of the expected count, so that a category rising from nothing needs "      \
	  "spike_min_count reports")                                                                    \
	X(reports_font, "reports.font", STRING, WG_REPORTS_FONT_DEFAULT, 0, 0, 0,                       \
	  "TrueType font (.ttf, or a .ttc collection) with CJK glyphs for the PDF reports, "            \
	  "embedded in each; libharu cannot read OpenType/CFF fonts such as Noto Sans CJK "             \
	  "(Debian: fonts-wqy-zenhei)")                                                                 \
	X(reports_font_index, "reports.font_index", INT, 0, 0, 255, 0,                                  \
	  "Which font of a .ttc collection reports.font names (0: the first)")                          \
	X(testing_clock, "testing.clock", BOOL, 0, 0, 1, 0,                                             \
	  "Tests only: serve PUT /api/v1/testing/clock, which sets the server's clock. Never in "       \
	  "production")                                                                                 \
	X(testing_ack_before_commit, "testing.ack_before_commit", BOOL, 0, 0, 1, 0,                     \
	  "Tests only: answer each write before its transaction commits, so that a crash loses "        \
	  "acknowledged writes (the crash test's positive control). Never in production")

typedef struct wg_config {
#define WG__SET_FIELD_STRING char *
/* Numbers and flags are atomic: the runtime ones change while loops read them. */
#define WG__SET_FIELD_INT _Atomic long long
#define WG__SET_FIELD_BOOL _Atomic bool
#define WG__SET_FIELD(field, name, type, def, min, max, flags, help) WG__SET_FIELD_##type field;
	WG_SETTINGS(WG__SET_FIELD)
#undef WG__SET_FIELD
} wg_config;

/* Fill c with the defaults. Returns 0 or WG_ENOMEM. Free with wg_config_free. */
int wg_config_defaults(wg_config *c);

/* Set one setting from text, validating type and bounds. On error returns
 * WG_ECONFIG (or WG_ENOMEM) and writes the reason to err. */
int wg_config_set(wg_config *c, const char *name, const char *value, char *err, size_t errlen);

/* Apply a config file's text: "name = value" lines, '#' comments, blank lines.
 * Errors name the line. */
int wg_config_parse(wg_config *c, const char *text, size_t len, char *err, size_t errlen);

/* Read and apply a config file. */
int wg_config_load_file(wg_config *c, const char *path, char *err, size_t errlen);

/* Apply WG_* variables found in envp (NULL-terminated). */
int wg_config_load_env(wg_config *c, char *const *envp, char *err, size_t errlen);

/* Like wg_config_get, but as shown to people: secrets redacted, and the
 * password of a database URL. */
int wg_config_get_shown(const wg_config *c, const char *name, char *buf, size_t len);

/* Print "name = value" lines, secrets redacted. */
void wg_config_print(const wg_config *c, FILE *out);

/* Print the settings table as Markdown (docs/configuration.md). */
void wg_config_print_markdown(FILE *out);

/* Whether name is a setting that may change while serving (flag
 * WG_SET_RUNTIME), and whether it belongs to security policy (names
 * "security.*", which only secadmin may change). false for unknown names. */
bool wg_config_is_runtime(const char *name);
bool wg_config_is_security(const char *name);

/* Describe the i-th setting for the settings API: type "string", "integer"
 * or "boolean"; default and bounds as text (bounds empty unless integer);
 * help. Returns false past the end. Secret settings report "<redacted>". */
typedef struct wg_setting_info {
	const char *name, *type, *help;
	char def[64], min[24], max[24];
	bool runtime, secret;
} wg_setting_info;
bool wg_config_info(size_t i, wg_setting_info *out);

/* Whether a setting of this name exists. */
bool wg_config_exists(const char *name);

/* Number of settings and the name of the i-th, for tests and flag parsing. */
size_t wg_config_count(void);
const char *wg_config_name(size_t i);

/* Text form of a setting's current value into buf (unredacted); returns 0, or
 * WG_ENOTFOUND for an unknown name. */
int wg_config_get(const wg_config *c, const char *name, char *buf, size_t len);

void wg_config_free(wg_config *c);

#endif
