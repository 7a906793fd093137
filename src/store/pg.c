/* pg.c - the PostgreSQL driver behind db.h (libpq, text parameters). */
#include "core/alloc.h"
#include "core/error.h"
#include "store/driver.h"

#include <ctype.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL's limit on parameters of one statement. */
#define PG_MAX_PARAMS 65535

struct pg_db {
	struct wg_db base;
	PGconn *conn;
	/* Counts the sessions: a reconnect starts a new one, which has none of
	 * the statements the old one had prepared. */
	unsigned long session;
	unsigned long names; /* prepared statements named so far */
	/* A read's BEGIN not sent yet: it goes out with the next command. */
	bool begin_owed;
	/* A read's COMMIT sent in pipeline mode, its answer not read yet. */
	bool commit_unread;
};

static const char begin_read_sql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/* A statement used once runs with PQexecParams (parse, plan and execute in
 * one round trip). One kept by wg_db_prepare_cached, which runs again and
 * again on its connection, is prepared on the server once per session and
 * then only executed: the server no longer parses and plans the same text
 * on every request, which cost more than executing most of them. */
struct pg_stmt {
	struct wg_stmt base;
	char *sql;           /* with $n placeholders */
	const char **values; /* per parameter; NULL binds SQL NULL */
	char **owned;        /* text copies behind values, or NULL */
	char (*ints)[24];    /* decimal text of integer parameters */
	PGresult *res;       /* rows of the current execution, or NULL */
	int row;
	int nrows;
	char name[24];         /* on the server, once prepared */
	unsigned long session; /* the session it was prepared in; 0 for none */
};

static PGconn *conn_of(const wg_db *db)
{
	return ((const struct pg_db *)db)->conn;
}

