/* The visitor's address: REMOTE_ADDR, or X-Forwarded-For behind a trusted proxy. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addrpolicy.h"
#include "clientaddr.h"

enum { MAX_PROXIES = 64, MAX_HOPS = 64 };

/* A parsed address: family and bytes, IPv4-mapped IPv6 already unwrapped. */
struct address {
	int family;
	unsigned char bytes[16];
};

static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses an address, allowing "[v6]" brackets. Returns true on success. */
static bool parse_address(const char *text, size_t len, struct address *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof host)
		return false;
	memcpy(host, text, len);
	host[len] = '\0';
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, a->bytes) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, host, a->bytes) != 1)
		return false;
	a->family = AF_INET6;
	if (memcmp(a->bytes, mapped_prefix, sizeof mapped_prefix) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
	}
	return true;
}

static bool in_range(const struct cidr *range, const struct address *a)
{
	if (range->family != a->family)
		return false;
	int full = range->prefix / 8, rest = range->prefix % 8;
	if (memcmp(range->addr, a->bytes, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (range->addr[full] & mask) == (a->bytes[full] & mask);
}

static bool is_trusted(const struct cidr *ranges, size_t count, const struct address *a)
{
	for (size_t i = 0; i < count; i++)
		if (in_range(&ranges[i], a))
			return true;
	return false;
}

static int parse_ranges(const char *text, struct cidr *ranges, size_t *count,
			char *err, size_t errlen)
{
	*count = 0;
	const char *sep = " ,\t";
	const char *s = text ? text : "";
	while (*(s += strspn(s, sep))) {
		size_t len = strcspn(s, sep);
		char entry[INET6_ADDRSTRLEN + 8];
		if (len >= sizeof entry || *count == MAX_PROXIES) {
			snprintf(err, errlen, "trusted_proxies: entry \"%.*s\" is too long or "
				 "there are more than %d", (int)(len > 60 ? 60 : len), s, MAX_PROXIES);
			return -1;
		}
		memcpy(entry, s, len);
		entry[len] = '\0';
		if (cidr_parse(entry, &ranges[*count]) != 0) {
			snprintf(err, errlen, "trusted_proxies: \"%s\" is not an address or "
				 "CIDR range", entry);
			return -1;
		}
		(*count)++;
		s += len;
	}
	return 0;
}

static void format_address(const struct address *a, char *out)
{
	if (!inet_ntop(a->family, a->bytes, out, CLIENT_ADDR_SIZE))
		out[0] = '\0';
}

/* Walks X-Forwarded-For from the right. *client holds the peer on entry. */
static void walk_forwarded(const char *header, const struct cidr *ranges, size_t count,
			   struct address *client)
{
	size_t end = strlen(header);
	for (int hops = 0; hops < MAX_HOPS && end > 0; hops++) {
		size_t start = end;
		while (start > 0 && header[start - 1] != ',')
			start--;
		size_t a = start, b = end;
		while (a < b && (header[a] == ' ' || header[a] == '\t'))
			a++;
		while (b > a && (header[b - 1] == ' ' || header[b - 1] == '\t'))
			b--;
		struct address hop;
		if (!parse_address(header + a, b - a, &hop))
			return;
		*client = hop;
		if (!is_trusted(ranges, count, &hop))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}

int client_address(const char *remote_addr, const char *forwarded_for,
		   const char *trusted_proxies, char *out, char *err, size_t errlen)
{
	struct cidr ranges[MAX_PROXIES];
	size_t count;
	out[0] = '\0';
	if (parse_ranges(trusted_proxies, ranges, &count, err, errlen) != 0)
		return -1;
	struct address client;
	if (!remote_addr || !parse_address(remote_addr, strlen(remote_addr), &client)) {
		/* The raw value is not logged: it may be the visitor's address. */
		snprintf(err, errlen, "REMOTE_ADDR is missing or is not an IP address");
		return -1;
	}
	if (forwarded_for && is_trusted(ranges, count, &client))
		walk_forwarded(forwarded_for, ranges, count, &client);
	/*
	 * An end site gets at least a /64 (RFC 6177), so one visitor can use
	 * billions of addresses. The hourly limits count the /64 as one client.
	 */
	if (client.family == AF_INET6)
		memset(client.bytes + CLIENT_IPV6_PREFIX_BITS / 8, 0,
		       16 - CLIENT_IPV6_PREFIX_BITS / 8);
	format_address(&client, out);
	return 0;
}
