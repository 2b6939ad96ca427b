/* Durations, identifiers, times and suggestions: parsed in one place. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

int duration_parse(const char *text, long *seconds)
{
	const char *p = text;
	long total = 0;

	if (text == NULL || *text == '\0')
		return -1;
	while (*p) {
		long unit, value = 0;

		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (value > (LONG_MAX - 9) / 10)
				return -1;
			value = value * 10 + (*p++ - '0');
		}
		switch (*p++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		/* A year is the most any release step should take; cap far above it. */
		if (value > 10L * 366 * 86400 / unit)
			return -1;
		total += value * unit;
		if (total > 10L * 366 * 86400)
			return -1;
	}
	*seconds = total;
	return 0;
}

char *duration_format(long seconds, char *out, size_t size)
{
	static const struct { long len; char unit; } units[] = {
		{ 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t used = 0, i;
	int parts = 0;

	if (size == 0)
		return out;
	out[0] = '\0';
	if (seconds < 0)
		seconds = 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && parts < 2; i++) {
		long n = seconds / units[i].len;

		if (n == 0 || (units[i].unit == 's' && parts > 0))
			continue;
		/* Weeks only when the duration is whole weeks: "10d" reads better than "1w3d". */
		if (units[i].unit == 'w' && seconds % units[i].len != 0)
			continue;
		used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%ld%c", n, units[i].unit);
		seconds -= n * units[i].len;
		parts++;
	}
	if (parts == 0)
		snprintf(out, size, "0m");
	return out;
}

bool identifier_valid(const char *text)
{
	size_t n = 0;

	if (text == NULL || !(islower((unsigned char)*text) || isdigit((unsigned char)*text)))
		return false;
	for (; *text; text++, n++) {
		unsigned char c = (unsigned char)*text;

		if (!(islower(c) || isdigit(c) || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return n <= 64;
}

bool version_valid(const char *text)
{
	size_t n = 0;

	if (text == NULL || !isalnum((unsigned char)*text))
		return false;
	for (; *text; text++, n++) {
		unsigned char c = (unsigned char)*text;

		if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+'))
			return false;
	}
	return n <= 64 && strstr(text - n, "..") == NULL;
}

static int digits(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

int time_parse(const char *text, time_t *out)
{
	struct tm tm;
	int year, mon, day, hour, min, sec, offset = 0;
	const char *p;

	if (text == NULL || strlen(text) < 20)
		return -1;
	if (digits(text, 4, &year) || text[4] != '-' || digits(text + 5, 2, &mon) || text[7] != '-' ||
	    digits(text + 8, 2, &day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
	    digits(text + 11, 2, &hour) || text[13] != ':' || digits(text + 14, 2, &min) ||
	    text[16] != ':' || digits(text + 17, 2, &sec))
		return -1;
	p = text + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;

		if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else {
		return -1;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm) - offset;
	return 0;
}

char *time_format(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

int clock_now(time_t *out)
{
	const char *fixed = getenv("RELCTL_NOW");

	if (fixed != NULL && *fixed != '\0')
		return time_parse(fixed, out);
	*out = time(NULL);
	return 0;
}

char *age_format(time_t t, time_t now, char *out, size_t size)
{
	char d[32];

	if (t <= now)
		snprintf(out, size, "%s ago", duration_format((long)(now - t), d, sizeof(d)));
	else
		snprintf(out, size, "in %s", duration_format((long)(t - now), d, sizeof(d)));
	return out;
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[101];

	if (la > 100 || lb > 100)
		return 100;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *suggest(const char *word, const char *const *candidates, size_t count)
{
	const char *best = NULL;
	size_t best_distance = 100, i, len = strlen(word);
	size_t limit = len < 4 ? 1 : len < 8 ? 2 : 3;

	for (i = 0; i < count; i++) {
		size_t d = edit_distance(word, candidates[i]);

		if (d < best_distance) {
			best_distance = d;
			best = candidates[i];
		}
	}
	if (best != NULL && best_distance <= limit)
		return best;
	/* A prefix is a good hint too ("stat" for "status"). */
	for (i = 0; i < count && len >= 3; i++)
		if (strncmp(candidates[i], word, len) == 0)
			return candidates[i];
	return NULL;
}

int random_hex(char *out, size_t bytes)
{
	static const char digits_hex[] = "0123456789abcdef";
	unsigned char raw[64];
	FILE *f;
	size_t i;

	if (bytes > sizeof(raw))
		return -1;
	f = fopen("/dev/urandom", "rb");
	if (f == NULL)
		return -1;
	errno = 0;
	if (fread(raw, 1, bytes, f) != bytes) {
		if (errno == 0)
			errno = EIO; /* a short read: the reason callers print */
		fclose(f);
		return -1;
	}
	fclose(f);
	for (i = 0; i < bytes; i++) {
		out[2 * i] = digits_hex[raw[i] >> 4];
		out[2 * i + 1] = digits_hex[raw[i] & 15];
	}
	out[2 * bytes] = '\0';
	return 0;
}

size_t str_hash(size_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

bool url_is_web(const char *url)
{
	const char *p;

	if (url == NULL)
		return false;
	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return false;
	if (*p == '\0')
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}()", c))
			return false;
	}
	return true;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need, min, cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) <= need)
			return false;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += need + 1;
	}
	return true;
}

bool event_id_valid(const char *text)
{
	size_t n = strlen(text);

	return n >= 1 && n <= 64 && strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

bool mail_address_split(const char *text, char **name, char **addr)
{
	const char *open = strchr(text, '<'), *start, *end, *p, *at;
	size_t name_len;

	for (p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	if (open) {
		const char *close = strchr(open, '>');

		if (close == NULL || close[1] != '\0' || strchr(open + 1, '<'))
			return false;
		start = open + 1;
		end = close;
		name_len = (size_t)(open - text);
		while (name_len > 0 && text[name_len - 1] == ' ')
			name_len--;
	} else {
		start = text;
		end = text + strlen(text);
		name_len = 0;
		if (strchr(text, '>'))
			return false;
	}
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	at = memchr(start, '@', (size_t)(end - start));
	if (at == NULL || at == start || at + 1 == end || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return false;
	for (p = start; p < end; p++)
		if (*p == ' ' || *p == ',' || *p == ';' || *p == '"' || *p == '(' || *p == ')' || *p == '\\')
			return false;
	while (*text == ' ' && name_len > 0) {
		text++;
		name_len--;
	}
	*name = xstrndup(text, name_len);
	*addr = xstrndup(start, (size_t)(end - start));
	return true;
}
