/* The address policy: peer addresses and ports the server may connect to. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrpolicy.h"

struct deny_range {
	const char *cidr;
	const char *name;
};

/*
 * The entries of the IANA IPv4 Special-Purpose Address Registry that are not
 * globally reachable, plus multicast (RFC 5771) and the deprecated 6to4
 * relay anycast range (RFC 7526). 192.0.0.0/24 is denied whole, although
 * the registry marks its anycast entries 192.0.0.9 and 192.0.0.10 as
 * reachable, because no web page lives there.
 */
static const struct deny_range deny_v4[] = {
	{ "0.0.0.0/8", "in \"this network\" (0.0.0.0/8)" },
	{ "10.0.0.0/8", "a private network address" },
	{ "100.64.0.0/10", "a shared (carrier-grade NAT) address" },
	{ "127.0.0.0/8", "a loopback address" },
	{ "169.254.169.254/32", "the cloud metadata service address" },
	{ "169.254.0.0/16", "a link-local address" },
	{ "172.16.0.0/12", "a private network address" },
	{ "192.0.0.0/24", "an IETF protocol assignment address" },
	{ "192.0.2.0/24", "a documentation address" },
	{ "192.88.99.0/24", "a 6to4 relay anycast address" },
	{ "192.168.0.0/16", "a private network address" },
	{ "198.18.0.0/15", "a benchmarking address" },
	{ "198.51.100.0/24", "a documentation address" },
	{ "203.0.113.0/24", "a documentation address" },
	{ "224.0.0.0/4", "a multicast address" },
	{ "255.255.255.255/32", "the broadcast address" },
	{ "240.0.0.0/4", "a reserved address" },
};

/*
 * The entries of the IANA IPv6 Special-Purpose Address Registry that are not
 * globally reachable, plus multicast and the deprecated site-local range
 * (RFC 3879). 2001::/23 is denied whole, Teredo (2001::/32) included,
 * although a few of its entries are reachable anycast services. The forms
 * that embed IPv4 are handled before this table.
 */
static const struct deny_range deny_v6[] = {
	{ "::/128", "the unspecified address" },
	{ "::1/128", "the loopback address" },
	{ "64:ff9b:1::/48", "a local-use translation address" },
	{ "100::/64", "a discard-only address" },
	{ "100:0:0:1::/64", "a dummy address" },
	{ "2001::/32", "a Teredo address" },
	{ "2001::/23", "an IETF protocol assignment address" },
	{ "2001:db8::/32", "a documentation address" },
	{ "3fff::/20", "a documentation address" },
	{ "5f00::/16", "a segment routing (SRv6) address" },
	{ "fc00::/7", "a unique local address" },
	{ "fe80::/10", "a link-local address" },
	{ "fec0::/10", "a site-local address" },
	{ "ff00::/8", "a multicast address" },
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

static bool any_contains(const struct cidr *ranges, size_t count, int family,
			 const unsigned char *addr)
{
	for (size_t i = 0; i < count; i++)
		if (cidr_contains(&ranges[i], family, addr))
			return true;
	return false;
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

/*
 * Finds an IPv4 address embedded in an IPv6 one: IPv4-mapped ::ffff:0:0/96
 * (RFC 4291), IPv4-translated ::ffff:0:0:0/96 (RFC 2765), IPv4-compatible
 * ::/96 other than :: and ::1 (RFC 4291, deprecated), NAT64 64:ff9b::/96
 * (RFC 6052) and 6to4 2002::/16 (RFC 3056). Returns true and fills v4.
 */
static bool embedded_ipv4(const unsigned char *a, unsigned char v4[4])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char zeros[15] = { 0 };
	bool compatible = memcmp(a, zeros, 12) == 0 && (a[12] | a[13] | a[14]) != 0;
	compatible = compatible || (memcmp(a, zeros, 15) == 0 && a[15] > 1);
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, translated, 12) == 0 ||
	    memcmp(a, nat64, 12) == 0 || compatible) {
		memcpy(v4, a + 12, 4);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(v4, a + 2, 4);
		return true;
	}
	return false;
}

static bool port_allowed(const struct addr_policy *policy, unsigned port)
{
	for (size_t i = 0; i < policy->port_count; i++)
		if (policy->ports[i] == port)
			return true;
	return false;
}

/* Tells whether allow_networks exempts addr, or the IPv4 address it embeds. */
static bool exempt(const struct addr_policy *policy, int family, const unsigned char *addr)
{
	if (any_contains(policy->allow, policy->allow_count, family, addr))
		return true;
	unsigned char v4[4];
	return family == AF_INET6 && embedded_ipv4(addr, v4) &&
	       any_contains(policy->allow, policy->allow_count, AF_INET, v4);
}

/* Returns why addr is denied, or NULL when no rule denies it. */
static const char *address_denial(const struct addr_policy *policy, int family,
				  const unsigned char *addr)
{
	unsigned char v4[4];
	if (family == AF_INET6 && embedded_ipv4(addr, v4))
		return address_denial(policy, AF_INET, v4);
	const char *reason;
	if (family == AF_INET)
		reason = deny_reason(deny_v4, sizeof deny_v4 / sizeof deny_v4[0], family, addr);
	else
		reason = deny_reason(deny_v6, sizeof deny_v6 / sizeof deny_v6[0], family, addr);
	if (!reason && any_contains(policy->own, policy->own_count, family, addr))
		reason = "one of the server's own addresses";
	return reason;
}

