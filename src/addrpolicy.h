/* Which peer addresses the server may connect to (request forgery defence). */
#ifndef IG_ADDRPOLICY_H
#define IG_ADDRPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

/* An address range: family AF_INET or AF_INET6, address bytes and prefix length. */
struct cidr {
	int family;
	unsigned char addr[16];
	int prefix;
};

/* The exemptions from the built-in deny list; owns its ranges. */
struct addr_policy {
	struct cidr *allow;
	size_t allow_count;
};

/*
 * Parses allow_networks, a list of CIDR ranges separated by spaces or commas
 * ("127.0.0.0/8 ::1/128"; a bare address means one host). Returns 0, or -1
 * with a message naming the bad entry in err.
 */
int addr_policy_init(struct addr_policy *policy, const char *allow_networks,
		     char *err, size_t errlen);
void addr_policy_free(struct addr_policy *policy);

/*
 * Decides whether the server may connect to sa. Addresses in an allow range
 * pass. Otherwise every address that the IANA IPv4 and IPv6 special-purpose
 * registries mark as not globally reachable is denied (loopback, private,
 * shared, link-local with 169.254.169.254, documentation, benchmarking,
 * multicast, reserved, unspecified, unique local, site-local), and IPv6
 * forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are
 * judged by that IPv4 address. Writes the reason for a denial into why.
 */
bool addr_policy_permits(const struct addr_policy *policy, const struct sockaddr *sa,
			 char *why, size_t whylen);

/* Parses "ADDRESS[/PREFIX]". Returns 0 or -1. */
int cidr_parse(const char *text, struct cidr *out);

#endif
