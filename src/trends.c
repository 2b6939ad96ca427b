/*
 * The trends page of `relctl stats --format html`: the JSON figures of
 * stats_build (so the page and --json can never disagree) drawn as inline
 * SVG charts on one page.  Four charts, one per question: who does the
 * release (a stacked column of shares per release), how long releases take
 * (lead time columns with the delays, the median and the trend), what the
 * steps cost a year (ranked bars, with the seed's payback arithmetic), and
 * how many steps only one person has done (per release).  Above them, the
 * answer in three sentences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "trends.h"
#include "util.h"

#define WIDTH 960
#define LEFT 64   /* the y axis labels */
#define RIGHT 16
#define PLOT 220  /* height of a plot */
#define BOTTOM 70 /* the release labels under a plot */
#define COST_ROWS 12

static const char page_style[] =
	"svg{display:block;margin:1em 0;background:#fff}.grid{stroke:#e2e8f0}.seg.po,.seg.rm{stroke:#0f172a;stroke-width:1.2}"
	".off{stroke:#0f172a;stroke-dasharray:5 3}.offlabel{font-size:11px;fill:#0f172a}"
	".median{stroke:#1d4ed8;stroke-dasharray:6 4;stroke-width:1.5}.trend{stroke:#b91c1c;stroke-width:2;fill:none}"
	".trend.complete{stroke:#64748b;stroke-dasharray:2 3}.delay{fill:#dc2626;stroke:#fff}"
	".answer{background:#f1f5f9;border-left:4px solid #3b82f6;padding:.5em 1em}.answer p{margin:.4em 0}"
	".tag{font-size:11px;background:#0f172a;color:#fff;border-radius:3px;padding:0 4px;margin-left:4px}"
	".note{color:#475569;font-size:13px}td.num,th.num{text-align:right}";

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *text(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool has(const cJSON *o, const char *key)
{
	return cJSON_IsNumber(get(o, key));
}

static double number(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void add_duration(struct buf *b, double seconds)
{
	char d[32];

	buf_adds(b, duration_format((long)seconds, d, sizeof(d)));
}

/* ---------- the team: one colour each, who decides releases and the release managers first ---------- */

struct person {
	const char *id;
	double steps;
	bool owner, manager;
};

struct team {
	struct person *people;
	size_t count;
};

static struct person *team_find(const struct team *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (strcmp(t->people[i].id, id) == 0)
			return &t->people[i];
	return NULL;
}

static int team_order(const void *a, const void *b)
{
	const struct person *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner ? -1 : 1;
	if (x->manager != y->manager)
		return x->manager ? -1 : 1;
	if (x->steps != y->steps)
		return x->steps < y->steps ? 1 : -1;
	return strcmp(x->id, y->id);
}

static void team_build(struct team *t, const cJSON *stats)
{
	const cJSON *rel, *p;

	t->people = NULL;
	t->count = 0;
	cJSON_ArrayForEach(rel, get(stats, "by_release"))
		cJSON_ArrayForEach(p, get(rel, "people"))
		{
			struct person *found = team_find(t, text(p, "person"));

			if (found == NULL) {
				t->people = xrealloc(t->people, (t->count + 1) * sizeof(*t->people));
				found = &t->people[t->count++];
				memset(found, 0, sizeof(*found));
				found->id = text(p, "person");
			}
			found->steps += number(p, "steps");
		}
	cJSON_ArrayForEach(p, get(stats, "people"))
	{
		struct person *found = team_find(t, text(p, "person"));

		if (found) {
			found->owner = cJSON_IsTrue(get(p, "product_owner"));
			found->manager = cJSON_IsTrue(get(p, "release_manager"));
		}
	}
	if (t->count > 0)
		qsort(t->people, t->count, sizeof(*t->people), team_order);
}

static const char *role_class(const struct person *p)
{
	return p == NULL ? "" : p->owner ? " po" : p->manager ? " rm" : "";
}


/* ---------- the columns of a per-release chart ---------- */

struct columns {
	size_t count;
	double slot, bar; /* width of a release's slot and of its column */
	int top;          /* y of the plot's top edge */
};

static void columns_init(struct columns *c, size_t count, int top)
{
	c->count = count ? count : 1;
	c->slot = (double)(WIDTH - LEFT - RIGHT) / (double)c->count;
	c->bar = c->slot * 0.72 < 1 ? 1 : c->slot * 0.72;
	c->top = top;
}

static double column_x(const struct columns *c, size_t i)
{
	return LEFT + c->slot * (double)i + (c->slot - c->bar) / 2;
}

static double column_mid(const struct columns *c, size_t i)
{
	return LEFT + c->slot * ((double)i + 0.5);
}

static int svg_height(const struct columns *c)
{
	return c->top + PLOT + BOTTOM;
}

/* The version under each column (every k-th when there are many), turned to fit. */
static void release_labels(struct buf *b, const struct columns *c, const cJSON *releases)
{
	size_t every = c->count / 60 + 1, i = 0;
	const cJSON *rel;
	int y = c->top + PLOT + 12;

	cJSON_ArrayForEach(rel, releases)
	{
		if (i % every == 0 || i + 1 == c->count) {
			double x = column_mid(c, i);

			buf_addf(b, "<text class=\"label\" x=\"%.1f\" y=\"%d\" transform=\"rotate(-45 %.1f %d)\">", x, y, x, y);
			html_escape(b, text(rel, "version"));
			buf_adds(b, "</text>\n");
		}
		i++;
	}
}

/* Horizontal grid lines and their labels: ticks values from 0 to max, each label from label(). */
static void y_axis(struct buf *b, const struct columns *c, double max, double step, bool percent)
{
	double v;

	for (v = 0; v <= max + step / 1000; v += step) {
		double y = c->top + PLOT - v / max * PLOT;

		buf_addf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/><text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
			 LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 3);
		if (percent)
			buf_addf(b, "%.0f%%", v * 100);
		else if (step >= 60 && v > 0)
			add_duration(b, v);
		else
			buf_addf(b, "%.0f", v);
		buf_adds(b, "</text>\n");
	}
}

/* A step for a time axis up to max seconds: at most five intervals of a round duration. */
static double time_step(double max)
{
	static const long steps[] = { 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 345600, 604800, 1209600 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (max / (double)steps[i] <= 5)
			return (double)steps[i];
	return (double)steps[sizeof(steps) / sizeof(steps[0]) - 1] * (double)((long)(max / 1209600 / 5) + 1);
}

static double round_up(double max, double step)
{
	double top = step;

	while (top < max)
		top += step;
	return top;
}

/* ---------- the answer ---------- */

/* "jan (build, publish), olga (decide)": the steps of each person alone on them. */
static void alone_sentence(struct buf *b, const cJSON *alone)
{
	const cJSON *a, *other;
	int people = 0;

	cJSON_ArrayForEach(a, alone)
	{
		bool seen = false, first = true;

		for (other = alone->child; other != a; other = other->next)
			if (strcmp(text(other, "person"), text(a, "person")) == 0)
				seen = true;
		if (seen)
			continue;
		buf_adds(b, people++ ? "; <b>" : "<b>");
		html_escape(b, text(a, "person"));
		buf_adds(b, "</b> (");
		for (other = a; other; other = other->next)
			if (strcmp(text(other, "person"), text(a, "person")) == 0) {
				buf_adds(b, first ? "" : ", ");
				html_escape(b, text(other, "step"));
				first = false;
			}
		buf_adds(b, ")");
	}
}

static void answer(struct buf *b, const cJSON *stats)
{
	const cJSON *releases = get(stats, "by_release"), *latest = cJSON_GetArrayItem(releases, cJSON_GetArraySize(releases) - 1);
	const cJSON *off = get(stats, "off_critical_path"), *item;
	int n = 0;

	buf_adds(b, "<div class=\"answer\">\n<p><b>Is anyone still alone?</b> ");
	if (latest == NULL) {
		buf_adds(b, "No release yet.");
	} else if (cJSON_GetArraySize(get(latest, "alone")) == 0) {
		buf_adds(b, "No: every step done so far has been done by two people or more.");
	} else {
		buf_addf(b, "After ");
		html_escape(b, text(latest, "version"));
		buf_addf(b, ", %.0f step%s only one person has ever done: ", number(latest, "single_person_steps"),
			 number(latest, "single_person_steps") == 1 ? "" : "s");
		alone_sentence(b, get(latest, "alone"));
		buf_adds(b, ". Pair someone with them on the next release.");
	}
	buf_adds(b, "</p>\n<p><b>Off the critical path:</b> ");
	cJSON_ArrayForEach(item, off)
	{
		buf_adds(b, n++ ? "; " : "");
		html_escape(b, text(item, "person"));
		buf_adds(b, " since ");
		html_escape(b, text(item, "since"));
		buf_addf(b, " (no step in the last %.0f releases)", number(item, "releases_without"));
	}
	if (n == 0)
		buf_addf(b, "nobody: everyone who did a step did one in the last %.0f finished releases.",
			 number(stats, "off_after"));
	buf_adds(b, "</p>\n<p><b>What costs us the most:</b> ");
	n = 0;
	cJSON_ArrayForEach(item, get(get(stats, "step_cost"), "steps"))
	{
		if (n == 3 || number(item, "per_release_seconds") <= 0)
			break;
		buf_adds(b, n++ ? ", " : "");
		html_escape(b, text(item, "step"));
		if (has(item, "hours_per_year"))
			buf_addf(b, " %g hours a year", number(item, "hours_per_year"));
		else {
			buf_adds(b, " ");
			add_duration(b, number(item, "per_release_seconds"));
			buf_adds(b, " a release");
		}
	}
	buf_adds(b, n ? ". Automate or cut these first; be slow to add steps." : "no work measured yet.");
	buf_adds(b, "</p>\n</div>\n");
}

/* ---------- who does the release ---------- */

static void legend(struct buf *b, const struct team *t)
{
	size_t i;

	buf_adds(b, "<p class=\"legend\">");
	for (i = 0; i < t->count; i++) {
		buf_addf(b, "<span><i style=\"background:%s\"></i>", html_color(i));
		html_escape(b, t->people[i].id);
		if (t->people[i].owner)
			buf_adds(b, "<span class=\"tag\">decides</span>");
		if (t->people[i].manager)
			buf_adds(b, "<span class=\"tag\">release manager</span>");
		buf_adds(b, "</span>");
	}
	buf_adds(b, "</p>\n");
}

static void shares_chart(struct buf *b, const cJSON *stats, const struct team *t)
{
	const cJSON *releases = get(stats, "by_release"), *rel, *off;
	struct columns c;
	size_t i = 0, k;
	int offs = cJSON_GetArraySize(get(stats, "off_critical_path")), n = 0;

	buf_adds(b, "<h2>Who does the release</h2>\n<p class=\"note\">Each person's share of the steps done in each release, "
		    "oldest first. Product owners and release managers are outlined.</p>\n");
	legend(b, t);
	columns_init(&c, (size_t)cJSON_GetArraySize(releases), 24 + 14 * offs);
	buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"shares\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"share of the steps done per release\">\n",
		 WIDTH, svg_height(&c));
	y_axis(b, &c, 1, 0.25, true);
	cJSON_ArrayForEach(rel, releases)
	{
		double y = c.top + PLOT;

		for (k = 0; k < t->count; k++) {
			const cJSON *p;

			cJSON_ArrayForEach(p, get(rel, "people"))
			{
				double h;

				if (strcmp(text(p, "person"), t->people[k].id) != 0)
					continue;
				h = number(p, "share") * PLOT;
				y -= h;
				buf_addf(b, "<rect class=\"seg%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
					 role_class(&t->people[k]), column_x(&c, i), y, c.bar, h, html_color(k));
				html_escape(b, text(rel, "version"));
				buf_adds(b, ": ");
				html_escape(b, t->people[k].id);
				buf_addf(b, " did %.0f of %.0f steps (%.0f%%)</title></rect>\n", number(p, "steps"),
					 number(rel, "steps_done"), number(p, "share") * 100);
			}
		}
		i++;
	}
	cJSON_ArrayForEach(off, get(stats, "off_critical_path"))
	{
		size_t at = 0;
		double x;
		int y = 16 + 14 * n++;

		cJSON_ArrayForEach(rel, releases)
		{
			if (strcmp(text(rel, "version"), text(off, "since")) == 0)
				break;
			at++;
		}
		x = LEFT + c.slot * (double)at;
		buf_addf(b, "<line class=\"off\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><text class=\"offlabel\" x=\"%.1f\" y=\"%d\"%s>",
			 x, y + 2, x, c.top + PLOT, x + (at * 2 > c.count ? -4 : 4), y,
			 at * 2 > c.count ? " text-anchor=\"end\"" : "");
		html_escape(b, text(off, "person"));
		buf_adds(b, " off the critical path since ");
		html_escape(b, text(off, "since"));
		buf_adds(b, "</text>\n");
	}
	release_labels(b, &c, releases);
	buf_adds(b, "</svg>\n");
}

/* ---------- lead time ---------- */

static void trend_line(struct buf *b, const struct columns *c, const cJSON *lead, double top, const char *cls)
{
	double a = number(lead, "trend_at_first_seconds"), slope = number(lead, "trend_seconds_per_release");
	double last = (double)(c->count - 1);

	if (!has(lead, "trend_seconds_per_release"))
		return;
	buf_addf(b, "<line class=\"trend%s\" clip-path=\"url(#plot)\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>trend: ",
		 cls, column_mid(c, 0), c->top + PLOT - a / top * PLOT, column_mid(c, c->count - 1),
		 c->top + PLOT - (a + slope * last) / top * PLOT);
	html_escape(b, text(lead, "trend"));
	buf_adds(b, "</title></line>\n");
}

static void lead_chart(struct buf *b, const cJSON *stats)
{
	const cJSON *releases = get(stats, "by_release"), *rel, *d;
	const cJSON *ship = get(get(stats, "lead_time"), "start_to_ship"), *complete = get(get(stats, "lead_time"), "start_to_complete");
	struct columns c;
	double max = 3600, step, top, y;
	size_t i = 0;

	cJSON_ArrayForEach(rel, releases)
	{
		if (number(rel, "start_to_complete_seconds") > max)
			max = number(rel, "start_to_complete_seconds");
		if (number(rel, "start_to_ship_seconds") > max)
			max = number(rel, "start_to_ship_seconds");
	}
	step = time_step(max);
	top = round_up(max, step);
	buf_adds(b, "<h2>Lead time</h2>\n<p class=\"note\">From start to ship (the product owner's ship decision, dark) and to "
		    "complete (every step done or skipped, light), per release. Red dots: a delay, at the time it was decided. "
		    "Dashed blue: the median to ship; red: the trend to ship; grey: the trend to complete.</p>\n<p>To ship: median ");
	buf_adds(b, has(ship, "median_seconds") ? text(ship, "median") : "-");
	buf_adds(b, ", ");
	buf_adds(b, has(ship, "trend_seconds_per_release") ? text(ship, "trend") : "no trend yet");
	buf_adds(b, ". To complete: median ");
	buf_adds(b, has(complete, "median_seconds") ? text(complete, "median") : "-");
	buf_adds(b, ", ");
	buf_adds(b, has(complete, "trend_seconds_per_release") ? text(complete, "trend") : "no trend yet");
	buf_adds(b, ".</p>\n");
	columns_init(&c, (size_t)cJSON_GetArraySize(releases), 16);
	buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lead\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"lead time per release\">\n"
		    "<defs><clipPath id=\"plot\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath></defs>\n",
		 WIDTH, svg_height(&c), LEFT, c.top, WIDTH - LEFT - RIGHT, PLOT);
	y_axis(b, &c, top, step, false);
	cJSON_ArrayForEach(rel, releases)
	{
		double x = column_x(&c, i);

		if (has(rel, "start_to_complete_seconds")) {
			y = c.top + PLOT - number(rel, "start_to_complete_seconds") / top * PLOT;
			buf_addf(b, "<rect class=\"complete\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cbd5e1\"><title>",
				 x, y, c.bar, c.top + PLOT - y);
			html_escape(b, text(rel, "version"));
			buf_adds(b, ": complete after ");
			add_duration(b, number(rel, "start_to_complete_seconds"));
			buf_adds(b, "</title></rect>\n");
		}
		if (has(rel, "start_to_ship_seconds")) {
			y = c.top + PLOT - number(rel, "start_to_ship_seconds") / top * PLOT;
			buf_addf(b, "<rect class=\"ship\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b82f6\"><title>",
				 x + c.bar / 4, y, c.bar / 2, c.top + PLOT - y);
			html_escape(b, text(rel, "version"));
			buf_adds(b, ": shipped after ");
			add_duration(b, number(rel, "start_to_ship_seconds"));
			buf_adds(b, "</title></rect>\n");
		}
		cJSON_ArrayForEach(d, get(rel, "delays"))
		{
			buf_addf(b, "<circle class=\"delay\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"><title>", column_mid(&c, i),
				 c.top + PLOT - number(d, "after_seconds") / top * PLOT, c.bar / 4 > 5 ? 5 : c.bar / 4 < 2.5 ? 2.5 : c.bar / 4);
			html_escape(b, text(rel, "version"));
			buf_adds(b, ": ");
			html_escape(b, text(d, "label"));
			buf_adds(b, " delayed after ");
			add_duration(b, number(d, "after_seconds"));
			buf_adds(b, "</title></circle>\n");
		}
		i++;
	}
	if (has(ship, "median_seconds")) {
		y = c.top + PLOT - number(ship, "median_seconds") / top * PLOT;
		buf_addf(b, "<line class=\"median\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"><title>median to ship %s</title></line>\n",
			 LEFT, y, WIDTH - RIGHT, y, text(ship, "median"));
	}
	trend_line(b, &c, ship, top, "");
	trend_line(b, &c, complete, top, " complete");
	release_labels(b, &c, releases);
	buf_adds(b, "</svg>\n");
}

