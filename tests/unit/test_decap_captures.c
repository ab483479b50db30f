/* test_decap_captures.c - decap and ipfrag over the real capture corpus.
 *
 * For every capture described in ../shared/pcaps/PROVENANCE.md (read in
 * place, never copied), the counts that tshark reported there must come out
 * of decap_frame() and ipfrag: frames with IPv4, with IPv6, with a VLAN tag,
 * IPv4 fragments, IPv6 fragment frames, and the SIP messages carried over
 * UDP (after reassembly; a datagram is SIP when its first line is a SIP
 * request or status line). No fragment may be dropped.
 * Skipped, with the reason printed: PPPoE captures (a later issue), the SIP
 * count of tunnelled captures (GRE, IP-in-IP: a later issue) and of the
 * deliberately malformed SIP capture, files neither
 * libpcap nor decoder/netmon.c can read. The whole test skips when the
 * folder is missing.
 * TR_PCAPS=dir overrides where the captures are.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "decap.h"
#include "ipfrag.h"
#include "netmon.h"
#include "test.h"

#define NAME_MAX_ 256

struct expect {
	char name[NAME_MAX_];
	long v4, v6, vlan, frag4, frag6, gre, pppoe, ipip;
	long sip_udp;
	int have_net;
};

static int skipped;

static void
skip(const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
	skipped++;
}

static int
find_dir(char *out, size_t n)
{
	char exe[PATH_MAX - 32];   /* room for the suffix in out */
	const char *env = getenv("TR_PCAPS");
	ssize_t len;
	int i;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, R_OK) == 0 ? 0 : -1;
	}
	/* $B/tests/test_x, three levels below the top of the tree */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = 0;
		for (i = 0; i < 3; i++) {
			char *s = strrchr(exe, '/');
			if (s)
				*s = 0;
		}
		snprintf(out, n, "%s/../shared/pcaps", exe);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, n, "../shared/pcaps");
	return access(out, R_OK) == 0 ? 0 : -1;
}

