/* The address policy: peer addresses and ports the server may connect to (request forgery defence). */
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

/* The exemptions, the server's own addresses and the allowed ports; owns its arrays. */
struct addr_policy {
	struct cidr *allow;             /* allow_networks: exempt from every other rule */
	size_t allow_count;
	struct cidr *own;               /* the server's own addresses, denied */
	size_t own_count;
	unsigned short *ports;          /* allow_ports */
	size_t port_count;
};

/*
 * Parses allow_networks, a list of CIDR ranges separated by spaces or commas
 * ("127.0.0.0/8 ::1/128"; a bare address means one host), and allow_ports, a
 * non-empty list of port numbers from 1 to 65535 ("80 443"). Returns 0, or
 * -1 with a message naming the bad entry in err; on failure nothing needs
 * freeing.
 */
int addr_policy_init(struct addr_policy *policy, const char *allow_networks,
		     const char *allow_ports, char *err, size_t errlen);
void addr_policy_free(struct addr_policy *policy);

/*
 * Adds the server's own addresses to the deny list, because shared hosts
 * often grant requests from the machine itself more access. These are every
 * IPv4 and IPv6 address on its interfaces (getifaddrs) and server_addr, the
 * SERVER_ADDR of the CGI environment. server_addr may be NULL or "", and a
 * value that is not an address is ignored since the web server sets it.
 * Returns 0, or -1 with a message in err when the interfaces cannot be listed.
 */
int addr_policy_deny_own(struct addr_policy *policy, const char *server_addr,
			 char *err, size_t errlen);

/* Adds one address to the server's own addresses. Returns 0, or -1 when out of memory. */
int addr_policy_add_own(struct addr_policy *policy, const struct cidr *host);

/*
 * Decides whether the server may connect to the IPv4 or IPv6 socket address
 * sa. An address in an allow_networks range passes with any port; this is
 * the only exemption. Otherwise the address is denied when the IANA IPv4 or
 * IPv6 Special-Purpose Address Registry marks it as not globally reachable
 * (loopback, private, shared, link-local with 169.254.169.254,
 * documentation, benchmarking, reserved, unspecified, unique local,
 * discard-only, Teredo and the other IETF protocol assignments), when it is
 * multicast, broadcast or site-local, or when it is one of the server's own
 * addresses. IPv6 forms that embed an IPv4 address (mapped, translated,
 * compatible, NAT64 64:ff9b::/96, 6to4) are judged by that IPv4 address.
 * A permitted address must still use a port of allow_ports. Writes the
 * reason for a denial into why.
 */
bool addr_policy_permits(const struct addr_policy *policy, const struct sockaddr *sa,
			 char *why, size_t whylen);

/* Parses "ADDRESS[/PREFIX]". Returns 0 or -1. */
int cidr_parse(const char *text, struct cidr *out);

#endif
