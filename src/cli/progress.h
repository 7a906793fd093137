/* progress.h - the progress line of long command-line work (wangge import,
 * wangge demo).
 *
 * On a terminal one line is redrawn in place (\r) at most ten times a
 * second:
 *   residents  [############--------]  61%  18,300/30,000  12,200 rows/s  ETA 1s
 * Into a file or a pipe (a log, CI) a plain line is written every five
 * seconds and at the end, so that logs stay short and grep-able:
 *   residents: 18300/30000 rows (61%), 12200 rows/s, ETA 1s
 * With an unknown total (0) there is no bar, percentage or ETA. The rate is
 * the average since start; time comes from wg_clock_now_ms, so tests set
 * the clock instead of sleeping. The struct lives wherever the caller puts
 * it; nothing is allocated, and writing errors are ignored (progress is
 * never worth failing the work for). One thread uses one wg_progress. */
#ifndef WG_CLI_PROGRESS_H
#define WG_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct wg_progress {
	FILE *out;        /* NULL: silent */
	char label[32];   /* copied, cut at a character boundary */
	int64_t total;    /* 0 when unknown */
	int64_t done;     /* last count given */
	int64_t start_ms; /* wg_clock_now_ms at start */
	int64_t last_ms;  /* when a line was last written */
	bool tty;         /* redraw in place */
	size_t drawn;     /* length of the line on screen, to blank its rest */
} wg_progress;

/* Start reporting on out (NULL for silence) for total units (0: unknown),
 * in place when out is a terminal. On a terminal the empty bar is drawn at
 * once. */
void wg_progress_start(wg_progress *p, FILE *out, const char *label, int64_t total);

/* Like wg_progress_start with the terminal decision made by the caller (a
 * --progress flag, or tests writing to a memory stream). */
void wg_progress_start_as(wg_progress *p, FILE *out, const char *label, int64_t total, bool tty);

/* done units are finished so far (a count, not an increment). Writes a line
 * when the interval since the last one has passed. */
void wg_progress_update(wg_progress *p, int64_t done);

/* The final line with the total time ("done in 2.5s"), ended by a newline;
 * later calls on p do nothing until it is started again. */
void wg_progress_finish(wg_progress *p);

/* n with a comma every three digits ("18,300") into buf; returns the length
 * written (truncated like snprintf when len is too small). */
size_t wg_progress_thousands(int64_t n, char *buf, size_t len);

/* A duration for people: "2.4s" (tenths, rounded down) under a minute when
 * tenths, else whole seconds rounded up ("1s"); "1m05s"; "1h02m03s". Returns
 * the length written, truncated like snprintf. */
size_t wg_progress_duration(int64_t ms, bool tenths, char *buf, size_t len);

#endif
