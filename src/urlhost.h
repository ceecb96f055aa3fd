/* The WHATWG URL host parser and serializer for http and https URLs. */
#ifndef IG_URLHOST_H
#define IG_URLHOST_H

#include <stddef.h>

#include "buf.h"

/*
 * Parses the host of an http or https URL (the authority without user
 * information and port) as the WHATWG URL host parser does, and appends
 * its serialisation to out. An IPv6 address stays in brackets in the
 * standard's shortest form. An IPv4 address in any form that browsers read
 * becomes dotted decimal. A domain is percent-decoded and converted to
 * lower-case ASCII, international names through UTS #46 (libidn2).
 * Returns 0, or -1 when the host is invalid or out reaches its maximum.
 */
int urlhost_append(struct buf *out, const char *host, size_t len);

/* Appends a 16-byte IPv6 address (network byte order) in the standard's form, without brackets. */
int urlhost_append_ipv6(struct buf *out, const unsigned char addr[16]);

#endif
