/* Which peer addresses the server may connect to. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrpolicy.h"

struct deny_range {
	const char *cidr;
	const char *name;
};

/* IANA IPv4 Special-Purpose Address Registry entries not globally reachable. */
static const struct deny_range deny_v4[] = {
	{ "0.0.0.0/8", "this network" },
	{ "10.0.0.0/8", "private network" },
	{ "100.64.0.0/10", "shared address space" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local, cloud metadata" },
	{ "172.16.0.0/12", "private network" },
	{ "192.0.0.0/24", "IETF protocol assignments" },
	{ "192.0.2.0/24", "documentation" },
	{ "192.88.99.0/24", "6to4 relay anycast" },
	{ "192.168.0.0/16", "private network" },
	{ "198.18.0.0/15", "benchmarking" },
	{ "198.51.100.0/24", "documentation" },
	{ "203.0.113.0/24", "documentation" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved or broadcast" },
};

/*
 * IANA IPv6 Special-Purpose Address Registry entries not globally reachable,
 * plus multicast. The forms that embed IPv4 are handled before this table.
 */
static const struct deny_range deny_v6[] = {
	{ "::/128", "unspecified" },
	{ "::1/128", "loopback" },
	{ "64:ff9b:1::/48", "local-use translation" },
	{ "100::/64", "discard-only" },
	{ "2001::/23", "IETF protocol assignments, Teredo" },
	{ "2001:db8::/32", "documentation" },
	{ "3fff::/20", "documentation" },
	{ "5f00::/16", "segment routing" },
	{ "fc00::/7", "unique local" },
	{ "fe80::/10", "link-local" },
	{ "fec0::/10", "site-local" },
	{ "ff00::/8", "multicast" },
};

int cidr_parse(const char *text, struct cidr *out)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t host_len = slash ? (size_t)(slash - text) : strlen(text);
	if (host_len == 0 || host_len >= sizeof host)
		return -1;
	memcpy(host, text, host_len);
	host[host_len] = '\0';

	memset(out, 0, sizeof *out);
	int max_prefix;
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		max_prefix = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max_prefix = 128;
	} else {
		return -1;
	}
	out->prefix = max_prefix;
	if (slash) {
		char *end;
		long n = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || n < 0 || n > max_prefix)
			return -1;
		out->prefix = (int)n;
	}
	return 0;
}

static bool cidr_contains(const struct cidr *range, int family, const unsigned char *addr)
{
	if (range->family != family)
		return false;
	int full = range->prefix / 8, rest = range->prefix % 8;
	if (memcmp(range->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (range->addr[full] & mask) == (addr[full] & mask);
}

static const char *deny_reason(const struct deny_range *table, size_t n, int family,
			       const unsigned char *addr)
{
	for (size_t i = 0; i < n; i++) {
		struct cidr range;
		if (cidr_parse(table[i].cidr, &range) == 0 &&
		    cidr_contains(&range, family, addr))
			return table[i].name;
	}
	return NULL;
}

static bool allowed_by_config(const struct addr_policy *policy, int family,
			      const unsigned char *addr)
{
	for (size_t i = 0; i < policy->allow_count; i++)
		if (cidr_contains(&policy->allow[i], family, addr))
			return true;
	return false;
}

/*
 * Finds an IPv4 address embedded in an IPv6 one: IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16
 * (RFC 3056). Returns true and fills v4.
 */
static bool embedded_ipv4(const unsigned char *a, unsigned char v4[4])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zeros[12] = { 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
	    (memcmp(a, zeros, 12) == 0 && (a[12] | a[13] | a[14] | a[15]) != 0 &&
	     !(a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1))) {
		memcpy(v4, a + 12, 4);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(v4, a + 2, 4);
		return true;
	}
	return false;
}

static bool permits_v4(const struct addr_policy *policy, const unsigned char *addr,
		       char *why, size_t whylen)
{
	if (allowed_by_config(policy, AF_INET, addr))
		return true;
	const char *reason = deny_reason(deny_v4, sizeof deny_v4 / sizeof deny_v4[0],
					 AF_INET, addr);
	if (!reason)
		return true;
	char text[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, addr, text, sizeof text);
	snprintf(why, whylen, "%s is a %s address", text, reason);
	return false;
}

bool addr_policy_permits(const struct addr_policy *policy, const struct sockaddr *sa,
			 char *why, size_t whylen)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return permits_v4(policy, (const unsigned char *)&in->sin_addr, why, whylen);
	}
	if (sa->sa_family != AF_INET6) {
		snprintf(why, whylen, "address family %d is not IPv4 or IPv6", sa->sa_family);
		return false;
	}
	const unsigned char *addr =
		(const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (allowed_by_config(policy, AF_INET6, addr))
		return true;
	unsigned char v4[4];
	if (embedded_ipv4(addr, v4))
		return permits_v4(policy, v4, why, whylen);
	const char *reason = deny_reason(deny_v6, sizeof deny_v6 / sizeof deny_v6[0],
					 AF_INET6, addr);
	if (!reason)
		return true;
	char text[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, addr, text, sizeof text);
	snprintf(why, whylen, "%s is a %s address", text, reason);
	return false;
}

int addr_policy_init(struct addr_policy *policy, const char *allow_networks,
		     char *err, size_t errlen)
{
	policy->allow = NULL;
	policy->allow_count = 0;
	char *copy = strdup(allow_networks ? allow_networks : "");
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		struct cidr range;
		if (cidr_parse(tok, &range) != 0) {
			snprintf(err, errlen, "allow_networks: \"%s\" is not an address or CIDR range", tok);
			rc = -1;
			break;
		}
		struct cidr *grown = realloc(policy->allow, (policy->allow_count + 1) * sizeof *grown);
		if (!grown) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		policy->allow = grown;
		policy->allow[policy->allow_count++] = range;
	}
	free(copy);
	if (rc != 0)
		addr_policy_free(policy);
	return rc;
}

void addr_policy_free(struct addr_policy *policy)
{
	free(policy->allow);
	policy->allow = NULL;
	policy->allow_count = 0;
}
