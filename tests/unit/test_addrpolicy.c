/* Unit tests for the address policy: every boundary of the deny ranges, embedded IPv4, own addresses, ports. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "addrpolicy.h"

struct address_case {
	const char *address;
	bool permitted;
};

/*
 * The first and last address of every denied range and, where they exist,
 * the addresses just outside it. Written out from the IANA special-purpose
 * registries rather than read from src/addrpolicy.c, so a change to the
 * table has to change this list too.
 */
static const struct address_case boundary_cases[] = {
	{ "0.0.0.0", false },
	{ "0.255.255.255", false },
	{ "1.0.0.0", true },
	{ "10.0.0.0", false },
	{ "10.255.255.255", false },
	{ "9.255.255.255", true },
	{ "11.0.0.0", true },
	{ "100.64.0.0", false },
	{ "100.127.255.255", false },
	{ "100.63.255.255", true },
	{ "100.128.0.0", true },
	{ "127.0.0.0", false },
	{ "127.255.255.255", false },
	{ "126.255.255.255", true },
	{ "128.0.0.0", true },
	{ "169.254.0.0", false },
	{ "169.254.255.255", false },
	{ "169.253.255.255", true },
	{ "169.255.0.0", true },
	{ "172.16.0.0", false },
	{ "172.31.255.255", false },
	{ "172.15.255.255", true },
	{ "172.32.0.0", true },
	{ "192.0.0.0", false },
	{ "192.0.0.255", false },
	{ "191.255.255.255", true },
	{ "192.0.1.0", true },
	{ "192.0.2.0", false },
	{ "192.0.2.255", false },
	{ "192.0.1.255", true },
	{ "192.0.3.0", true },
	{ "192.88.99.0", false },
	{ "192.88.99.255", false },
	{ "192.88.98.255", true },
	{ "192.88.100.0", true },
	{ "192.168.0.0", false },
	{ "192.168.255.255", false },
	{ "192.167.255.255", true },
	{ "192.169.0.0", true },
	{ "198.18.0.0", false },
	{ "198.19.255.255", false },
	{ "198.17.255.255", true },
	{ "198.20.0.0", true },
	{ "198.51.100.0", false },
	{ "198.51.100.255", false },
	{ "198.51.99.255", true },
	{ "198.51.101.0", true },
	{ "203.0.113.0", false },
	{ "203.0.113.255", false },
	{ "203.0.112.255", true },
	{ "203.0.114.0", true },
	{ "224.0.0.0", false },
	{ "239.255.255.255", false },
	{ "223.255.255.255", true },
	{ "240.0.0.0", false },
	{ "255.255.255.255", false },
	{ "::", false },
	{ "::1", false },
	{ "::2", false },
	{ "64:ff9b:1::", false },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false },
	{ "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", true },
	{ "64:ff9b:2::", true },
	{ "100::", false },
	{ "100::ffff:ffff:ffff:ffff", false },
	{ "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "100:0:0:1::", false },
	{ "100::1:ffff:ffff:ffff:ffff", false },
	{ "100:0:0:2::", true },
	{ "2001::", false },
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2001:200::", true },
	{ "2001:db8::", false },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2001:db9::", true },
	{ "3fff::", false },
	{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "3fff:1000::", true },
	{ "5f00::", false },
	{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "5f01::", true },
	{ "fc00::", false },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "fe00::", true },
	{ "fe80::", false },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "fec0::", false },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "ff00::", false },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
};

