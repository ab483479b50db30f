/* test_webui_wconf.c - command-line overrides of the [webui] section
 * (webui/wconf.c): "webui.key=value" like the other programs, and a bare
 * "key=value". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
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
	TEST_START("wconf: listen must be an IPv4/IPv6 literal, refused at parse time with file:line");
	{
		char path[] = "/tmp/test_webui_wconf.XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		ASSERT_TRUE(f != NULL);
		if (f != NULL) {
			char want[128];

			fputs("[webui]\nport = 8080\nlisten = 999.1.1.1\n", f);
			fclose(f);
			ASSERT_INT_EQ(wconf_load(&c, path, err, sizeof(err)), TR_ERR_CONFIG);
			snprintf(want, sizeof(want), "%s:3: listen = 999.1.1.1 is not an IPv4 or IPv6 "
			         "address", path);
			ASSERT_TRUE(strncmp(err, want, strlen(want)) == 0);
			f = fopen(path, "w");
			ASSERT_TRUE(f != NULL);
			if (f != NULL) {
				fputs("[webui]\nlisten = ::\n", f);
				fclose(f);
				ASSERT_INT_EQ(wconf_load(&c, path, err, sizeof(err)), 0);
				ASSERT_STR_EQ(c.listen, "::");
			}
			unlink(path);
		}
	}
	ASSERT_INT_EQ(wconf_set(&c, "webui.listen=999.1.1.1", err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_TRUE(strncmp(err, "listen = 999.1.1.1 is not an IPv4 or IPv6 address",
	                    strlen("listen = 999.1.1.1 is not an IPv4 or IPv6 address")) == 0);
	ASSERT_STR_EQ(c.listen, "::");       /* unchanged */
	ASSERT_TRUE(wconf_set(&c, "listen=localhost", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "listen=", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "listen=1.2.3.4 ", err, sizeof(err)) != 0);
	ASSERT_TRUE(wconf_set(&c, "listen=fe80::1%lo", err, sizeof(err)) != 0);
	ASSERT_INT_EQ(wconf_set(&c, "listen=0.0.0.0", err, sizeof(err)), 0);
	ASSERT_STR_EQ(c.listen, "0.0.0.0");
	ASSERT_INT_EQ(wconf_set(&c, "webui.listen=::ffff:127.0.0.1", err, sizeof(err)), 0);
	ASSERT_STR_EQ(c.listen, "::ffff:127.0.0.1");
	TEST_DONE();

	TEST_START("wconf: messages say what is wrong in the file's units and names");
	ASSERT_INT_EQ(wconf_set(&c, "webui.timeout=0s", err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_STR_EQ(err, "timeout = 0s is out of range 1s..1h");
	ASSERT_INT_EQ(wconf_set(&c, "webui.timeout=61m", err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_STR_EQ(err, "timeout = 61m is out of range 1s..1h");
	ASSERT_INT_EQ(wconf_set(&c, "webui.timeout=1h", err, sizeof(err)), 0);
	ASSERT_INT_EQ(wconf_set(&c, "ring.size=1", err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_TRUE(strstr(err, "\"ring.size\" is not a web UI setting") != NULL);
	ASSERT_INT_EQ(wconf_set(&c, "webui.nope=1", err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_STR_EQ(err, "unknown setting \"webui.nope\"");
	TEST_DONE();

	TEST_START("wconf_check: tls_cert without tls_key (also from -s) names both");
	ASSERT_INT_EQ(wconf_load(&c, NULL, err, sizeof(err)), 0);
	ASSERT_INT_EQ(wconf_check(&c, err, sizeof(err)), 0);
	ASSERT_INT_EQ(wconf_set(&c, "webui.tls_cert=/etc/passwd", err, sizeof(err)), 0);
	ASSERT_INT_EQ(wconf_check(&c, err, sizeof(err)), TR_ERR_CONFIG);
	ASSERT_TRUE(strstr(err, "tls_cert is set but tls_key is not: HTTPS needs both") != NULL);
	ASSERT_INT_EQ(wconf_set(&c, "webui.tls_key=/etc/passwd", err, sizeof(err)), 0);
	ASSERT_INT_EQ(wconf_check(&c, err, sizeof(err)), 0);
	TEST_DONE();
	return TEST_EXIT();
}
