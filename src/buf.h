/* Growable byte buffer with a hard size cap fixed when it is created. */
#ifndef IG_BUF_H
#define IG_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A buffer owns data. data is NULL until the first append, and is always
 * NUL-terminated after a successful append, so text can be read with
 * buf_cstr(). max is the largest len the buffer accepts; appends beyond it
 * fail with errno EFBIG and leave the buffer unchanged.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
/* Frees the data and resets the buffer to empty, keeping max. */
void buf_free(struct buf *b);
/* Empties the buffer but keeps its memory for the next appends. */
void buf_reset(struct buf *b);
/* Each returns 0, or -1 with errno EFBIG (over max) or ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Returns the text, "" for an empty buffer; valid until the next append. */
const char *buf_cstr(const struct buf *b);
/* Hands the data to the caller, who frees it; the buffer becomes empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
