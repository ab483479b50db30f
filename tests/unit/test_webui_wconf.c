/* test_webui_wconf.c - command-line overrides of the [webui] section
 * (webui/wconf.c): "webui.key=value" like the other programs, and a bare
 * "key=value". */
#include <string.h>

#include "test.h"
#include "webui/wconf.h"

int main(void)
{
	struct wconf c;
	char err[256];

	TEST_START("wconf: defaults (1024 connections, 32 per IP, 10 s timeout)");
	ASSERT_INT_EQ(wconf_load(&c, NULL, err, sizeof(err)), 0);
	ASSERT_INT_EQ(c.max_connections, 1024);
	ASSERT_INT_EQ(c.per_ip_connections, 32);
	ASSERT_U64_EQ(c.timeout_ns, 10000000000ULL);
	TEST_DONE();

	TEST_START("wconf: -s webui.key=value and -s key=value");
	ASSERT_INT_EQ(wconf_set(&c, "webui.port=8181", err, sizeof(err)), 0);
	ASSERT_INT_EQ(c.port, 8181);
	ASSERT_INT_EQ(wconf_set(&c, "port=8282", err, sizeof(err)), 0);
	ASSERT_INT_EQ(c.port, 8282);
	ASSERT_INT_EQ(wconf_set(&c, "webui.listen=::1", err, sizeof(err)), 0);
	ASSERT_STR_EQ(c.listen, "::1");
	TEST_DONE();

	TEST_START("wconf: unknown keys and other sections are refused");
	ASSERT_TRUE(wconf_set(&c, "webui.nope=1", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "sniffer.port=1", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "webui.=1", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "port", err, sizeof(err)) != 0);
	ASSERT_INT_EQ(c.port, 8282);
	TEST_DONE();
	return TEST_EXIT();
}