/* IPv6 forms that embed an IPv4 address, judged by that address. */
static const struct address_case embedded_cases[] = {
	{ "::ffff:10.0.0.1", false },
	{ "::ffff:127.0.0.1", false },
	{ "::ffff:169.254.169.254", false },
	{ "::ffff:192.168.1.1", false },
	{ "::ffff:0.0.0.0", false },
	{ "::ffff:93.184.216.34", true },
	{ "::ffff:0:10.0.0.1", false },
	{ "::ffff:0:93.184.216.34", true },
	{ "::10.0.0.1", false },
	{ "::127.0.0.1", false },
	{ "::93.184.216.34", true },
	{ "64:ff9b::10.0.0.1", false },
	{ "64:ff9b::a9fe:a9fe", false },
	{ "64:ff9b::93.184.216.34", true },
	{ "64:ff9b::ffff:ffff", false },
	{ "2002:a00:1::1", false },
	{ "2002:7f00:1::", false },
	{ "2002:a9fe:a9fe::1", false },
	{ "2002:c0a8:101:1::1", false },
	{ "2002:5db8:d822::1", true },
	{ "2002::", false },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", false },
	{ "2001:0:5db8:d822::1", false },
	/* Teredo: server 93.184.216.34, client 93.184.216.34 (stored inverted). */
	{ "2001:0:5db8:d822::a247:27dd", false },
	/* Teredo: server 10.0.0.1, client 10.0.0.1 (stored inverted). */
	{ "2001:0:a00:1::f5ff:fffe", false },
	{ "1.1.1.1", true },
	{ "8.8.8.8", true },
	{ "93.184.216.34", true },
	{ "169.254.169.254", false },
	{ "2606:4700:4700::1111", true },
	{ "2a00:1450:4001::1", true },
	{ "fd00:ec2::254", false },
	{ "fe80::a9fe:a9fe", false },
	{ "ff02::1", false },
	{ "fec0::1", false },
};

/* Fills ss with address and port. */
static void make_sockaddr(struct sockaddr_storage *ss, const char *address, unsigned port)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, address, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		return;
	}
	ck_assert_msg(inet_pton(AF_INET6, address, &in6->sin6_addr) == 1,
		      "test address %s does not parse", address);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((unsigned short)port);
}

static bool permits(const struct addr_policy *policy, const char *address, unsigned port,
		    char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	make_sockaddr(&ss, address, port);
	why[0] = '\0';
	return addr_policy_permits(policy, (const struct sockaddr *)&ss, why, whylen);
}

static void init_policy(struct addr_policy *policy, const char *networks, const char *ports)
{
	char err[256];
	ck_assert_msg(addr_policy_init(policy, networks, ports, err, sizeof err) == 0,
		      "init failed: %s", err);
}

static void check_case(const struct address_case *c)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80 443");
	char why[256];
	bool got = permits(&policy, c->address, 443, why, sizeof why);
	ck_assert_msg(got == c->permitted, "%s: expected %s, got %s (%s)", c->address,
		      c->permitted ? "permitted" : "denied", got ? "permitted" : "denied", why);
	if (!got)
		ck_assert_msg(why[0] != '\0', "%s denied without a reason", c->address);
	addr_policy_free(&policy);
}

START_TEST(range_boundaries)
{
	check_case(&boundary_cases[_i]);
}
END_TEST

START_TEST(embedded_ipv4_forms)
{
	check_case(&embedded_cases[_i]);
}
END_TEST

START_TEST(reason_names_range)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80");
	char why[256];
	ck_assert(!permits(&policy, "169.254.169.254", 80, why, sizeof why));
	ck_assert_str_eq(why, "169.254.169.254 is the cloud metadata service address");
	ck_assert(!permits(&policy, "10.1.2.3", 80, why, sizeof why));
	ck_assert_str_eq(why, "10.1.2.3 is a private network address");
	ck_assert(!permits(&policy, "::ffff:127.0.0.1", 80, why, sizeof why));
	ck_assert_str_eq(why, "::ffff:127.0.0.1 is a loopback address");
	addr_policy_free(&policy);
}
END_TEST

START_TEST(default_ports_only)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80 443");
	char why[256];
	ck_assert(permits(&policy, "93.184.216.34", 80, why, sizeof why));
	ck_assert(permits(&policy, "93.184.216.34", 443, why, sizeof why));
	ck_assert(permits(&policy, "2606:4700::1", 443, why, sizeof why));
	unsigned denied[] = { 1, 21, 22, 25, 79, 81, 442, 444, 6379, 8080, 11211, 65535 };
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		ck_assert_msg(!permits(&policy, "93.184.216.34", denied[i], why, sizeof why),
			      "port %u permitted", denied[i]);
		ck_assert_ptr_nonnull(strstr(why, "port"));
		ck_assert(!permits(&policy, "2606:4700::1", denied[i], why, sizeof why));
	}
	addr_policy_free(&policy);
}
END_TEST

