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
	ASSERT_INT_EQ(auth_user_add(a, "Alice", "secret-pass", IPC_ROLE_AGENT, "1001"), TR_ERR_EXISTS);
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

	TEST_START("two-person rule: an account another admin added waits for a second admin");
	{
		struct auth_pw pw;
		char by[64];
		json_t *list = NULL;

		ASSERT_INT_EQ(auth_role_needs_approval(IPC_ROLE_INVESTIGATOR), 1);
		ASSERT_INT_EQ(auth_role_needs_approval(IPC_ROLE_ADMIN), 1);
		ASSERT_INT_EQ(auth_role_needs_approval(IPC_ROLE_AGENT), 0);
		ASSERT_INT_EQ(auth_role_needs_approval(IPC_ROLE_SUPERVISOR), 0);
		ASSERT_INT_EQ(auth_pw_make("pending-pass", &pw), 0);
		ASSERT_INT_EQ(auth_user_add_pw(a, "penny", &pw, IPC_ROLE_INVESTIGATOR, "", "root"), 0);
		auth_pw_clear(&pw);
		/* the right password learns it waits; a wrong one learns nothing */
		ASSERT_INT_EQ(auth_login(a, "penny", "pending-pass", "10.0.1.1", &u, tok, csrf, &retry),
		              TR_ERR_PENDING);
		ASSERT_INT_EQ(auth_login(a, "penny", "wrong-pass!", "10.0.1.1", &u, tok, csrf, &retry),
		              TR_ERR_PERM);
		ASSERT_INT_EQ(auth_user_list(a, &list), 0);
		{
			json_t *e;
			size_t k;
			int seen = 0;
			json_array_foreach(json_object_get(list, "users"), k, e)
				if (strcmp(json_string_value(json_object_get(e, "name")), "penny") == 0) {
					ASSERT_STR_EQ(json_string_value(json_object_get(e, "pending_by")), "root");
					seen = 1;
				} else if (strcmp(json_string_value(json_object_get(e, "name")), "alice") == 0)
					ASSERT_INT_EQ(json_is_null(json_object_get(e, "pending_by")), 1);
			ASSERT_INT_EQ(seen, 1);
		}
		json_decref(list);
		ASSERT_INT_EQ(auth_user_approve(a, "penny", "root", by), TR_ERR_PERM);   /* not by its adder */
		ASSERT_STR_EQ(by, "root");
		ASSERT_INT_EQ(auth_user_approve(a, "nobody", "other", by), TR_ERR_NOTFOUND);
		ASSERT_INT_EQ(auth_user_approve(a, "alice", "other", by), TR_ERR_NOTFOUND); /* active */
		ASSERT_INT_EQ(auth_login(a, "penny", "pending-pass", "10.0.1.1", &u, tok, csrf, &retry),
		              TR_ERR_PENDING);
		ASSERT_INT_EQ(auth_user_approve(a, "penny", "other", by), 0);
		ASSERT_STR_EQ(by, "root");
		ASSERT_INT_EQ(auth_login(a, "penny", "pending-pass", "10.0.1.1", &u, tok, csrf, &retry), 0);
		ASSERT_INT_EQ(u.role, IPC_ROLE_INVESTIGATOR);
		ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), 0);
		ASSERT_INT_EQ(auth_user_approve(a, "penny", "other", by), TR_ERR_NOTFOUND); /* once */
		/* a pending account never has a live session, even planted */
		ASSERT_INT_EQ(auth_pw_make("pending-pass", &pw), 0);
		ASSERT_INT_EQ(auth_user_add_pw(a, "pete", &pw, IPC_ROLE_ADMIN, "", "root"), 0);
		auth_pw_clear(&pw);
		index_exec(ix, "UPDATE sessions SET user = 'pete'");
		ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), TR_ERR_PERM);
		ASSERT_INT_EQ(auth_logout(a, tok), 0);
	}
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
	ASSERT_INT_EQ(auth_user_disable(a, "alice", 1), TR_ERR_EXISTS);   /* already: no change */
	ASSERT_INT_EQ(auth_user_disable(a, "alice", 0), 0);
	ASSERT_INT_EQ(auth_user_disable(a, "alice", 0), TR_ERR_EXISTS);
	ASSERT_INT_EQ(auth_login(a, "alice", "another-pass", "10.0.0.6", &u, tok, csrf, &retry), 0);
	ASSERT_INT_EQ(auth_user_del(a, "ivan"), 0);
	ASSERT_INT_EQ(auth_user_del(a, "ivan"), TR_ERR_NOTFOUND);
	TEST_DONE();

	TEST_START("own password change: must_change, old checked and throttled, other sessions end");
	{
		struct auth_pw pw;
		char tok2[65];

		ASSERT_INT_EQ(auth_user_add(a, "nina", "initial-pass", IPC_ROLE_SUPERVISOR, ""), 0);
		ASSERT_INT_EQ(auth_login(a, "nina", "initial-pass", "10.0.3.1", &u, tok, csrf, &retry), 0);
		ASSERT_INT_EQ(u.must_change, 0);
		ASSERT_INT_EQ(auth_user_must_change(a, "nina", 1), 0);
		ASSERT_INT_EQ(auth_user_must_change(a, "nobody", 1), TR_ERR_NOTFOUND);
		ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), 0);
		ASSERT_INT_EQ(u.must_change, 1);
		ASSERT_INT_EQ(auth_login(a, "nina", "initial-pass", "10.0.3.1", &u, tok2, csrf, &retry), 0);
		ASSERT_INT_EQ(u.must_change, 1);
		ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "wrong-pass!", "fresh-pass-1", &retry), TR_ERR_PERM);
		ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "initial-pass", "initial-pass", &retry), TR_ERR_INVAL);
		ASSERT_INT_EQ(auth_user_check_pw(a, "ghost", "initial-pass", "fresh-pass-1", &retry),
		              TR_ERR_NOTFOUND);
		ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "initial-pass", "fresh-pass-1", &retry), 0);
		ASSERT_INT_EQ(auth_pw_make("fresh-pass-1", &pw), 0);
		ASSERT_INT_EQ(auth_user_replace_pw(a, "nina", &pw, "not-a-token"), TR_ERR_INVAL);
		ASSERT_INT_EQ(auth_user_replace_pw(a, "nina", &pw, tok), 0);
		auth_pw_clear(&pw);
		ASSERT_INT_EQ(auth_session(a, tok, &u, csrf2), 0);          /* this session stays */
		ASSERT_INT_EQ(u.must_change, 0);
		ASSERT_INT_EQ(auth_session(a, tok2, &u, csrf2), TR_ERR_PERM); /* the other ends */
		ASSERT_INT_EQ(auth_login(a, "nina", "initial-pass", "10.0.3.2", &u, tok2, csrf, &retry),
		              TR_ERR_PERM);
		ASSERT_INT_EQ(auth_login(a, "nina", "fresh-pass-1", "10.0.3.3", &u, tok2, csrf, &retry), 0);
		/* guesses through a session count as failed logins of that user */
		for (i = 0; i < 3; i++)
			ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "guess-pass", "other-pass-1", &retry), TR_ERR_PERM);
		ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "fresh-pass-1", "other-pass-1", &retry), TR_ERR_LIMIT);
		ASSERT_INT_EQ(retry > 0, 1);
		{   /* the refusal that starts the lockout is to be audited, the next not */
			uint32_t n = 99;
			int start = -1;

			ASSERT_INT_EQ(auth_refusal_audit(a, &n, &start), 1);
			ASSERT_INT_EQ(start, 1);
			ASSERT_INT_EQ(auth_user_check_pw(a, "nina", "fresh-pass-1", "other-pass-1", &retry),
			              TR_ERR_LIMIT);
			ASSERT_INT_EQ(auth_refusal_audit(a, &n, &start), 0);
		}
		ASSERT_INT_EQ(auth_login(a, "nina", "fresh-pass-1", "10.0.3.4", &u, tok2, csrf, &retry),
		              TR_ERR_LIMIT);
	}
	TEST_DONE();

	TEST_START("enable again: an investigator or admin waits for a second admin, others do not");
	{
		int pending = -1;
		char by[64];

		ASSERT_INT_EQ(auth_user_add(a, "vera", "vera-pass-12", IPC_ROLE_INVESTIGATOR, ""), 0);
		ASSERT_INT_EQ(auth_user_add(a, "sven", "sven-pass-12", IPC_ROLE_SUPERVISOR, ""), 0);
		ASSERT_INT_EQ(auth_user_enable(a, "vera", "root", &pending), TR_ERR_NOTFOUND); /* active */
		ASSERT_INT_EQ(auth_user_disable(a, "vera", 1), 0);
		ASSERT_INT_EQ(auth_user_disable(a, "sven", 1), 0);
		ASSERT_INT_EQ(auth_user_enable(a, "vera", "root", &pending), 0);
		ASSERT_INT_EQ(pending, 1);
		ASSERT_INT_EQ(auth_login(a, "vera", "vera-pass-12", "10.0.4.1", &u, tok, csrf, &retry),
		              TR_ERR_PENDING);
		ASSERT_INT_EQ(auth_user_approve(a, "vera", "root", by), TR_ERR_PERM);
		ASSERT_INT_EQ(auth_user_approve(a, "vera", "other", by), 0);
		ASSERT_INT_EQ(auth_login(a, "vera", "vera-pass-12", "10.0.4.1", &u, tok, csrf, &retry), 0);
		ASSERT_INT_EQ(auth_user_enable(a, "sven", "root", &pending), 0);
		ASSERT_INT_EQ(pending, 0);
		ASSERT_INT_EQ(auth_login(a, "sven", "sven-pass-12", "10.0.4.1", &u, tok, csrf, &retry), 0);
		/* the operator's command (no adding admin): active at once */
		ASSERT_INT_EQ(auth_user_disable(a, "vera", 1), 0);
		ASSERT_INT_EQ(auth_user_enable(a, "vera", "", &pending), 0);
		ASSERT_INT_EQ(pending, 0);
		ASSERT_INT_EQ(auth_user_enable(a, "nobody", "root", &pending), TR_ERR_NOTFOUND);
	}
	TEST_DONE();

	TEST_START("an account still awaiting approval keeps its adder through disable and enable");
	{
		int pending = -1;
		char by[64];
		struct auth_pw pw;

		ASSERT_INT_EQ(auth_pw_make("walt-pass-12", &pw), 0);
		ASSERT_INT_EQ(auth_user_add_pw(a, "walt", &pw, IPC_ROLE_INVESTIGATOR, "", "adam"), 0);
		auth_pw_clear(&pw);
		ASSERT_INT_EQ(auth_user_disable(a, "walt", 1), 0);
		ASSERT_INT_EQ(auth_user_approve(a, "walt", "bea", by), TR_ERR_INVAL);   /* disabled */
		ASSERT_INT_EQ(auth_user_enable(a, "walt", "bea", &pending), 0);          /* bea enables */
		ASSERT_INT_EQ(pending, 1);
		ASSERT_INT_EQ(auth_user_approve(a, "walt", "adam", by), TR_ERR_PERM);    /* still adam's */
		ASSERT_STR_EQ(by, "adam");
		ASSERT_INT_EQ(auth_user_approve(a, "walt", "bea", by), 0);
		ASSERT_STR_EQ(by, "adam");
		/* the operator's enable of a waiting account does not approve it either */
		ASSERT_INT_EQ(auth_pw_make("xena-pass-12", &pw), 0);
		ASSERT_INT_EQ(auth_user_add_pw(a, "xena", &pw, IPC_ROLE_ADMIN, "", "adam"), 0);
		auth_pw_clear(&pw);
		ASSERT_INT_EQ(auth_user_disable(a, "xena", 1), 0);
		ASSERT_INT_EQ(auth_user_enable(a, "xena", "", &pending), 0);
		ASSERT_INT_EQ(pending, 1);
		ASSERT_INT_EQ(auth_login(a, "xena", "xena-pass-12", "10.0.4.2", &u, tok, csrf, &retry),
		              TR_ERR_PENDING);
	}
	TEST_DONE();

	auth_close(a);
	index_close(ix);

	TEST_START("an index from before approvals gets the column; its accounts stay active");
	{
		char old[160];
		sqlite3 *db = NULL;

		snprintf(old, sizeof old, "%s/old.db", dir);
		ASSERT_INT_EQ(sqlite3_open(old, &db), SQLITE_OK);
		ASSERT_INT_EQ(sqlite3_exec(db, "CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
		    " role INTEGER NOT NULL, extension TEXT NOT NULL DEFAULT '', created INTEGER,"
		    " disabled INTEGER NOT NULL DEFAULT 0)", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		ix = NULL;
		a = NULL;
		ASSERT_INT_EQ(index_open(old, &ix), 0);
		ASSERT_INT_EQ(auth_open(index_db(ix), &c, &a), 0);
		ASSERT_INT_EQ(auth_user_add(a, "olga", "secret-pass", IPC_ROLE_ADMIN, ""), 0);
		ASSERT_INT_EQ(auth_login(a, "olga", "secret-pass", "10.0.2.1", &u, tok, csrf, &retry), 0);
		ASSERT_INT_EQ(u.must_change, 0);
		auth_close(a);
		index_close(ix);
		/* and opening it again changes nothing */
		ASSERT_INT_EQ(index_open(old, &ix), 0);
		index_close(ix);
	}
	TEST_DONE();
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup failed\n");
	}
	return TEST_EXIT();
}
