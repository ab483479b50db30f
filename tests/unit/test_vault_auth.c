/* test_vault_auth.c - vault/auth.c: user rules, login, sessions (hashed
 * token, logout, idle expiry) and throttling per user and per address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "err.h"
#include "vault/index.h"
#include "vault/auth.h"
#include "vault/vconf.h"
#include "test.h"

int
main(void)
{
	struct index *ix = NULL;
	struct auth *a = NULL;
	struct vconf c;
	struct auth_user u;
	char dir[64], path[128], tok[65], csrf[65], csrf2[65], err[128];
	int64_t retry = 0;
	int i;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof dir, "/tmp/test_vault_auth.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/index.db", dir);
	vconf_load(&c, NULL, err, sizeof err);
	c.login_fail_max = 3;
	if (index_open(path, &ix) != 0 || auth_open(index_db(ix), &c, &a) != 0)
		return 1;

	TEST_START("user rules");
	ASSERT_INT_EQ(auth_user_add(a, "alice", "secret-pass", IPC_ROLE_AGENT, "1001"), 0);
	ASSERT_INT_EQ(auth_user_add(a, "alice", "secret-pass", IPC_ROLE_AGENT, "1001"), TR_ERR_EXISTS);
	ASSERT_INT_EQ(auth_user_add(a, "bob", "secret-pass", IPC_ROLE_AGENT, ""), TR_ERR_INVAL);
	ASSERT_INT_EQ(auth_user_add(a, "bob", "short", IPC_ROLE_ADMIN, ""), TR_ERR_INVAL);
	ASSERT_INT_EQ(auth_user_add(a, "bo b", "secret-pass", IPC_ROLE_ADMIN, ""), TR_ERR_INVAL);
	ASSERT_INT_EQ(auth_user_add(a, "bob", "secret-pass", (enum ipc_role)9, ""), TR_ERR_INVAL);
	ASSERT_INT_EQ(auth_user_add(a, "ivan", "secret-pass", IPC_ROLE_INVESTIGATOR, ""), 0);
	ASSERT_INT_EQ(auth_role_parse("supervisor"), IPC_ROLE_SUPERVISOR);
	ASSERT_INT_EQ(auth_role_parse("root"), IPC_ROLE_NONE);
	TEST_DONE();

	TEST_START("login, session, logout; only the token's hash is stored");
	ASSERT_INT_EQ(auth_login(a, "alice", "secret-pass", "10.0.0.1", &u, tok, csrf, &retry), 0);
	ASSERT_STR_EQ(u.name, "alice");
	ASSERT_INT_EQ(u.role, IPC_ROLE_AGENT);
	ASSERT_STR_EQ(u.extension, "1001");
	ASSERT_INT_EQ(strlen(tok), 64);
	memset(&u, 0, sizeof u);
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), 0);
	ASSERT_STR_EQ(u.name, "alice");
	ASSERT_STR_EQ(csrf2, csrf);
	{
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(index_db(ix), "SELECT count(*) FROM sessions WHERE token_hash = ?", -1, &st, NULL);
		sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		ASSERT_INT_EQ(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
	}
	ASSERT_INT_EQ(auth_session(a, "nothex", &u, csrf2), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_logout(a, tok), 0);
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), TR_ERR_PERM);
	TEST_DONE();

	TEST_START("idle sessions expire");
	ASSERT_INT_EQ(auth_login(a, "ivan", "secret-pass", "10.0.0.1", &u, tok, csrf, &retry), 0);
	index_exec(ix, "UPDATE sessions SET last_seen = last_seen - 3600000000000");
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), TR_ERR_PERM);
	TEST_DONE();

	TEST_START("wrong password and unknown user look the same");
	ASSERT_INT_EQ(auth_login(a, "ivan", "wrong-pass", "10.0.0.9", &u, tok, csrf, &retry), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_login(a, "nobody", "wrong-pass", "10.0.0.8", &u, tok, csrf, &retry), TR_ERR_PERM);
	TEST_DONE();

	TEST_START("after login_fail_max failures the user is locked out, even with the right password");
	for (i = 0; i < 3; i++)
		auth_login(a, "alice", "bad-pass", "10.0.0.2", &u, tok, csrf, &retry);
	ASSERT_INT_EQ(auth_login(a, "alice", "secret-pass", "10.0.0.3", &u, tok, csrf, &retry), TR_ERR_LIMIT);
	ASSERT_TRUE(retry >= 1);
	TEST_DONE();

	TEST_START("refusals in one lockout: one audit row at its start, the rest only counted");
	{
		uint32_t cnt = 99;
		int start = 0, rows = 0;
		ASSERT_INT_EQ(auth_refusal_audit(a, &cnt, &start), 1);   /* the refusal above */
		ASSERT_INT_EQ(start, 1);
		ASSERT_INT_EQ(cnt, 0);
		for (i = 0; i < 200; i++) {
			ASSERT_INT_EQ(auth_login(a, "alice", "secret-pass", "10.0.0.3", &u, tok, csrf, &retry),
			              TR_ERR_LIMIT);
			rows += auth_refusal_audit(a, &cnt, &start);
		}
		ASSERT_INT_EQ(rows, 0);
	}
	TEST_DONE();

	TEST_START("... and so is the address, for every user");
	ASSERT_INT_EQ(auth_login(a, "ivan", "secret-pass", "10.0.0.2", &u, tok, csrf, &retry), TR_ERR_LIMIT);
	ASSERT_INT_EQ(auth_login(a, "ivan", "secret-pass", "10.0.0.4", &u, tok, csrf, &retry), 0);
	TEST_DONE();

	TEST_START("the lockout ends (1 s after the 3rd failure)");
	sleep(2);
	ASSERT_INT_EQ(auth_login(a, "alice", "secret-pass", "10.0.0.3", &u, tok, csrf, &retry), 0);
	TEST_DONE();

	TEST_START("passwd: new password, old one and old sessions refused");
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), 0);
	ASSERT_INT_EQ(auth_user_passwd(a, "alice", "short"), TR_ERR_INVAL);
	ASSERT_INT_EQ(auth_user_passwd(a, "nobody", "another-pass"), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(auth_user_passwd(a, "alice", "another-pass"), 0);
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_login(a, "alice", "secret-pass", "10.0.0.5", &u, tok, csrf, &retry), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_login(a, "alice", "another-pass", "10.0.0.5", &u, tok, csrf, &retry), 0);
	TEST_DONE();

	TEST_START("userdisable: sessions end, login refused; enable again");
	ASSERT_INT_EQ(auth_user_disable(a, "alice", 1), 0);
	ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_login(a, "alice", "another-pass", "10.0.0.6", &u, tok, csrf, &retry), TR_ERR_PERM);
	ASSERT_INT_EQ(auth_user_disable(a, "nobody", 1), TR_ERR_NOTFOUND);
	ASSERT_INT_EQ(auth_user_disable(a, "alice", 0), 0);
	ASSERT_INT_EQ(auth_login(a, "alice", "another-pass", "10.0.0.6", &u, tok, csrf, &retry), 0);
	ASSERT_INT_EQ(auth_user_del(a, "ivan"), 0);
	ASSERT_INT_EQ(auth_user_del(a, "ivan"), TR_ERR_NOTFOUND);
	TEST_DONE();

	auth_close(a);
	index_close(ix);
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup failed\n");
	}
	return TEST_EXIT();
}