static struct pg_stmt *pg_stmt_of(wg_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* ---- '?' to $n -------------------------------------------------------- */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Length of the dollar-quote delimiter ("$$" or "$tag$") at p, or 0. */
static size_t dollar_tag(const char *p)
{
	if (p[1] == '$')
		return 2;
	if (!(isalpha((unsigned char)p[1]) || p[1] == '_' || (unsigned char)p[1] >= 0x80))
		return 0;
	size_t i = 2;
	while (p[i] && p[i] != '$' && ident_char(p[i]))
		i++;
	return p[i] == '$' ? i + 1 : 0;
}

/* Index just past the quoted text, comment or dollar-quoted string that
 * starts at sql[i], or i when none starts there. An unterminated one runs to
 * the end; PostgreSQL reports the syntax error. */
static size_t skip_quoted(const char *sql, size_t i)
{
	size_t j = i + 1;
	switch (sql[i]) {
	case '\'': {
		/* E'...' strings take backslash escapes: E'it\'s ?'. */
		bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
		               (i < 2 || !ident_char(sql[i - 2]));
		for (; sql[j]; j++) {
			if (escapes && sql[j] == '\\' && sql[j + 1])
				j++;
			else if (sql[j] == '\'')
				return j + 1; /* '' is two adjacent literals: same result */
		}
		return j;
	}
	case '"':
		while (sql[j] && sql[j] != '"')
			j++;
		return sql[j] ? j + 1 : j;
	case '-':
		if (sql[j] != '-')
			return i;
		while (sql[j] && sql[j] != '\n')
			j++;
		return j;
	case '/': {
		if (sql[j] != '*')
			return i;
		int depth = 1; /* PostgreSQL block comments nest */
		for (j++; sql[j] && depth; j++) {
			if (sql[j] == '/' && sql[j + 1] == '*')
				depth++, j++;
			else if (sql[j] == '*' && sql[j + 1] == '/')
				depth--, j++;
		}
		return j;
	}
	case '$': {
		if (i > 0 && ident_char(sql[i - 1]))
			return i; /* part of an identifier such as a$b */
		size_t tag = dollar_tag(sql + i);
		if (!tag)
			return i; /* $1 or a lone $ */
		for (j = i + tag; sql[j]; j++)
			if (sql[j] == '$' && strncmp(sql + j, sql + i, tag) == 0)
				return j + tag;
		return j;
	}
	default: return i;
	}
}

struct rewrite {
	size_t len;    /* of the output */
	int nparams;   /* placeholders seen */
	bool multiple; /* a second statement follows a ';' */
	bool empty;    /* no statement at all, only blanks and comments */
};

/* One pass over sql, writing the output when out is not NULL. Stops early
 * when there are too many placeholders or statements. */
static void rewrite_pass(const char *sql, char *out, struct rewrite *r)
{
	*r = (struct rewrite){.empty = true};
	bool ended = false; /* after a ';': only blanks and comments may follow */
	for (size_t i = 0; sql[i] && !r->multiple;) {
		size_t end = skip_quoted(sql, i);
		size_t from = i;
		if (end > i) {
			bool comment = sql[i] == '-' || sql[i] == '/';
			r->multiple = ended && !comment;
			r->empty = r->empty && comment;
			i = end;
		} else if (sql[i] == '?') {
			r->multiple = ended;
			r->empty = false;
			if (++r->nparams > PG_MAX_PARAMS)
				return;
			char num[16];
			int n = snprintf(num, sizeof num, "$%d", r->nparams);
			if (out)
				memcpy(out + r->len, num, (size_t)n);
			r->len += (size_t)n;
			i++;
			continue;
		} else {
			bool blank = isspace((unsigned char)sql[i]) || sql[i] == ';';
			r->multiple = ended && !blank;
			r->empty = r->empty && blank;
			ended = ended || sql[i] == ';';
			i++;
		}
		if (out)
			memcpy(out + r->len, sql + from, i - from);
		r->len += i - from;
	}
}

int wg__pg_rewrite(const char *sql, char **out, int *nparams)
{
	*out = NULL;
	struct rewrite r;
	rewrite_pass(sql, NULL, &r);
	*nparams = r.nparams;
	if (r.nparams > PG_MAX_PARAMS || r.multiple || r.empty)
		return WG_EINTERNAL;
	char *text = wg_malloc(r.len + 1);
	if (!text)
		return WG_ENOMEM;
	rewrite_pass(sql, text, &r);
	text[r.len] = '\0';
	*out = text;
	return 0;
}

/* ---- errors ----------------------------------------------------------- */

/* libpq messages end in a newline, which would break a JSON log line. */
static void set_pg_error(wg_db *db, const char *prefix, const char *msg)
{
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	wg__db_set_error(db, "%s%.*s", prefix, (int)n, msg);
}

/* Unique and foreign-key violations are the caller's business (409);
 * anything else, a lost connection included, is the store's. Frees res. */
static int result_error(wg_db *db, PGresult *res)
{
	PGconn *conn = conn_of(db);
	const char *msg = res ? PQresultErrorMessage(res) : "";
	if (!*msg)
		msg = PQerrorMessage(conn);
	set_pg_error(db, PQstatus(conn) == CONNECTION_BAD ? "connection lost: " : "", msg);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int rc = state && (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0) ? WG_ECONFLICT
	                                                                               : WG_ESTORE;
	PQclear(res);
	return rc;
}

/* ---- connection ------------------------------------------------------- */

/* NOTICEs ("relation already exists, skipping") would go to stderr, where
 * the log is one JSON object per line. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Per-session settings, applied again after every reconnect: times are UTC
 * milliseconds in the schema, and text crosses the wire as UTF-8. */
static int setup_session(wg_db *db)
{
	PGresult *res = PQexec(conn_of(db), "SET client_encoding TO 'UTF8'; SET TIME ZONE 'UTC'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return result_error(db, res);
	PQclear(res);
	return 0;
}

static void pg_close(wg_db *db)
{
	PQfinish(conn_of(db));
	wg_free(db);
}

/* Starts a new session on the same server after the old one broke. */
static int restart_session(wg_db *db)
{
	PGconn *conn = conn_of(db);
	struct pg_db *d = (struct pg_db *)db;
	PQreset(conn);
	d->session++;
	d->begin_owed = d->commit_unread = false;
	if (PQstatus(conn) != CONNECTION_OK) {
		set_pg_error(db, "cannot reconnect: ", PQerrorMessage(conn));
		return WG_ESTORE;
	}
	return setup_session(db);
}

/* Reads the results of what was sent in pipeline mode up to its sync
 * point, keeping the first n (the rest are freed), and leaves pipeline
 * mode. False when the connection failed on the way: the kept results
 * are freed then too. */
static bool collect(PGconn *conn, PGresult **kept, int n)
{
	int got = 0, nulls = 0;
	bool synced = false;
	/* Each command's results end with a NULL; two NULLs in a row mean
	 * nothing more will come (a lost connection). */
	while (!synced && nulls < 2) {
		PGresult *res = PQgetResult(conn);
		if (!res) {
			nulls++;
			continue;
		}
		nulls = 0;
		synced = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		if (!synced && got < n)
			kept[got++] = res;
		else
			PQclear(res);
	}
	if (synced && PQexitPipelineMode(conn))
		return true;
	for (int i = 0; i < got; i++) {
		PQclear(kept[i]);
		kept[i] = NULL;
	}
	return false;
}

/* Reads the answer to a read's COMMIT sent earlier. Whatever it says, the
 * read is over (its statements ran and it wrote nothing); only a broken
 * connection matters, and a new session replaces it. */
static int settle(wg_db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (!d->commit_unread)
		return 0;
	d->commit_unread = false;
	return collect(d->conn, NULL, 0) ? 0 : restart_session(db);
}

static int pg_begin_read(wg_db *db)
{
	int rc = settle(db);
	if (rc == 0)
		((struct pg_db *)db)->begin_owed = true;
	return rc;
}

static int pg_end_read(wg_db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (d->begin_owed) {
		d->begin_owed = false; /* nothing went out: nothing to end */
		return 0;
	}
	if (PQenterPipelineMode(d->conn) &&
	    PQsendQueryParams(d->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && PQpipelineSync(d->conn)) {
		d->commit_unread = true;
		return 0;
	}
	/* Not sent: end it the plain way (the pipeline holds nothing). */
	PQexitPipelineMode(d->conn);
	return wg_db_commit(db);
}

/* Sends a read's owed BEGIN, alone: for the commands that do not go out
 * with it (pg_exec, statements prepared on the server). */
static int send_owed_begin(wg_db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (!d->begin_owed)
		return 0;
	d->begin_owed = false;
	PGresult *res = PQexec(d->conn, begin_read_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return result_error(db, res);
	PQclear(res);
	return 0;
}

static int pg_exec(wg_db *db, const char *sql)
{
	int rc = settle(db);
	rc = rc ? rc : send_owed_begin(db);
	if (rc)
		return rc;
	PGresult *res = PQexec(conn_of(db), sql);
	ExecStatusType status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
		return result_error(db, res);
	PQclear(res);
	return 0;
}

static int pg_integrity_check(wg_db *db, char *err, size_t errlen)
{
	int rc = pg_exec(db, "SELECT 1");
	if (rc) {
		wg__db_copy_error(err, errlen, db->errmsg);
		return rc;
	}
	const char *enc = PQparameterStatus(conn_of(db), "server_encoding");
	if (!enc || strcmp(enc, "UTF8") != 0) {
		if (err && errlen)
			snprintf(err, errlen, "server encoding is %s, not UTF8", enc ? enc : "unknown");
		return WG_ESTORE;
	}
	return 0;
}

/* Also ends a pipeline that a failure left behind, which would refuse
 * every later command. */
static int pg_reconnect(wg_db *db)
{
	int rc = settle(db);
	PGconn *conn = conn_of(db);
	if (rc || (PQstatus(conn) == CONNECTION_OK && PQpipelineStatus(conn) == PQ_PIPELINE_OFF))
		return rc;
	return restart_session(db);
}

static bool pg_in_transaction(const wg_db *db)
{
	const struct pg_db *d = (const struct pg_db *)db;
	if (d->begin_owed || d->commit_unread)
		return d->begin_owed;
	PGTransactionStatusType t = PQtransactionStatus(conn_of(db));
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* ---- statements ------------------------------------------------------- */

static int pg_prepare(wg_db *db, const char *sql, wg_stmt **out)
{
	char *text;
	int n;
	int rc = wg__pg_rewrite(sql, &text, &n);
	if (rc) {
		wg__db_set_error(db, rc == WG_ENOMEM
		                             ? "out of memory"
		                             : "prepare takes one statement of at most 65535 parameters");
		return rc;
	}
	size_t count = (size_t)n;
	/* One block: the struct, then the pointer arrays, then the digit buffers
	 * (char arrays need no alignment). */
	struct pg_stmt *s = wg_calloc(1, sizeof *s + count * (2 * sizeof(char *) + sizeof *s->ints));
	if (!s) {
		wg_free(text);
		wg__db_set_error(db, "out of memory");
		return WG_ENOMEM;
	}
	s->base = (struct wg_stmt){.db = db, .nparams = n};
	s->sql = text;
	s->values = (const char **)(s + 1);
	s->owned = (char **)(s->values + count);
	s->ints = (char(*)[24])(s->owned + count);
	*out = &s->base;
	return 0;
}

static void drop_value(struct pg_stmt *s, int i)
{
	wg_free(s->owned[i]);
	s->owned[i] = NULL;
	s->values[i] = NULL;
}

static int pg_bind_int(wg_stmt *st, int idx, int64_t v)
{
	struct pg_stmt *s = pg_stmt_of(st);
	drop_value(s, idx - 1);
	snprintf(s->ints[idx - 1], sizeof s->ints[idx - 1], "%" PRId64, v);
	s->values[idx - 1] = s->ints[idx - 1];
	return 0;
}

static int pg_bind_text(wg_stmt *st, int idx, const char *text, size_t len)
{
	struct pg_stmt *s = pg_stmt_of(st);
	char *copy = wg_strndup(text, len);
	if (!copy) {
		wg__db_set_error(st->db, "out of memory");
		return WG_ENOMEM;
	}
	drop_value(s, idx - 1);
	s->owned[idx - 1] = copy;
	s->values[idx - 1] = copy;
	return 0;
}

static int pg_bind_null(wg_stmt *st, int idx)
{
	drop_value(pg_stmt_of(st), idx - 1);
	return 0;
}

/* Rows written, like sqlite3_changes: only for statements that write
 * (PQcmdTuples also counts the rows a SELECT returned). */
static int64_t written_rows(PGresult *res)
{
	const char *tag = PQcmdStatus(res);
	static const char *const writers[] = {"INSERT ", "UPDATE ", "DELETE ", "MERGE "};
	for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
		if (strncmp(tag, writers[i], strlen(writers[i])) == 0)
			return strtoll(PQcmdTuples(res), NULL, 10);
	return 0;
}

/* Prepares a cached statement on the server unless this session has it.
 * A statement prepared in a transaction stays prepared when the
 * transaction rolls back; one that failed to prepare is tried again at its
 * next step. */
static int prepare_on_server(struct pg_stmt *s)
{
	struct pg_db *d = (struct pg_db *)s->base.db;
	if (s->session == d->session)
		return 0;
	snprintf(s->name, sizeof s->name, "wg%lu", ++d->names);
	PGresult *res = PQprepare(d->conn, s->name, s->sql, s->base.nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return result_error(s->base.db, res);
	PQclear(res);
	s->session = d->session;
	return 0;
}

static int send_statement(PGconn *conn, const struct pg_stmt *s)
{
	const struct wg_stmt *st = &s->base;
	return st->cached ? PQsendQueryPrepared(conn, s->name, st->nparams, s->values, NULL, NULL, 0)
	                  : PQsendQueryParams(conn, s->sql, st->nparams, NULL, s->values, NULL, NULL, 0);
}

/* A read's first statement goes out with its BEGIN, in one round trip.
 * *out gets the statement's result, or the BEGIN's when that failed.
 * WG_ESTORE when the pipeline itself failed (the connection did). */
static int execute_after_begin(struct pg_db *d, const struct pg_stmt *s, PGresult **out)
{
	PGconn *conn = d->conn;
	d->begin_owed = false;
	PGresult *res[2] = {NULL, NULL};
	bool ok = PQenterPipelineMode(conn);
	if (ok) {
		bool sent = PQsendQueryParams(conn, begin_read_sql, 0, NULL, NULL, NULL, NULL, 0) &&
		            send_statement(conn, s);
		ok = PQpipelineSync(conn) && collect(conn, res, 2) && sent && res[1];
	}
	if (!ok) {
		PQclear(res[0]);
		PQclear(res[1]);
		return result_error(&d->base, NULL);
	}
	bool begun = PQresultStatus(res[0]) == PGRES_COMMAND_OK;
	*out = begun ? res[1] : res[0];
	PQclear(begun ? res[0] : res[1]);
	return 0;
}

/* The first step executes; later steps walk the rows it returned. After
 * WG_DB_DONE the next step executes again, as sqlite3_step does. */
static int pg_step(wg_stmt *st)
{
	struct pg_stmt *s = pg_stmt_of(st);
	if (!s->res) {
		int rc = settle(st->db);
		if (rc == 0 && st->cached)
			rc = prepare_on_server(s);
		if (rc)
			return rc;
		struct pg_db *d = (struct pg_db *)st->db;
		PGresult *res = NULL;
		if (d->begin_owed) {
			rc = execute_after_begin(d, s, &res);
			if (rc)
				return rc;
		} else {
			res = st->cached ? PQexecPrepared(d->conn, s->name, st->nparams, s->values, NULL,
			                                  NULL, 0)
			                 : PQexecParams(d->conn, s->sql, st->nparams, NULL, s->values, NULL,
			                                NULL, 0);
		}
		ExecStatusType status = PQresultStatus(res);
		if (status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY) {
			st->changes = written_rows(res);
			PQclear(res);
			return WG_DB_DONE;
		}
		if (status != PGRES_TUPLES_OK)
			return result_error(st->db, res);
		st->changes = written_rows(res);
		s->res = res;
		s->nrows = PQntuples(res);
		s->row = -1;
	}
	if (++s->row < s->nrows)
		return WG_DB_ROW;
	PQclear(s->res);
	s->res = NULL;
	return WG_DB_DONE;
}

static bool pg_is_null(wg_stmt *st, int col)
{
	struct pg_stmt *s = pg_stmt_of(st);
	return PQgetisnull(s->res, s->row, col);
}

/* Integers arrive as decimal text and are parsed exactly (no detour through
 * double); booleans read as 1 and 0, as they are stored on SQLite. */
static int64_t pg_get_int(wg_stmt *st, int col)
{
	struct pg_stmt *s = pg_stmt_of(st);
	const char *v = PQgetvalue(s->res, s->row, col);
	if (strcmp(v, "t") == 0)
		return 1;
	return (int64_t)strtoll(v, NULL, 10);
}

static double pg_get_double(wg_stmt *st, int col)
{
	struct pg_stmt *s = pg_stmt_of(st);
	return strtod(PQgetvalue(s->res, s->row, col), NULL);
}

static const char *pg_get_text(wg_stmt *st, int col, size_t *len)
{
	struct pg_stmt *s = pg_stmt_of(st);
	if (PQgetisnull(s->res, s->row, col)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

static int pg_columns(wg_stmt *st)
{
	struct pg_stmt *s = pg_stmt_of(st);
	return s->res ? PQnfields(s->res) : 0;
}

static void pg_reset(wg_stmt *st)
{
	struct pg_stmt *s = pg_stmt_of(st);
	PQclear(s->res);
	s->res = NULL;
}

static void pg_finalize(wg_stmt *st)
{
	struct pg_stmt *s = pg_stmt_of(st);
	PQclear(s->res);
	for (int i = 0; i < st->nparams; i++)
		wg_free(s->owned[i]);
	wg_free(s->sql);
	wg_free(s);
}

static const struct wg__db_ops pg_ops = {
	.name = "postgresql",
	.begin_sql = "BEGIN",
	.begin_read_sql = begin_read_sql,
	.lock_sql = "SELECT pg_advisory_xact_lock(hashtext(?))",
	.begin_read = pg_begin_read,
	.end_read = pg_end_read,
	.close = pg_close,
	.exec = pg_exec,
	.integrity_check = pg_integrity_check,
	.reconnect = pg_reconnect,
	.in_transaction = pg_in_transaction,
	.prepare = pg_prepare,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.is_null = pg_is_null,
	.get_int = pg_get_int,
	.get_double = pg_get_double,
	.get_text = pg_get_text,
	.columns = pg_columns,
	.reset = pg_reset,
	.finalize = pg_finalize,
};

int wg__pg_open(const char *conninfo, wg_db **out, char *err, size_t errlen)
{
	*out = NULL;
	struct pg_db *db = wg_malloc(sizeof *db);
	if (!db)
		return WG_ENOMEM;
	db->base = (struct wg_db){.ops = &pg_ops, .kind = WG_DB_POSTGRES};
	db->session = 1;
	db->names = 0;
	db->begin_owed = db->commit_unread = false;
	db->conn = PQconnectdb(conninfo);
	if (!db->conn) {
		wg_free(db);
		return WG_ENOMEM;
	}
	int rc = 0;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_pg_error(&db->base, "cannot connect: ", PQerrorMessage(db->conn));
		rc = WG_ESTORE;
	} else {
		PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
		rc = setup_session(&db->base);
	}
	if (rc) {
		wg__db_copy_error(err, errlen, db->base.errmsg);
		pg_close(&db->base);
		return rc;
	}
	*out = &db->base;
	return 0;
}
