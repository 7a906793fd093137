#include "cli/progress.h"

#include "core/clock.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* A terminal redraw costs little and more than ten a second only flickers;
 * a log line every five seconds shows a stall without flooding the log. */
enum { TTY_INTERVAL_MS = 100, PLAIN_INTERVAL_MS = 5000, BAR_WIDTH = 20, LINE_MAX = 256 };

static size_t clamp(int n, size_t len)
{
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}

size_t wg_progress_thousands(int64_t n, char *buf, size_t len)
{
	char digits[24];
	/* Through uint64_t, so that INT64_MIN has a magnitude. */
	uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
	char text[32];
	size_t t = 0;
	if (n < 0)
		text[t++] = '-';
	for (int i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			text[t++] = ',';
		text[t++] = digits[i];
	}
	text[t] = '\0';
	return clamp(snprintf(buf, len, "%s", text), len);
}

size_t wg_progress_duration(int64_t ms, bool tenths, char *buf, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (tenths && ms < 60000)
		return clamp(snprintf(buf, len, "%d.%ds", (int)(ms / 1000), (int)(ms % 1000 / 100)), len);
	int64_t s = tenths ? ms / 1000 : (ms + 999) / 1000;
	if (s < 60)
		return clamp(snprintf(buf, len, "%ds", (int)s), len);
	if (s < 3600)
		return clamp(snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)(s % 60)), len);
	return clamp(snprintf(buf, len, "%lldh%02dm%02ds", (long long)(s / 3600), (int)(s / 60 % 60),
	                      (int)(s % 60)),
	             len);
}

/* Appends to a fixed line buffer; output past its end is cut. */
struct line {
	char s[LINE_MAX];
	size_t n;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	l->n += clamp(vsnprintf(l->s + l->n, sizeof l->s - l->n, fmt, ap), sizeof l->s - l->n);
	va_end(ap);
}

/* The line for p at now, without \r or newline. */
static void format_line(const wg_progress *p, int64_t now, bool final, struct line *l)
{
	int64_t elapsed = now - p->start_ms;
	if (elapsed < 0)
		elapsed = 0; /* the wall clock went back */
	int64_t done = p->done < 0 ? 0 : p->done;
	bool rate_known = elapsed > 0 && done > 0;
	int64_t rate = rate_known ? (int64_t)((double)done * 1000.0 / (double)elapsed) : 0;
	int percent = 0;
	if (p->total > 0)
		percent = done >= p->total ? 100 : (int)((double)done * 100.0 / (double)p->total);
	char eta[32] = "";
	if (p->total > 0 && rate_known && !final) {
		double left =
			done >= p->total ? 0 : (double)(p->total - done) * (double)elapsed / (double)done;
		wg_progress_duration((int64_t)left, false, eta, sizeof eta);
	}
	char took[32];
	wg_progress_duration(elapsed, true, took, sizeof took);
	char a[32], b[32], r[32];

	l->n = 0;
	l->s[0] = '\0';
	if (p->tty) {
		wg_progress_thousands(done, a, sizeof a);
		wg_progress_thousands(p->total, b, sizeof b);
		wg_progress_thousands(rate, r, sizeof r);
		add(l, "%s  ", p->label);
		if (p->total > 0) {
			int filled = percent == 100 ? BAR_WIDTH
			                            : (int)((double)done * BAR_WIDTH / (double)p->total);
			add(l, "[");
			for (int i = 0; i < BAR_WIDTH; i++)
				add(l, "%c", i < filled ? '#' : '-');
			add(l, "] %3d%%  %s/%s", percent, a, b);
		} else {
			add(l, "%s rows", a);
		}
		if (rate_known)
			add(l, "  %s rows/s", r);
		if (final)
			add(l, "  done in %s", took);
		else if (eta[0])
			add(l, "  ETA %s", eta);
		return;
	}
	add(l, "%s: %lld", p->label, (long long)done);
	if (p->total > 0)
		add(l, "/%lld rows (%d%%)", (long long)p->total, percent);
	else
		add(l, " rows");
	if (rate_known)
		add(l, ", %lld rows/s", (long long)rate);
	if (final)
		add(l, ", done in %s", took);
	else if (eta[0])
		add(l, ", ETA %s", eta);
}

static void draw(wg_progress *p, int64_t now, bool final)
{
	struct line l;
	format_line(p, now, final, &l);
	if (p->tty) {
		/* Blank what is left of a longer previous line. */
		int pad = p->drawn > l.n ? (int)(p->drawn - l.n) : 0;
		fprintf(p->out, "\r%s%*s%s", l.s, pad, "", final ? "\n" : "");
		p->drawn = final ? 0 : l.n;
	} else {
		fprintf(p->out, "%s\n", l.s);
	}
	fflush(p->out);
	p->last_ms = now;
}

void wg_progress_start_as(wg_progress *p, FILE *out, const char *label, int64_t total, bool tty)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	size_t n = strlen(label ? label : "");
	if (n >= sizeof p->label) {
		n = sizeof p->label - 1;
		/* Back to the start of a UTF-8 character: never a continuation byte. */
		while (n > 0 && ((unsigned char)label[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(p->label, label, n);
	p->label[n] = '\0';
	p->total = total > 0 ? total : 0;
	p->tty = tty;
	p->start_ms = p->last_ms = wg_clock_now_ms();
	if (p->out && p->tty)
		draw(p, p->start_ms, false);
}

void wg_progress_start(wg_progress *p, FILE *out, const char *label, int64_t total)
{
	bool tty = out && isatty(fileno(out));
	wg_progress_start_as(p, out, label, total, tty);
}

void wg_progress_update(wg_progress *p, int64_t done)
{
	p->done = done;
	if (!p->out)
		return;
	int64_t now = wg_clock_now_ms();
	/* A wall clock set back would otherwise silence the line until it
	 * caught up again. */
	if (now < p->last_ms || now - p->last_ms >= (p->tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS))
		draw(p, now, false);
}

void wg_progress_finish(wg_progress *p)
{
	if (!p->out)
		return;
	draw(p, wg_clock_now_ms(), true);
	p->out = NULL;
}