/* ---------- step cost per year ---------- */

static void cost_chart(struct buf *b, const cJSON *stats)
{
	const cJSON *cost = get(stats, "step_cost"), *item;
	bool yearly = has(cost, "releases_per_year");
	const char *key = yearly ? "per_year_seconds" : "per_release_seconds";
	double max = 0;
	int rows = 0, label = 200, room = 300, i = 0;

	buf_adds(b, "<h2>Step cost per year</h2>\n<p class=\"note\">Each step's work, claimed to done (every round: a step done "
		    "again after a delay or a rejected review counts again), per finished release");
	if (yearly)
		buf_addf(b, ", times %g releases a year (the ledger's pace over the range)", number(cost, "releases_per_year"));
	buf_addf(b, "; over %.0f finished releases. The top ones are the candidates to automate or to cut. "
		    "Wait steps are apart: their time is waiting, not work.</p>\n",
		 number(cost, "releases_measured"));
	if (number(cost, "releases_measured") <= 0) {
		buf_adds(b, "<p>No finished release to measure yet.</p>\n");
		return;
	}
	cJSON_ArrayForEach(item, get(cost, "steps"))
	{
		if (number(item, key) > 0 && rows < COST_ROWS) {
			rows++;
			if (number(item, key) > max)
				max = number(item, key);
		}
	}
	if (rows > 0) {
		buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cost\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"step cost per year\">\n",
			 WIDTH, rows * 24 + 8);
		cJSON_ArrayForEach(item, get(cost, "steps"))
		{
			double w = number(item, key) / max * (WIDTH - label - room);
			int y = 4 + i * 24;

			if (i == rows)
				break;
			buf_addf(b, "<text class=\"label\" x=\"%d\" y=\"%d\">", label - 8, y + 15);
			html_escape(b, text(item, "step"));
			buf_addf(b, "</text><rect class=\"costbar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" rx=\"3\" fill=\"%s\"/>"
				    "<text class=\"axis\" x=\"%.1f\" y=\"%d\">",
				 label, y + 2, w < 2 ? 2 : w, i < 3 ? "#ef4444" : "#94a3b8", label + (w < 2 ? 2 : w) + 6, y + 15);
			if (yearly)
				buf_addf(b, "%g hours a year (", number(item, "hours_per_year"));
			add_duration(b, number(item, "per_release_seconds"));
			if (yearly)
				buf_addf(b, " &#215; %g)", number(cost, "releases_per_year"));
			else
				buf_adds(b, " a release");
			if (has(item, "payback_years"))
				buf_addf(b, "; automating it pays back in %g years", number(item, "payback_years"));
			buf_adds(b, "</text>\n");
			i++;
		}
		buf_adds(b, "</svg>\n");
	}
	buf_adds(b, "<table><tr><th>Step</th><th>Owner</th><th class=\"num\">Rounds</th><th class=\"num\">Per release</th>"
		    "<th class=\"num\">Hours a year</th><th class=\"num\">Automation</th><th class=\"num\">Pays back in</th></tr>\n");
	cJSON_ArrayForEach(item, get(cost, "steps"))
	{
		buf_adds(b, "<tr><td>");
		html_escape(b, text(item, "step"));
		buf_adds(b, "</td><td>");
		html_escape(b, text(item, "owner"));
		buf_addf(b, "</td><td class=\"num\">%.0f</td><td class=\"num\">", number(item, "rounds"));
		add_duration(b, number(item, "per_release_seconds"));
		buf_adds(b, "</td><td class=\"num\">");
		if (has(item, "hours_per_year"))
			buf_addf(b, "%g", number(item, "hours_per_year"));
		else
			buf_adds(b, "-");
		buf_adds(b, "</td><td class=\"num\">");
		if (has(item, "automation_seconds"))
			add_duration(b, number(item, "automation_seconds"));
		else
			buf_adds(b, "-");
		buf_adds(b, "</td><td class=\"num\">");
		if (has(item, "payback_years"))
			buf_addf(b, "%g years", number(item, "payback_years"));
		else
			buf_adds(b, has(item, "automation_seconds") ? "never" : "-");
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</table>\n<p class=\"note\">Waits (elapsed, not work): ");
	i = 0;
	cJSON_ArrayForEach(item, get(cost, "waits"))
	{
		buf_adds(b, i++ ? ", " : "");
		html_escape(b, text(item, "step"));
		buf_adds(b, " ");
		add_duration(b, number(item, "per_release_seconds"));
		buf_adds(b, " a release");
	}
	buf_adds(b, i ? ".</p>\n" : "none.</p>\n");
}