static bool
is_sip(const uint8_t *p, size_t n)
{
	size_t i;

	if (n >= 8 && memcmp(p, "SIP/2.0 ", 8) == 0)
		return true;
	for (i = 0; i + 1 < n && i < 1024; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			break;
	return i + 1 < n && i >= 8 && memcmp(p + i - 8, " SIP/2.0", 8) == 0;
}

/* A capture being read: libpcap, or a Network Monitor file in memory. */
struct src {
	pcap_t *pcap;
	uint8_t *buf;
	struct netmon nm;
	int dlt;
};

static int
src_open(struct src *s, const char *path, char *err, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE];
	FILE *f = NULL;
	long n;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if ((s->pcap = pcap_open_offline(path, eb)) != NULL) {
		s->dlt = pcap_datalink(s->pcap);
		return 0;
	}
	snprintf(err, errlen, "libpcap: %s", eb);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (s->buf = malloc((size_t)n)) == NULL ||
	    fread(s->buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	if (!netmon_is(s->buf, (size_t)n) || netmon_open(&s->nm, s->buf, (size_t)n) != 0)
		goto out;
	s->dlt = s->nm.dlt;
	ret = 0;
out:
	if (f)
		fclose(f);
	if (ret != 0) {
		free(s->buf);
		s->buf = NULL;
	}
	return ret;
}

static int
src_next(struct src *s, uint64_t *ts, const uint8_t **data, uint32_t *caplen, uint32_t *origlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	struct netmon_frame fr;

	if (s->pcap) {
		if (pcap_next_ex(s->pcap, &h, &d) != 1)
			return 0;
		*ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * 1000ull;
		*data = d;
		*caplen = h->caplen;
		*origlen = h->len;
		return 1;
	}
	if (netmon_next(&s->nm, &fr) != 1)
		return 0;
	*ts = fr.ts_ns;
	*data = fr.data;
	*caplen = fr.caplen;
	*origlen = fr.origlen;
	return 1;
}

static void
src_close(struct src *s)
{
	if (s->pcap)
		pcap_close(s->pcap);
	free(s->buf);
}

static void
check_file(const char *dir, const struct expect *x)
{
	char path[PATH_MAX + NAME_MAX_], err[PCAP_ERRBUF_SIZE + 16];
	struct src src;
	const uint8_t *d;
	uint32_t caplen, origlen;
	struct ipfrag *ipf = NULL;
	struct ipfrag_stats st;
	struct decap_pkt o, o2;
	struct ipfrag_done done;
	long v4 = 0, v6 = 0, vlan = 0, f4 = 0, f6 = 0, sip = 0;
	uint64_t ts = 0;
	int dlt;

	snprintf(path, sizeof(path), "%s/%s", dir, x->name);
	if (access(path, R_OK) != 0) {
		skip(x->name, "listed in PROVENANCE.md but not present");
		return;
	}
	if (!x->have_net) {
		skip(x->name, "no Network: line in PROVENANCE.md");
		return;
	}
	if (x->pppoe) {
		skip(x->name, "PPPoE is not decapsulated yet (a later issue)");
		return;
	}
	if (src_open(&src, path, err, sizeof(err)) != 0) {
		skip(x->name, err);
		return;
	}
	TEST_START(x->name);
	dlt = src.dlt;
	ASSERT_INT_EQ(decap_dlt_supported(dlt), 1);
	ipf = ipfrag_new(256, 5000000000ull);
	while (src_next(&src, &ts, &d, &caplen, &origlen) == 1) {
		int r = decap_frame(dlt, d, caplen, &o);
		v4 += o.family == 4;
		v6 += o.family == 6;
		vlan += o.n_vlan > 0;
		f4 += o.family == 4 && o.is_fragment;
		f6 += o.family == 6 && o.is_fragment;
		if (r != 0)
			continue;
		if (o.is_fragment) {
			if (ipfrag_add(ipf, ts, &o, d, caplen, origlen, &done) == IPFRAG_DONE &&
			    decap_ip(done.ip, done.ip_len, &o2) == 0 && o2.proto == 17 &&
			    is_sip(o2.l5, o2.l5_len))
				sip++;
		} else if (o.proto == 17 && is_sip(o.l5, o.l5_len)) {
			sip++;
		}
	}
	ASSERT_INT_EQ(v4, x->v4);
	ASSERT_INT_EQ(v6, x->v6);
	ASSERT_INT_EQ(vlan, x->vlan);
	ASSERT_INT_EQ(f4, x->frag4);
	ASSERT_INT_EQ(f6, x->frag6);
	ipfrag_expire(ipf, ts + 10000000000ull);
	ipfrag_get_stats(ipf, &st);
	ASSERT_U64_EQ(st.fragments, (uint64_t)(f4 + f6));
	ASSERT_U64_EQ(st.timeouts + st.overlaps + st.bad + st.too_big + st.evicted, 0);
	if (x->gre || x->ipip)
		skip(x->name, "SIP count: tunnelled SIP is a later issue (network counts checked)");
	else if (strstr(x->name, "malformed"))
		skip(x->name, "SIP count: which mangled messages tshark calls SIP is its own "
		     "parser's choice (network counts checked)");
	else
		ASSERT_INT_EQ(sip, x->sip_udp);
	TEST_DONE();
	ipfrag_free(ipf);
	src_close(&src);
}

/* "## 12. `name`" starts an entry; "- Network: ..." and "- SIP transport:
 * ..." lines fill it. */
static void
run_all(const char *dir)
{
	char path[PATH_MAX + 32], line[4096];
	struct expect x;
	FILE *f;
	int have = 0;

	snprintf(path, sizeof(path), "%s/PROVENANCE.md", dir);
	if ((f = fopen(path, "r")) == NULL) {
		skip("all", "no PROVENANCE.md next to the captures");
		return;
	}
	memset(&x, 0, sizeof(x));
	while (fgets(line, sizeof(line), f)) {
		char *a, *b, *u;
		if (strncmp(line, "## ", 3) == 0 && (a = strchr(line, '`')) && (b = strchr(a + 1, '`'))) {
			if (have)
				check_file(dir, &x);
			memset(&x, 0, sizeof(x));
			snprintf(x.name, sizeof(x.name), "%.*s", (int)(b - a - 1), a + 1);
			have = 1;
		} else if (have && strncmp(line, "- Network: ", 11) == 0) {
			x.have_net = sscanf(line, "- Network: IPv4 frames %ld, IPv6 frames %ld, VLAN frames %ld, "
			                    "IPv4 fragments %ld, IPv6 fragment frames %ld, GRE %ld, PPPoE %ld, "
			                    "IP-in-IP %ld", &x.v4, &x.v6, &x.vlan, &x.frag4, &x.frag6,
			                    &x.gre, &x.pppoe, &x.ipip) == 8;
		} else if (have && strncmp(line, "- SIP transport: ", 17) == 0) {
			if ((u = strstr(line, "UDP(")) != NULL)
				x.sip_udp = strtol(u + 4, NULL, 10);
		}
	}
	if (have)
		check_file(dir, &x);
	fclose(f);
}

int
main(void)
{
	char dir[PATH_MAX];

	if (find_dir(dir, sizeof(dir)) != 0)
		skip("all", "../shared/pcaps is missing (set TR_PCAPS to its folder)");
	else
		run_all(dir);
	printf("%s: %d passed, %d failed, %d skipped\n", __FILE__, test_passed, test_failed, skipped);
	return test_failed ? 1 : 0;
}
