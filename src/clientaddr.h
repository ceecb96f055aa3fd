/* The visitor's address: REMOTE_ADDR, or X-Forwarded-For behind a trusted proxy. */
#ifndef IG_CLIENTADDR_H
#define IG_CLIENTADDR_H

#include <stddef.h>

/* Room for the longest IPv6 text (INET6_ADDRSTRLEN is 46). */
#define CLIENT_ADDR_SIZE 64
/* The part of an IPv6 client address that identifies the client, in bits. */
#define CLIENT_IPV6_PREFIX_BITS 64

/*
 * Finds the client address of a request and writes it in canonical form
 * (inet_ntop; an IPv4-mapped IPv6 address becomes dotted IPv4) into out.
 * An IPv6 address is cut to its first CLIENT_IPV6_PREFIX_BITS bits, the
 * rest set to zero, so that the rate limits see one client per /64.
 * The direct peer is remote_addr. Only when it lies in one of the ranges of
 * trusted_proxies (CIDR ranges separated by spaces or commas, as for
 * allow_networks) is forwarded_for (the X-Forwarded-For value, may be NULL)
 * read: from the right, the first address outside every trusted range is
 * the client. When all are trusted, the left-most one is. An entry that is
 * not an address stops the walk, and the last address read before it is
 * the client, since a trusted proxy appended that one.
 * Returns 0, or -1 with a message in err when remote_addr is not an
 * address or trusted_proxies is invalid.
 */
int client_address(const char *remote_addr, const char *forwarded_for,
		   const char *trusted_proxies, char *out, char *err, size_t errlen);

#endif