/* ---------- bus factor over time ---------- */

static void bus_chart(struct buf *b, const cJSON *stats)
{
	const cJSON *releases = get(stats, "by_release"), *rel, *latest;
	struct columns c;
	double max = 1, step;
	size_t i = 0;

	cJSON_ArrayForEach(rel, releases)
		if (number(rel, "single_person_steps") + number(rel, "never_done") > max)
			max = number(rel, "single_person_steps") + number(rel, "never_done");
	step = max <= 10 ? 1 : max <= 25 ? 5 : 10;
	max = round_up(max, step);
	buf_adds(b, "<h2>Bus factor over time</h2>\n<p class=\"note\">After each release: how many steps only one person has ever "
		    "done (red), so only they can do them, and how many nobody has done yet (grey).</p>\n");
	columns_init(&c, (size_t)cJSON_GetArraySize(releases), 16);
	buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bus\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"steps only one person has done, per release\">\n",
		 WIDTH, svg_height(&c));
	y_axis(b, &c, max, step, false);
	cJSON_ArrayForEach(rel, releases)
	{
		double single = number(rel, "single_person_steps"), never = number(rel, "never_done");
		double y = c.top + PLOT - single / max * PLOT;

		buf_addf(b, "<rect class=\"single\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ef4444\"><title>",
			 column_x(&c, i), y, c.bar, single / max * PLOT);
		html_escape(b, text(rel, "version"));
		buf_addf(b, ": %.0f step%s only one person has done</title></rect>\n", single, single == 1 ? "" : "s");
		if (never > 0) {
			buf_addf(b, "<rect class=\"never\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e2e8f0\"><title>",
				 column_x(&c, i), y - never / max * PLOT, c.bar, never / max * PLOT);
			html_escape(b, text(rel, "version"));
			buf_addf(b, ": %.0f step%s nobody has done yet</title></rect>\n", never, never == 1 ? "" : "s");
		}
		i++;
	}
	release_labels(b, &c, releases);
	buf_adds(b, "</svg>\n");
	latest = cJSON_GetArrayItem(releases, cJSON_GetArraySize(releases) - 1);
	if (latest && cJSON_GetArraySize(get(latest, "alone")) > 0) {
		buf_adds(b, "<p>Alone after ");
		html_escape(b, text(latest, "version"));
		buf_adds(b, ": ");
		alone_sentence(b, get(latest, "alone"));
		buf_adds(b, ".</p>\n");
	}
}

