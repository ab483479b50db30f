/* test_vault_audit.c - vault/audit.c: the chain verifies; an edited field,
 * a deleted row, a forged hash or another key's signature are found and
 * named by row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sodium.h>
#include "err.h"
#include "vault/index.h"
#include "vault/audit.h"
#include "vault/keys.h"
#include "test.h"

static char dir[64];

static void
fresh(struct index **ix, struct keys **k, struct audit **au)
{
	char path[128];
	int i;

	snprintf(path, sizeof path, "%s/index.db", dir);
	unlink(path);
	ASSERT_INT_EQ(index_open(path, ix), 0);
	ASSERT_INT_EQ(audit_open(index_db(*ix), *k, au), 0);
	for (i = 1; i <= 6; i++) {
		char obj[16];
		snprintf(obj, sizeof obj, "obj-%d", i);
		ASSERT_INT_EQ(audit_append(*au, "alice", "mark", obj, "{\"x\":1}"), 0);
	}
}

static int64_t
bad_row(struct index *ix, const uint8_t *pk)
{
	int64_t bad = -1, n = 0;
	char why[200];
	if (audit_verify(index_db(ix), pk, &bad, &n, why, sizeof why) == 0)
		return 0;
	return bad;
}

int
main(void)
{
	struct index *ix = NULL;
	struct audit *au = NULL;
	struct keys *k = NULL, *k2 = NULL;
	char d2[80];
	int64_t bad = 0, n = 0;
	char why[200];
	json_t *list = NULL;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof dir, "/tmp/test_vault_audit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(d2, sizeof d2, "%s/other", dir);
	TEST_START("keys: create, load, never overwrite");
	ASSERT_INT_EQ(keys_create(dir), 0);
	ASSERT_INT_EQ(keys_create(dir), TR_ERR_EXISTS);
	ASSERT_INT_EQ(keys_load(dir, &k), 0);
	ASSERT_INT_EQ(mkdir(d2, 0700), 0);
	ASSERT_INT_EQ(keys_create(d2), 0);
	ASSERT_INT_EQ(keys_load(d2, &k2), 0);
	TEST_DONE();

	TEST_START("six rows verify; list is newest first");
	fresh(&ix, &k, &au);
	ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &n, why, sizeof why), 0);
	ASSERT_INT_EQ(n, 6);
	ASSERT_INT_EQ(audit_list(index_db(ix), 2, 0, NULL, &list), 0);
	ASSERT_INT_EQ(json_integer_value(json_object_get(list, "total")), 6);
	ASSERT_INT_EQ(json_array_size(json_object_get(list, "audit")), 2);
	ASSERT_INT_EQ(json_integer_value(json_object_get(json_array_get(json_object_get(list, "audit"), 0), "seq")), 6);
	json_decref(list);
	TEST_DONE();

	TEST_START("reopening continues the chain");
	audit_close(au);
	ASSERT_INT_EQ(audit_open(index_db(ix), k, &au), 0);
	ASSERT_INT_EQ(audit_append(au, "bob", "login", "bob", ""), 0);
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 0);
	TEST_DONE();

	TEST_START("two handles (two processes) append alternately: one chain");
	{
		struct index *ix2 = NULL;
		struct audit *au2 = NULL;
		char path[128];
		int i;
		snprintf(path, sizeof path, "%s/index.db", dir);
		ASSERT_INT_EQ(index_open(path, &ix2), 0);
		ASSERT_INT_EQ(audit_open(index_db(ix2), k, &au2), 0);
		for (i = 0; i < 5; i++) {
			ASSERT_INT_EQ(audit_append(au2, "cli", "user_add", "x", ""), 0);
			ASSERT_INT_EQ(audit_append(au, "vault", "login", "x", ""), 0);
		}
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &n, why, sizeof why), 0);
		ASSERT_INT_EQ(n, 17);
		audit_close(au2);
		index_close(ix2);
	}
	TEST_DONE();

	TEST_START("action filter");
	ASSERT_INT_EQ(audit_list(index_db(ix), 500, 0, "user_add", &list), 0);
	ASSERT_INT_EQ(json_integer_value(json_object_get(list, "total")), 5);
	ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(list, "audit"), 4),
	                                                "action")), "user_add");
	json_decref(list);
	TEST_DONE();

	TEST_START("the signed head file names the newest rows cut off");
	{
		char head[128];
		snprintf(head, sizeof head, "%s/audit.head", dir);
		unlink(head);
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why), TR_ERR_CRYPTO);
		ASSERT_INT_EQ(audit_set_head_file(au, head), 0);
		ASSERT_INT_EQ(audit_append(au, "vault", "stop", "x", ""), 0);
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why), 0);
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k2->sign_pk, head, why, sizeof why), TR_ERR_CRYPTO);
		index_exec(ix, "DELETE FROM audit WHERE seq >= 16");
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why), TR_ERR_CRYPTO);
		ASSERT_TRUE(strstr(why, "audit rows 16..18 missing") != NULL);
		audit_set_head_file(au, NULL);
	}
	TEST_DONE();

	TEST_START("a change and its row in one transaction: abort drops both, commit keeps both");
	{
		char head[128];
		sqlite3_stmt *st = NULL;
		int64_t before = 0, after = 0;

		snprintf(head, sizeof head, "%s/audit.head2", dir);
		unlink(head);
		ASSERT_INT_EQ(audit_set_head_file(au, head), 0);
		index_exec(ix, "CREATE TABLE t (v INTEGER)");
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &before, why, sizeof why), 0);
		ASSERT_INT_EQ(audit_begin(au), 0);
		ASSERT_INT_EQ(audit_begin(au), TR_ERR_SYS);          /* one at a time */
		index_exec(ix, "INSERT INTO t VALUES (1)");
		ASSERT_INT_EQ(audit_append(au, "cli", "passwd", "bob", ""), 0);
		audit_abort(au);
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &after, why, sizeof why), 0);
		ASSERT_INT_EQ(after, before);
		ASSERT_INT_EQ(sqlite3_prepare_v2(index_db(ix), "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
		ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
		ASSERT_INT_EQ(sqlite3_column_int64(st, 0), 0);
		sqlite3_reset(st);
		ASSERT_TRUE(access(head, F_OK) != 0);                 /* nothing anchored */
		ASSERT_INT_EQ(audit_begin(au), 0);
		index_exec(ix, "INSERT INTO t VALUES (2)");
		ASSERT_INT_EQ(audit_append(au, "cli", "passwd", "bob", ""), 0);
		ASSERT_INT_EQ(audit_commit(au), 0);
		ASSERT_INT_EQ(audit_verify(index_db(ix), k->sign_pk, &bad, &after, why, sizeof why), 0);
		ASSERT_INT_EQ(after, before + 1);
		ASSERT_INT_EQ(sqlite3_step(st), SQLITE_ROW);
		ASSERT_INT_EQ(sqlite3_column_int64(st, 0), 1);
		sqlite3_finalize(st);
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why), 0);
		ASSERT_INT_EQ(audit_commit(au), TR_ERR_INVAL);        /* none open */
		ASSERT_INT_EQ(audit_append(au, "vault", "login", "x", ""), 0);   /* on its own again */
		ASSERT_INT_EQ(audit_head_check(index_db(ix), k->sign_pk, head, why, sizeof why), 0);
		audit_set_head_file(au, NULL);
	}
	TEST_DONE();

	TEST_START("the syslog anchor line escapes text from the network");
	{
		char buf[1024];

		test_stderr_begin();
		openlog("test_vault_audit", LOG_PERROR, LOG_AUTH);   /* a copy of each line on stderr */
		ASSERT_INT_EQ(audit_append(au, "x", "login_failed", "x\nthreatrec audit row 1 forged hash 00", ""), 0);
		openlog(NULL, 0, LOG_USER);        /* LOG_PERROR off again */
		closelog();
		test_stderr_end(buf, sizeof buf);
		ASSERT_TRUE(strstr(buf, "login_failed x\\x0athreatrec audit row 1 forged hash 00 hash ") != NULL);
		ASSERT_TRUE(strstr(buf, "\nthreatrec audit row 1 forged") == NULL);
	}
	TEST_DONE();

	TEST_START("an edited detail is named");
	index_exec(ix, "UPDATE audit SET detail = '{\"x\":2}' WHERE seq = 4");
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 4);
	audit_close(au); index_close(ix);
	TEST_DONE();

	TEST_START("an edited actor / timestamp is named");
	fresh(&ix, &k, &au);
	index_exec(ix, "UPDATE audit SET actor = 'mallory' WHERE seq = 2");
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 2);
	audit_close(au); index_close(ix);
	fresh(&ix, &k, &au);
	index_exec(ix, "UPDATE audit SET ts = ts + 1 WHERE seq = 5");
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 5);
	audit_close(au); index_close(ix);
	TEST_DONE();

	TEST_START("a deleted row is named");
	fresh(&ix, &k, &au);
	index_exec(ix, "DELETE FROM audit WHERE seq = 3");
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 3);
	audit_close(au); index_close(ix);
	TEST_DONE();

	TEST_START("a recomputed hash without the key fails the signature");
	fresh(&ix, &k, &au);
	/* the last row rewritten with a consistent prev_hash but a zero hash */
	index_exec(ix, "UPDATE audit SET sig = substr(sig, 2) || '0' WHERE seq = 6");
	ASSERT_INT_EQ(bad_row(ix, k->sign_pk), 6);
	TEST_DONE();

	TEST_START("another vault's key does not verify the chain");
	ASSERT_INT_EQ(bad_row(ix, k2->sign_pk), 1);
	audit_close(au); index_close(ix);
	TEST_DONE();

	keys_free(k);
	keys_free(k2);
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup failed\n");
	}
	return TEST_EXIT();
}