START_TEST(configured_ports)
{
	struct addr_policy policy;
	init_policy(&policy, "", "443,8080 8443");
	char why[256];
	ck_assert(!permits(&policy, "93.184.216.34", 80, why, sizeof why));
	ck_assert(permits(&policy, "93.184.216.34", 443, why, sizeof why));
	ck_assert(permits(&policy, "93.184.216.34", 8080, why, sizeof why));
	ck_assert(permits(&policy, "93.184.216.34", 8443, why, sizeof why));
	ck_assert(!permits(&policy, "10.0.0.1", 8080, why, sizeof why));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(bad_ports_rejected)
{
	const char *bad[] = { "", " ", "0", "65536", "80 x", "-1", "80.5", "1e3", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct addr_policy policy;
		char err[256] = "";
		ck_assert_msg(addr_policy_init(&policy, "", bad[i], err, sizeof err) == -1,
			      "allow_ports \"%s\" accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "allow_ports"));
		ck_assert_ptr_null(policy.allow);
		ck_assert_ptr_null(policy.ports);
	}
}
END_TEST

START_TEST(bad_networks_rejected)
{
	const char *bad[] = { "10.0.0.0/33", "::1/129", "localhost", "10.0.0.0/", "/8", "10.0.0.0/-1",
			      "10.0.0.0/8x", "1.2.3" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct addr_policy policy;
		char err[256] = "";
		ck_assert_msg(addr_policy_init(&policy, bad[i], "80", err, sizeof err) == -1,
			      "allow_networks \"%s\" accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, bad[i]));
	}
}
END_TEST

START_TEST(allow_networks_exempts)
{
	struct addr_policy policy;
	init_policy(&policy, "127.0.0.0/8 ::1, 10.1.0.0/16", "80 443");
	char why[256];
	ck_assert(permits(&policy, "127.0.0.1", 8099, why, sizeof why));
	ck_assert(permits(&policy, "127.255.255.255", 1, why, sizeof why));
	ck_assert(permits(&policy, "::1", 22, why, sizeof why));
	ck_assert(permits(&policy, "::ffff:127.0.0.1", 8080, why, sizeof why));
	ck_assert(permits(&policy, "10.1.255.255", 6379, why, sizeof why));
	ck_assert(!permits(&policy, "10.0.255.255", 80, why, sizeof why));
	ck_assert(!permits(&policy, "10.2.0.0", 80, why, sizeof why));
	ck_assert(!permits(&policy, "169.254.169.254", 80, why, sizeof why));
	ck_assert(!permits(&policy, "::2", 80, why, sizeof why));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(narrow_exemption)
{
	struct addr_policy policy;
	init_policy(&policy, "127.0.0.1", "80");
	char why[256];
	ck_assert(permits(&policy, "127.0.0.1", 8099, why, sizeof why));
	ck_assert(!permits(&policy, "127.0.0.2", 8099, why, sizeof why));
	ck_assert(!permits(&policy, "127.0.0.0", 80, why, sizeof why));
	ck_assert(!permits(&policy, "::1", 80, why, sizeof why));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(own_address_denied)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80 443");
	char why[256];
	ck_assert(permits(&policy, "93.184.216.34", 80, why, sizeof why));
	struct cidr host;
	ck_assert_int_eq(cidr_parse("93.184.216.34", &host), 0);
	ck_assert_int_eq(addr_policy_add_own(&policy, &host), 0);
	ck_assert(!permits(&policy, "93.184.216.34", 80, why, sizeof why));
	ck_assert_str_eq(why, "93.184.216.34 is one of the server's own addresses");
	ck_assert(!permits(&policy, "::ffff:93.184.216.34", 443, why, sizeof why));
	ck_assert(!permits(&policy, "64:ff9b::93.184.216.34", 443, why, sizeof why));
	ck_assert(!permits(&policy, "2002:5db8:d822::1", 443, why, sizeof why));
	ck_assert(permits(&policy, "93.184.216.35", 80, why, sizeof why));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(server_addr_denied)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80 443");
	char err[256];
	char why[256];
	ck_assert_int_eq(addr_policy_deny_own(&policy, "2606:4700::6810:84e5", err, sizeof err), 0);
	ck_assert(!permits(&policy, "2606:4700::6810:84e5", 443, why, sizeof why));
	ck_assert(permits(&policy, "2606:4700::6810:84e6", 443, why, sizeof why));
	addr_policy_free(&policy);

	/* A SERVER_ADDR that is no address is ignored, not an error. */
	init_policy(&policy, "", "80 443");
	ck_assert_int_eq(addr_policy_deny_own(&policy, "not an address", err, sizeof err), 0);
	ck_assert_int_eq(addr_policy_deny_own(&policy, NULL, err, sizeof err), 0);
	addr_policy_free(&policy);
}
END_TEST

START_TEST(interface_addresses_denied)
{
	struct addr_policy policy;
	init_policy(&policy, "", "80 443");
	char err[256];
	ck_assert_int_eq(addr_policy_deny_own(&policy, NULL, err, sizeof err), 0);
	/* Loopback is up wherever the tests run, so at least 127.0.0.1 is listed. */
	ck_assert_uint_gt(policy.own_count, 0);
	char why[256];
	char text[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < policy.own_count; i++) {
		ck_assert(inet_ntop(policy.own[i].family, policy.own[i].addr, text, sizeof text));
		ck_assert_msg(!permits(&policy, text, 443, why, sizeof why),
			      "own address %s permitted", text);
	}
	addr_policy_free(&policy);
}
END_TEST

START_TEST(allow_beats_own_address)
{
	struct addr_policy policy;
	init_policy(&policy, "93.184.216.0/24", "80");
	struct cidr host;
	ck_assert_int_eq(cidr_parse("93.184.216.34", &host), 0);
	ck_assert_int_eq(addr_policy_add_own(&policy, &host), 0);
	char why[256];
	ck_assert(permits(&policy, "93.184.216.34", 8080, why, sizeof why));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(other_family_denied)
{
	struct addr_policy policy;
	init_policy(&policy, "0.0.0.0/0 ::/0", "80");
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	ss.ss_family = AF_UNIX;
	char why[256] = "";
	ck_assert(!addr_policy_permits(&policy, (const struct sockaddr *)&ss, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "family"));
	addr_policy_free(&policy);
}
END_TEST

START_TEST(cidr_parse_forms)
{
	struct cidr c;
	ck_assert_int_eq(cidr_parse("10.0.0.0/8", &c), 0);
	ck_assert_int_eq(c.family, AF_INET);
	ck_assert_int_eq(c.prefix, 8);
	ck_assert_int_eq(cidr_parse("::1", &c), 0);
	ck_assert_int_eq(c.family, AF_INET6);
	ck_assert_int_eq(c.prefix, 128);
	ck_assert_int_eq(cidr_parse("1.2.3.4", &c), 0);
	ck_assert_int_eq(c.prefix, 32);
	ck_assert_int_eq(cidr_parse("0.0.0.0/0", &c), 0);
	ck_assert_int_eq(c.prefix, 0);
	ck_assert_int_eq(cidr_parse("fe80::/10", &c), 0);
	ck_assert_int_eq(cidr_parse("010.0.0.1", &c), -1);
	ck_assert_int_eq(cidr_parse("[::1]", &c), -1);
	ck_assert_int_eq(cidr_parse("fe80::1%lo", &c), -1);
}
END_TEST

static Suite *addrpolicy_suite(void)
{
	Suite *s = suite_create("addrpolicy");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, range_boundaries, 0,
			    (int)(sizeof boundary_cases / sizeof boundary_cases[0]));
	tcase_add_loop_test(tc, embedded_ipv4_forms, 0,
			    (int)(sizeof embedded_cases / sizeof embedded_cases[0]));
	tcase_add_test(tc, reason_names_range);
	tcase_add_test(tc, default_ports_only);
	tcase_add_test(tc, configured_ports);
	tcase_add_test(tc, bad_ports_rejected);
	tcase_add_test(tc, bad_networks_rejected);
	tcase_add_test(tc, allow_networks_exempts);
	tcase_add_test(tc, narrow_exemption);
	tcase_add_test(tc, own_address_denied);
	tcase_add_test(tc, server_addr_denied);
	tcase_add_test(tc, interface_addresses_denied);
	tcase_add_test(tc, allow_beats_own_address);
	tcase_add_test(tc, other_family_denied);
	tcase_add_test(tc, cidr_parse_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addrpolicy_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
