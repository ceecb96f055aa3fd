/* srcset attribute parsing, following WHATWG HTML "parse a srcset attribute". */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcset.h"

/* Most descriptors kept for one candidate; more make it invalid anyway. */
#define MAX_DESCRIPTORS 8

/* ASCII whitespace as HTML defines it: tab, LF, FF, CR and space. */
static bool is_space(char c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Descriptor tokens of one candidate, collected by the tokenizer. */
struct tokens {
	char *items[MAX_DESCRIPTORS];
	size_t count;
	bool overflow;
};

static void tokens_free(struct tokens *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->items[i]);
	t->count = 0;
}

static int tokens_add(struct tokens *t, const char *start, size_t len)
{
	if (len == 0)
		return 0;
	if (t->count == MAX_DESCRIPTORS) {
		t->overflow = true;
		return 0;
	}
	t->items[t->count] = strndup(start, len);
	if (!t->items[t->count])
		return -1;
	t->count++;
	return 0;
}

/*
 * Runs the standard's descriptor tokenizer from *pos: descriptors end at
 * whitespace, at a comma outside parentheses, or at the end of the text.
 */
static int tokenize_descriptors(const char *text, size_t *pos, struct tokens *t)
{
	enum { IN_DESCRIPTOR, IN_PARENS, AFTER_DESCRIPTOR } state = IN_DESCRIPTOR;
	size_t p = *pos;
	while (is_space(text[p]))
		p++;
	size_t start = p;

	for (;; p++) {
		char c = text[p];
		if (state == IN_DESCRIPTOR) {
			if (is_space(c)) {
				if (tokens_add(t, text + start, p - start) != 0)
					return -1;
				state = AFTER_DESCRIPTOR;
			} else if (c == ',') {
				*pos = p + 1;
				return tokens_add(t, text + start, p - start);
			} else if (c == '(') {
				state = IN_PARENS;
			} else if (c == '\0') {
				*pos = p;
				return tokens_add(t, text + start, p - start);
			}
		} else if (state == IN_PARENS) {
			if (c == ')') {
				state = IN_DESCRIPTOR;
			} else if (c == '\0') {
				*pos = p;
				return tokens_add(t, text + start, p - start);
			}
		} else {
			if (c == '\0') {
				*pos = p;
				return 0;
			}
			if (!is_space(c)) {
				state = IN_DESCRIPTOR;
				start = p;
				p--;
			}
		}
	}
}

/* Parses a valid non-negative integer (ASCII digits only), clamped to LONG_MAX. */
static bool parse_integer(const char *s, size_t len, long *value)
{
	if (len == 0)
		return false;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		int d = s[i] - '0';
		v = v > (LONG_MAX - d) / 10 ? LONG_MAX : v * 10 + d;
	}
	*value = v;
	return true;
}

/*
 * Parses a valid floating-point number as HTML defines it: an optional
 * "-", digits and/or "." with digits, then an optional exponent. The
 * program runs in the C locale, so strtod reads "." as the decimal point.
 */
static bool parse_float(const char *s, size_t len, double *value)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	size_t int_digits = 0;
	while (i < len && is_digit(s[i])) {
		i++;
		int_digits++;
	}
	size_t frac_digits = 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			i++;
			frac_digits++;
		}
		if (frac_digits == 0)
			return false;
	}
	if (int_digits == 0 && frac_digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t exp_digits = 0;
		while (i < len && is_digit(s[i])) {
			i++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return false;
	}
	if (i != len)
		return false;
	char copy[64];
	if (len >= sizeof copy)
		return false;
	memcpy(copy, s, len);
	copy[len] = '\0';
	*value = strtod(copy, NULL);
	return true;
}

/*
 * Runs the standard's descriptor parser over the tokens. Returns false when
 * the candidate must be dropped.
 */
static bool parse_descriptors(const struct tokens *t, struct srcset_candidate *c)
{
	c->width = -1;
	c->height = -1;
	c->density = -1;
	if (t->overflow)
		return false;
	for (size_t i = 0; i < t->count; i++) {
		const char *d = t->items[i];
		size_t len = strlen(d);
		char last = d[len - 1];
		long n;
		double x;
		if (last == 'w' && parse_integer(d, len - 1, &n)) {
			if (c->width >= 0 || c->density >= 0 || n == 0)
				return false;
			c->width = n;
		} else if (last == 'x' && parse_float(d, len - 1, &x)) {
			if (c->width >= 0 || c->density >= 0 || c->height >= 0 || x < 0)
				return false;
			c->density = x;
		} else if (last == 'h' && parse_integer(d, len - 1, &n)) {
			if (c->height >= 0 || c->density >= 0 || n == 0)
				return false;
			c->height = n;
		} else {
			return false;
		}
	}
	return !(c->height >= 0 && c->width < 0);
}

/* Writes the normalized descriptor text; the caller frees. */
static int describe(struct srcset_candidate *c)
{
	char text[96];
	if (c->width >= 0 && c->height >= 0)
		snprintf(text, sizeof text, "%ldw %ldh", c->width, c->height);
	else if (c->width >= 0)
		snprintf(text, sizeof text, "%ldw", c->width);
	else if (c->density >= 0)
		snprintf(text, sizeof text, "%gx", c->density);
	else
		return 0;
	c->descriptor = strdup(text);
	return c->descriptor ? 0 : -1;
}

static int append_candidate(struct srcset *set, size_t *cap, struct srcset_candidate *c)
{
	if (set->count == *cap) {
		size_t grown = *cap ? *cap * 2 : 4;
		struct srcset_candidate *items = realloc(set->items, grown * sizeof *items);
		if (!items)
			return -1;
		set->items = items;
		*cap = grown;
	}
	set->items[set->count++] = *c;
	return 0;
}

/* Parses one candidate at *pos. Sets *done at the end of the text. */
static int parse_candidate(const char *text, size_t *pos, struct srcset *set,
			   size_t *cap, bool *done)
{
	size_t p = *pos;
	while (is_space(text[p]) || text[p] == ',')
		p++;
	if (!text[p]) {
		*done = true;
		return 0;
	}

	size_t start = p;
	while (text[p] && !is_space(text[p]))
		p++;
	size_t url_len = p - start;
	struct tokens tokens = {.count = 0, .overflow = false};
	/* A URL ending in commas ends the candidate; the commas are not part of it. */
	if (text[p - 1] == ',') {
		while (url_len > 0 && text[start + url_len - 1] == ',')
			url_len--;
	} else if (tokenize_descriptors(text, &p, &tokens) != 0) {
		tokens_free(&tokens);
		return -1;
	}
	*pos = p;

	struct srcset_candidate c = {0};
	int rc = 0;
	if (parse_descriptors(&tokens, &c) && url_len > 0) {
		c.url = strndup(text + start, url_len);
		if (!c.url || describe(&c) != 0 || append_candidate(set, cap, &c) != 0) {
			free(c.url);
			free(c.descriptor);
			rc = -1;
		}
	}
	tokens_free(&tokens);
	return rc;
}

int srcset_parse(const char *text, size_t max, struct srcset *set)
{
	set->items = NULL;
	set->count = 0;
	size_t cap = 0;
	size_t pos = 0;
	bool done = false;
	while (!done && set->count < max) {
		if (parse_candidate(text, &pos, set, &cap, &done) != 0) {
			srcset_free(set);
			return -1;
		}
	}
	return 0;
}

void srcset_free(struct srcset *set)
{
	for (size_t i = 0; i < set->count; i++) {
		free(set->items[i].url);
		free(set->items[i].descriptor);
	}
	free(set->items);
	set->items = NULL;
	set->count = 0;
}
