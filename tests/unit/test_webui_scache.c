/* test_webui_scache.c - the web UI's cache of sessions the vault confirmed
 * (webui/scache.c): put/get/drop, and dropping a user's sessions when the
 * vault ended them (account disabled: all; own password changed: all but
 * the changing one). */
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "err.h"
#include "test.h"
#include "webui/scache.h"

static void sess(struct scache_sess *s, const char *user, uint32_t role)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->csrf, sizeof(s->csrf), "csrf-of-%s", user);
	s->role = role;
}

int main(void)
{
	struct scache *c;
	struct scache_sess s, out;
	char tok[4][65];
	int i;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < 4; i++) {
		memset(tok[i], 'a' + i, 64);
		tok[i][64] = '\0';
	}

	TEST_START("scache: put, get, drop");
	c = scache_new();
	ASSERT_TRUE(c != NULL);
	sess(&s, "ivy", 3);
	scache_put(c, tok[0], &s);
	ASSERT_INT_EQ(scache_get(c, tok[0], &out), 0);
	ASSERT_STR_EQ(out.user, "ivy");
	ASSERT_INT_EQ(out.role, 3);
	ASSERT_INT_EQ(scache_get(c, tok[1], &out), TR_ERR_NOTFOUND);
	scache_drop(c, tok[0]);
	ASSERT_INT_EQ(scache_get(c, tok[0], &out), TR_ERR_NOTFOUND);
	TEST_DONE();

	TEST_START("scache_drop_user: a password change keeps only the changing session");
	sess(&s, "ivy", 3);
	scache_put(c, tok[0], &s);
	scache_put(c, tok[1], &s);
	sess(&s, "alice", 1);
	scache_put(c, tok[2], &s);
	sess(&s, "ivy2", 3);          /* a name that only starts like it */
	scache_put(c, tok[3], &s);
	scache_drop_user(c, "ivy", tok[0]);
	ASSERT_INT_EQ(scache_get(c, tok[0], &out), 0);
	ASSERT_INT_EQ(scache_get(c, tok[1], &out), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(scache_get(c, tok[2], &out), 0);
	ASSERT_STR_EQ(out.user, "alice");
	ASSERT_INT_EQ(scache_get(c, tok[3], &out), 0);
	TEST_DONE();

	TEST_START("scache_drop_user: disabling drops every session of the account");
	sess(&s, "alice", 1);
	scache_put(c, tok[1], &s);
	scache_drop_user(c, "alice", NULL);
	ASSERT_INT_EQ(scache_get(c, tok[1], &out), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(scache_get(c, tok[2], &out), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(scache_get(c, tok[0], &out), 0);      /* ivy's stays */
	scache_drop_user(c, "nobody", NULL);                /* no entry: nothing happens */
	ASSERT_INT_EQ(scache_get(c, tok[3], &out), 0);
	scache_drop_user(NULL, "ivy", NULL);                /* NULL-safe like the rest */
	scache_free(c);
	TEST_DONE();

	TEST_START("scache logouts: refused at once, handed out once a second, forgotten when done");
	c = scache_new();
	sess(&s, "ivy", 3);
	scache_put(c, tok[0], &s);
	ASSERT_TRUE(!scache_logged_out(c, tok[0]));
	ASSERT_INT_EQ(scache_logout_add(c, tok[0], "10.0.0.1", true), 0);
	ASSERT_TRUE(scache_logged_out(c, tok[0]));
	ASSERT_TRUE(!scache_logged_out(c, tok[1]));
	ASSERT_INT_EQ(scache_get(c, tok[0], &out), TR_ERR_NOTFOUND);   /* no cached session left */
	ASSERT_INT_EQ(scache_logout_add(c, tok[0], "10.0.0.1", true), 0);   /* once only */
	{
		struct scache_logout lo[4];

		ASSERT_INT_EQ(scache_logout_pending(c, lo, 4), 1);
		ASSERT_STR_EQ(lo[0].token, tok[0]);
		ASSERT_STR_EQ(lo[0].remote, "10.0.0.1");
		ASSERT_INT_EQ(scache_logout_pending(c, lo, 4), 0);   /* within the second */
		usleep(1100 * 1000);
		ASSERT_INT_EQ(scache_logout_pending(c, lo, 4), 1);   /* the vault did not confirm */
		scache_logout_done(c, tok[0]);
		ASSERT_TRUE(!scache_logged_out(c, tok[0]));
		usleep(1100 * 1000);
		ASSERT_INT_EQ(scache_logout_pending(c, lo, 4), 0);
	}
	TEST_DONE();

	TEST_START("scache logouts: made-up tokens never push out a confirmed session's logout");
	{
		char t[65];
		int k, kept = 0;

		ASSERT_INT_EQ(scache_logout_add(c, tok[1], "", true), 0);
		for (k = 0; k < SCACHE_LOGOUTS_MAX + 10; k++) {
			snprintf(t, sizeof(t), "%064d", k);
			kept += scache_logout_add(c, t, "", false) == 0;
		}
		ASSERT_INT_EQ(kept, SCACHE_LOGOUTS_MAX + 10);   /* they replace each other */
		ASSERT_TRUE(scache_logged_out(c, tok[1]));
		snprintf(t, sizeof(t), "%064d", 0);         /* the first made-up one, replaced */
		ASSERT_TRUE(!scache_logged_out(c, t));
		/* a confirmed one takes an unconfirmed one's place */
		ASSERT_INT_EQ(scache_logout_add(c, tok[2], "", true), 0);
		ASSERT_TRUE(scache_logged_out(c, tok[2]) && scache_logged_out(c, tok[1]));
	}
	scache_free(c);
	TEST_DONE();

	return TEST_EXIT();
}