bool addr_policy_permits(const struct addr_policy *policy, const struct sockaddr *sa,
			 char *why, size_t whylen)
{
	const unsigned char *addr;
	unsigned port;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		addr = (const unsigned char *)&in->sin_addr;
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		addr = (const unsigned char *)&in6->sin6_addr;
		port = ntohs(in6->sin6_port);
	} else {
		snprintf(why, whylen, "address family %d is not IPv4 or IPv6", sa->sa_family);
		return false;
	}
	if (exempt(policy, sa->sa_family, addr))
		return true;

	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(sa->sa_family, addr, text, sizeof text))
		snprintf(text, sizeof text, "the address");
	const char *reason = address_denial(policy, sa->sa_family, addr);
	if (reason) {
		snprintf(why, whylen, "%s is %s", text, reason);
		return false;
	}
	if (!port_allowed(policy, port)) {
		snprintf(why, whylen, "port %u of %s is not one of the allowed ports", port, text);
		return false;
	}
	return true;
}

static int append_range(struct cidr **ranges, size_t *count, const struct cidr *range)
{
	struct cidr *grown = realloc(*ranges, (*count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	*ranges = grown;
	grown[(*count)++] = *range;
	return 0;
}

static int parse_networks(struct addr_policy *policy, char *list, char *err, size_t errlen)
{
	char *save = NULL;
	for (char *tok = strtok_r(list, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		struct cidr range;
		if (cidr_parse(tok, &range) != 0) {
			snprintf(err, errlen, "allow_networks: \"%s\" is not an address or CIDR range", tok);
			return -1;
		}
		if (append_range(&policy->allow, &policy->allow_count, &range) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int parse_ports(struct addr_policy *policy, char *list, char *err, size_t errlen)
{
	char *save = NULL;
	for (char *tok = strtok_r(list, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		char *end;
		errno = 0;
		long port = strtol(tok, &end, 10);
		if (errno || end == tok || *end || port < 1 || port > 65535) {
			snprintf(err, errlen, "allow_ports: \"%s\" is not a port number from 1 to 65535",
				 tok);
			return -1;
		}
		unsigned short *grown = realloc(policy->ports,
						(policy->port_count + 1) * sizeof *grown);
		if (!grown) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		policy->ports = grown;
		grown[policy->port_count++] = (unsigned short)port;
	}
	if (policy->port_count == 0) {
		snprintf(err, errlen, "allow_ports is empty; list at least one port, such as 80 443");
		return -1;
	}
	return 0;
}

int addr_policy_init(struct addr_policy *policy, const char *allow_networks,
		     const char *allow_ports, char *err, size_t errlen)
{
	memset(policy, 0, sizeof *policy);
	char *networks = strdup(allow_networks ? allow_networks : "");
	char *ports = strdup(allow_ports ? allow_ports : "");
	int rc = -1;
	if (!networks || !ports)
		snprintf(err, errlen, "out of memory");
	else if (parse_networks(policy, networks, err, errlen) == 0)
		rc = parse_ports(policy, ports, err, errlen);
	free(networks);
	free(ports);
	if (rc != 0)
		addr_policy_free(policy);
	return rc;
}

int addr_policy_add_own(struct addr_policy *policy, const struct cidr *host)
{
	return append_range(&policy->own, &policy->own_count, host);
}

/* Adds the address of one interface entry; other families are skipped. */
static int add_interface(struct addr_policy *policy, const struct sockaddr *sa)
{
	struct cidr host;
	memset(&host, 0, sizeof host);
	if (sa->sa_family == AF_INET) {
		host.family = AF_INET;
		host.prefix = 32;
		memcpy(host.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		host.family = AF_INET6;
		host.prefix = 128;
		memcpy(host.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return 0;
	}
	return addr_policy_add_own(policy, &host);
}

int addr_policy_deny_own(struct addr_policy *policy, const char *server_addr,
			 char *err, size_t errlen)
{
	struct cidr host;
	if (server_addr && *server_addr && !strchr(server_addr, '/') &&
	    cidr_parse(server_addr, &host) == 0 && addr_policy_add_own(policy, &host) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}

	struct ifaddrs *list = NULL;
	if (getifaddrs(&list) != 0) {
		snprintf(err, errlen, "cannot list the network interfaces (getifaddrs): %s",
			 strerror(errno));
		return -1;
	}
	int rc = 0;
	for (struct ifaddrs *i = list; i && rc == 0; i = i->ifa_next) {
		if (i->ifa_addr && add_interface(policy, i->ifa_addr) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	freeifaddrs(list);
	return rc;
}

void addr_policy_free(struct addr_policy *policy)
{
	free(policy->allow);
	free(policy->own);
	free(policy->ports);
	memset(policy, 0, sizeof *policy);
}