char *trends_html(const cJSON *stats, const char *name)
{
	const cJSON *range = get(stats, "range");
	char *title = xasprintf("%s: release trends", name ? name : "relctl");
	struct team team;
	struct buf b;

	buf_init(&b);
	team_build(&team, stats);
	html_begin(&b, title, page_style);
	buf_adds(&b, "<h1>");
	html_escape(&b, title);
	buf_addf(&b, "</h1>\n<p>%.0f release%s", number(stats, "releases"), number(stats, "releases") == 1 ? "" : "s");
	if (cJSON_IsString(get(range, "first"))) {
		/* The dates only: 2023-01-02 of 2023-01-02T09:00:00Z. */
		buf_adds(&b, ", ");
		html_escape(&b, text(range, "first"));
		buf_addf(&b, " (%.10s) to ", text(range, "from"));
		html_escape(&b, text(range, "last"));
		buf_addf(&b, " (%.10s)", text(range, "to"));
	}
	if (has(range, "releases_per_year"))
		buf_addf(&b, "; %g releases a year", number(range, "releases_per_year"));
	buf_adds(&b, ".</p>\n");
	answer(&b, stats);
	shares_chart(&b, stats, &team);
	lead_chart(&b, stats);
	cost_chart(&b, stats);
	bus_chart(&b, stats);
	buf_adds(&b, "<p class=\"note\">From the ledger alone, by relctl stats; the same figures are in "
		     "<code>relctl stats --json</code>.</p>\n");
	html_end(&b);
	free(team.people);
	free(title);
	return buf_detach(&b);
}
