#!/usr/bin/env bash
# tests/webui/run.sh - the web UI against the real sniffer (replaying a
# generated capture into a private ring) and tests/webui/fake_vault.py (a
# stand-in that speaks the vault protocol, so the web UI is tested alone).
# Then a vault-down check. Last line: "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
pcap=pcaps/concurrent-20.pcap
for f in "$B/threatrec-webui" "$B/threatrec-sniffer" "$pcap"; do
	if [ ! -e "$f" ]; then
		echo "webui: $f is missing (run make all first)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
tmp=$(mktemp -d) || exit 1
ring="/trwebui-$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
	rm -f "/dev/shm${ring}" "/dev/shm${ring}.marks" "/dev/shm/trwebui-m-$$" "/dev/shm/trwebui-m-$$.marks"
}
trap cleanup EXIT INT TERM

python3 tests/webui/fake_vault.py "$tmp/vault.sock" "$ring" >"$tmp/vault.log" 2>&1 &
pids+=($!)
"$B/threatrec-sniffer" -r "$pcap" --pace 1.0 --loop --ring "$ring" >"$tmp/sniffer.log" 2>&1 &
pids+=($!)
"$B/threatrec-webui" -s port="$port" -s vault_socket="$tmp/vault.sock" -s ring="$ring" \
	>"$tmp/webui.log" 2>&1 &
webui=$!
pids+=($webui)
for _ in $(seq 100); do
	[ -S "$tmp/vault.sock" ] && python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
	sleep 0.05
done
python3 tests/webui/api_test.py "http://127.0.0.1:$port" | tee "$tmp/result"
p=$(tail -n 1 "$tmp/result" | sed -nE 's/^([0-9]+) passed.*/\1/p')
f=$(tail -n 1 "$tmp/result" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
p=${p:-0}; f=${f:-1}
# slow clients (slowloris): about 12 s, loopback only
python3 tests/webui/slowloris_test.py "http://127.0.0.1:$port" | tee "$tmp/result"
p=$((p + $(tail -n 1 "$tmp/result" | sed -nE 's/^([0-9]+) passed.*/\1/p')))
f=$((f + $(tail -n 1 "$tmp/result" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')))

# logout while the vault cannot be reached (its socket moved away, the fake
# vault keeps its sessions): the cookie is cleared, the session refused here
# at once, and the vault told when it answers again
got=$(python3 - "$port" "$tmp/vault.sock" <<'PY'
import http.client, json, os, sys, time
def req(method, path, cookie=None, csrf=None):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    h = {"Content-Type": "application/json"} if method == "POST" else {}
    if cookie: h["Cookie"] = cookie
    if csrf: h["X-CSRF-Token"] = csrf
    c.request(method, path, body=None, headers=h)
    r = c.getresponse()
    b = r.read()
    try:
        j = json.loads(b)
    except ValueError:
        j = {}
    return r.status, r.getheader("Set-Cookie") or "", j
def login(u):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    c.request("POST", "/api/login", body=json.dumps({"username": u, "password": "pw-" + u}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    return r.getheader("Set-Cookie").split(";")[0], json.loads(r.read())["csrf"]
a, ac = login("sam"); b, _ = login("sam")
n0 = req("GET", "/api/status", b)[2]["vault"]["sessions"]
out = []
os.rename(sys.argv[2], sys.argv[2] + ".away")
st, ck, j = req("POST", "/api/logout", a, ac)
out.append("%d %s %s" % (st, "Max-Age=0" in ck, j.get("vault_informed")))
out.append(req("GET", "/api/calls", a)[0])          # refused at once
out.append(req("GET", "/api/calls", b)[0])          # the other session lives on (cache)
st, ck, j = req("POST", "/api/logout", a, ac)       # again: the same answer
out.append("%d %s %s" % (st, "Max-Age=0" in ck, j.get("vault_informed")))
os.rename(sys.argv[2] + ".away", sys.argv[2])
time.sleep(1.1)                                      # one retry round a second
st, _, j = req("GET", "/api/status", b)
out.append("%d %d" % (st, n0 - j["vault"]["sessions"]))   # the vault ended it
out.append(req("GET", "/api/calls", a)[0])          # the vault says so too
st, ck, j = req("POST", "/api/logout", b, req("GET", "/api/me", b)[2].get("csrf"))
out.append("%d %s %s" % (st, "Max-Age=0" in ck, j.get("vault_informed")))
print(" | ".join(str(x) for x in out))
PY
)
want="200 True False | 401 | 200 | 200 True False | 200 1 | 401 | 200 True True"
if [ "$got" = "$want" ]; then
	echo "ok   logout with the vault unreachable: cookie cleared, vault_informed false, refused at once, the vault told when back"; p=$((p + 1))
else
	echo "FAIL logout with the vault unreachable: got '$got', want '$want'"; f=$((f + 1))
fi

# the vault going away: every API request that needs it is 503, pages still load,
# the live list (from the ring) still renders for a session the vault confirmed
python3 - "$port" >"$tmp/sam" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("POST", "/api/login", body=json.dumps({"username": "sam", "password": "pw-sam"}),
          headers={"Content-Type": "application/json"})
r = c.getresponse()
print(r.getheader("Set-Cookie").split(";")[0], json.loads(r.read())["csrf"])
PY
# sessions the vault ended must not live on in the web UI's cache of
# confirmed sessions (used while the vault is down): alice's account is
# disabled, ivy changes her password in one of two sessions
python3 - "$port" >"$tmp/ended" <<'PY'
import http.client, json, sys
def req(method, path, body=None, cookie=None, csrf=None):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    h = {"Content-Type": "application/json"}
    if cookie: h["Cookie"] = cookie
    if csrf: h["X-CSRF-Token"] = csrf
    c.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = c.getresponse()
    return r.status, r.getheader("Set-Cookie"), r.read()
def login(u):
    st, ck, b = req("POST", "/api/login", {"username": u, "password": "pw-" + u})
    return ck.split(";")[0], json.loads(b)["csrf"]
a, _ = login("alice"); i1, i1c = login("ivy"); i2, _ = login("ivy"); root, rootc = login("root")
for ck in (a, i1, i2):
    req("GET", "/api/me", cookie=ck)             # confirmed by the vault: cached
st1 = req("POST", "/api/users/alice/disable", cookie=root, csrf=rootc)[0]
st2 = req("POST", "/api/me/password", {"current_password": "pw-ivy", "new_password": "ivy-own-pass-1"},
          cookie=i1, csrf=i1c)[0]
print(st1, st2, a, i1, i2)
PY
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
rm -f "$tmp/vault.sock"
got=$(python3 - "$port" $(cat "$tmp/ended") <<'PY'
import http.client, sys
out = sys.argv[2:4]
for ck in sys.argv[4:7]:
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    c.request("GET", "/api/me", headers={"Cookie": ck})
    out.append(str(c.getresponse().status))
print(*out)
PY
)
if [ "$got" = "200 200 503 200 503" ]; then
	echo "ok   vault down: the cache drops the sessions of a disabled account and those a password change ended, keeps the changing one"; p=$((p + 1))
else
	echo "FAIL vault down, ended sessions: got '$got', want '200 200 503 200 503' (disable, change, alice, ivy changing, ivy other)"; f=$((f + 1))
fi
code=$(python3 - "$port" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/api/me", headers={"Cookie": "tr_session=" + "a" * 64})
a = c.getresponse().status
c.close()
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/")
print(a, c.getresponse().status)
PY
)
if [ "$code" = "503 200" ]; then
	echo "ok   vault down: API 503, page 200"; p=$((p + 1))
else
	echo "FAIL vault down: got $code, want 503 200"; f=$((f + 1))
fi
got=$(python3 - "$port" $(cat "$tmp/sam") <<'PY'
import http.client, json, sys
def req(method, path, headers, body=None):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, r.read()
h = {"Cookie": sys.argv[2]}
st, b = req("GET", "/api/calls", h)
j = json.loads(b) if st == 200 else {}
out = [st, j.get("vault"), len(j.get("calls", [])) > 0]
cid = j["calls"][0]["id"] if j.get("calls") else "0-1"
st, _ = req("POST", "/api/calls/%s/mark" % cid, dict(h, **{"X-CSRF-Token": sys.argv[3],
            "Content-Type": "application/json"}), b"{}")
out.append(st)
st, _ = req("GET", "/api/me", h)
out.append(st)
st, _ = req("GET", "/api/status", h)
out.append(st)
print(*out)
PY
)
if [ "$got" = "200 False True 503 200 503" ]; then
	echo "ok   vault down: live list still served (vault:false), mark 503, status 503"; p=$((p + 1))
else
	echo "FAIL vault down live view: got '$got', want '200 False True 503 200 503'"; f=$((f + 1))
fi
if kill -0 "$webui" 2>/dev/null; then
	echo "ok   web UI still running"; p=$((p + 1))
else
	echo "FAIL web UI died"; f=$((f + 1)); tail -n 20 "$tmp/webui.log"
fi
# IPv6: the logged URL has brackets; -s takes section.key
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	v6port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
	"$B/threatrec-webui" -s webui.listen=::1 -s webui.port="$v6port" -s vault_socket="$tmp/vault.sock" \
		-s webui.ring="$ring" >"$tmp/webui-v6.log" 2>&1 &
	v6=$!
	pids+=($v6)
	got=""
	for _ in $(seq 100); do
		got=$(python3 -c "import http.client; c=http.client.HTTPConnection('::1', $v6port, timeout=2); c.request('GET', '/'); print(c.getresponse().status)" 2>/dev/null) && break
		sleep 0.05
	done
	if [ "$got" = "200" ] && grep -q "listening on http://\[::1\]:$v6port/" "$tmp/webui-v6.log"; then
		echo "ok   IPv6 listen via -s webui.listen, URL logged as http://[::1]:port/"; p=$((p + 1))
	else
		echo "FAIL IPv6: got '$got'"; f=$((f + 1)); cat "$tmp/webui-v6.log"
	fi
	kill "$v6" 2>/dev/null
else
	echo "skip IPv6 check: no ::1"
fi
# /metrics shows the sniffer going away: a stopped sniffer's heartbeat goes
# stale (threatrec_sniffer_alive 0, the ring still attached); a sniffer that
# ended unlinked its ring, which the web UI lets go (ring_attached 0, no
# frozen counters); a new sniffer's ring is attached again
mring="/trwebui-m-$$"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$B/threatrec-sniffer" -r "$pcap" --pace 1.0 --loop --ring "$mring" >"$tmp/sniffer-m.log" 2>&1 &
msn=$!
pids+=($msn)
"$B/threatrec-webui" -s port="$mport" -s vault_socket="$tmp/vault.sock" -s ring="$mring" \
	>"$tmp/webui-m.log" 2>&1 &
pids+=($!)
metrics() {   # "attached alive age-or-none packets-or-none", once the first word is $1
	python3 - "$mport" "$1" <<'PY'
import http.client, re, sys, time
want, got = sys.argv[2], ""
for _ in range(60):
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=2)
        c.request("GET", "/metrics")
        t = c.getresponse().read().decode()
        v = lambda k: (re.findall(r"^threatrec_%s (\S+)$" % k, t, re.M) or ["none"])[0]
        age = v("ring_heartbeat_age_seconds")
        got = " ".join([v("ring_attached"), v("sniffer_alive"),
                        age if age == "none" else ">5" if float(age) > 5 else "<5",
                        "none" if v("packets_total") == "none" else "n"])
        if got.startswith(want):
            break
    except OSError:
        pass
    time.sleep(0.25)
print(got)
PY
}
m1=$(metrics "1 1")
kill -STOP "$msn"
sleep 4
m2=$(metrics "1 0")
kill -CONT "$msn"
kill "$msn"
wait "$msn" 2>/dev/null
[ -e "/dev/shm$mring" ] && m3="ring not unlinked" || m3=$(metrics "0")
"$B/threatrec-sniffer" -r "$pcap" --pace 1.0 --loop --ring "$mring" >>"$tmp/sniffer-m.log" 2>&1 &
msn=$!
pids+=($msn)
m4=$(metrics "1 1")
kill "$msn"
if [ "$m1|$m2|$m3|$m4" = "1 1 <5 n|1 0 >5 n|0 0 none none|1 1 <5 n" ]; then
	echo "ok   /metrics: sniffer_alive 1, stale heartbeat 0 (age > 5 s), ended sniffer's ring let go (ring_attached 0), new ring attached"
	p=$((p + 1))
else
	echo "FAIL /metrics sniffer down: got '$m1|$m2|$m3|$m4', want '1 1 <5 n|1 0 >5 n|0 0 none none|1 1 <5 n'"
	f=$((f + 1)); tail -n 5 "$tmp/webui-m.log" "$tmp/sniffer-m.log"
fi
# HTTPS: a self-signed certificate; the cookie gets Secure, answers get HSTS
if command -v openssl >/dev/null 2>&1 &&
   openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 1 -subj /CN=localhost >/dev/null 2>&1; then
	tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$B/threatrec-webui" -s port="$tport" -s vault_socket="$tmp/vault.sock" -s ring="$ring" \
		-s tls_cert="$tmp/cert.pem" -s tls_key="$tmp/key.pem" >"$tmp/webui-tls.log" 2>&1 &
	pids+=($!)
	python3 tests/webui/fake_vault.py "$tmp/vault.sock" "$ring" >>"$tmp/vault.log" 2>&1 &
	pids+=($!)
	got=$(python3 - "$tport" <<'PY'
import http.client, json, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
for _ in range(100):
    try:
        c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), timeout=5, context=ctx)
        c.request("POST", "/api/login", body=json.dumps({"username": "alice", "password": "pw-alice"}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        ck = r.getheader("Set-Cookie") or ""
        print(r.status, "Secure" in ck, bool(r.getheader("Strict-Transport-Security")))
        break
    except (OSError, ssl.SSLError):
        time.sleep(0.05)
PY
)
	if [ "$got" = "200 True True" ]; then
		echo "ok   HTTPS: login, Secure cookie, HSTS"; p=$((p + 1))
	else
		echo "FAIL HTTPS: got '$got'"; f=$((f + 1)); tail -n 5 "$tmp/webui-tls.log"
	fi
	# TLS 1.2 and 1.3 only: a TLS 1.0 / 1.1 handshake fails. The client is
	# shown able to do 1.0 and 1.1 (SECLEVEL=0) against a Python server
	# first, so a refusal is the web UI's, not the local OpenSSL's.
	got=$(python3 - "$tport" "$tmp/cert.pem" "$tmp/key.pem" <<'PY'
import socket, ssl, sys, threading, warnings
warnings.simplefilter("ignore", DeprecationWarning)   # TLSv1, TLSv1_1: that is the point
V = ssl.TLSVersion
def hello(port, ver):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE; ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ctx.maximum_version = ver
    try:
        with socket.create_connection(("127.0.0.1", port), 5) as s, ctx.wrap_socket(s) as t:
            return t.version()
    except (OSError, ssl.SSLError):
        return "refused"
srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); srv.set_ciphers("DEFAULT:@SECLEVEL=0")
srv.minimum_version = V.TLSv1; srv.load_cert_chain(sys.argv[2], sys.argv[3])
ls = socket.create_server(("127.0.0.1", 0))
def serve():
    while True:
        c, _ = ls.accept()
        try:
            srv.wrap_socket(c, server_side=True).close()
        except (OSError, ssl.SSLError):
            c.close()
threading.Thread(target=serve, daemon=True).start()
ctl = [hello(ls.getsockname()[1], v) for v in (V.TLSv1, V.TLSv1_1)]
web = [hello(int(sys.argv[1]), v) for v in (V.TLSv1, V.TLSv1_1, V.TLSv1_2, V.TLSv1_3)]
print(" ".join(ctl), "|", " ".join(web))
PY
)
	if [ "$got" = "TLSv1 TLSv1.1 | refused refused TLSv1.2 TLSv1.3" ]; then
		echo "ok   HTTPS: TLS 1.0 and 1.1 refused, TLS 1.2 and 1.3 accepted"; p=$((p + 1))
	elif [ "${got%% |*}" != "TLSv1 TLSv1.1" ] && [ "${got#*| }" = "refused refused TLSv1.2 TLSv1.3" ]; then
		echo "ok   HTTPS: TLS 1.2 and 1.3 accepted (this OpenSSL cannot speak 1.0/1.1 at all: '${got%% |*}')"
		p=$((p + 1))
	else
		echo "FAIL HTTPS versions: got '$got', want 'TLSv1 TLSv1.1 | refused refused TLSv1.2 TLSv1.3'"
		f=$((f + 1))
	fi
	# a certificate and key that do not go together are refused at the start,
	# naming the files and the reason (not "libmicrohttpd could not start")
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key2.pem" -out "$tmp/cert2.pem" \
		-days 1 -subj /CN=other >/dev/null 2>&1
	openssl pkey -in "$tmp/key.pem" -aes256 -passout pass:secret -out "$tmp/key-enc.pem" 2>/dev/null
	echo "not a PEM file" >"$tmp/garbage.pem"
	bad=0
	for c in "cert.pem key2.pem tls_key $tmp/key2.pem does not match tls_cert $tmp/cert.pem" \
	         "cert.pem garbage.pem tls_key $tmp/garbage.pem is not a PEM private key" \
	         "garbage.pem key.pem tls_cert $tmp/garbage.pem is not a PEM certificate" \
	         "key.pem cert.pem tls_cert $tmp/key.pem holds a private key, not a certificate (tls_cert and tls_key swapped?)" \
	         "cert.pem cert.pem tls_key $tmp/cert.pem holds a certificate, not a private key" \
	         "cert.pem key-enc.pem tls_key $tmp/key-enc.pem is encrypted"; do
		set -- $c
		want=${c#* * }
		bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		timeout 10 "$B/threatrec-webui" -s port="$bport" -s vault_socket="$tmp/vault.sock" -s ring="$ring" \
			-s tls_cert="$tmp/$1" -s tls_key="$tmp/$2" >"$tmp/badtls.out" 2>&1
		rc=$?
		if [ "$rc" = 0 ] || [ "$rc" = 124 ] || ! grep -qF -- "$want" "$tmp/badtls.out" ||
		   grep -q "could not start" "$tmp/badtls.out"; then
			echo "FAIL TLS pair $1 + $2: rc $rc, want '$want'"; cat "$tmp/badtls.out"; bad=1
		fi
	done
	if [ "$bad" = 0 ]; then
		echo "ok   TLS pair refused at the start with its reason: mismatch, garbage key/cert, swapped, cert as key, encrypted key"
		p=$((p + 1))
	else
		f=$((f + 1))
	fi
else
	echo "skip HTTPS check: openssl is not installed"
fi
# command line: --help and -h print the usage to stdout and exit 0
for h in --help -h; do
	out=$("$B/threatrec-webui" "$h" 2>"$tmp/help.err"); rc=$?
	if [ "$rc" = 0 ] && [ "${out#usage: threatrec-webui }" != "$out" ] && [ ! -s "$tmp/help.err" ]; then
		echo "ok   threatrec-webui $h: usage on stdout, rc 0"; p=$((p + 1))
	else
		echo "FAIL threatrec-webui $h: rc $rc, stdout '${out:0:60}', stderr '$(head -c 80 "$tmp/help.err")'"
		f=$((f + 1))
	fi
done
# [webui] listen is checked when the config is read: file:line, or the -s override
printf '[webui]\nport = 8080\nlisten = 999.1.1.1\n' >"$tmp/bad-listen.conf"
"$B/threatrec-webui" -c "$tmp/bad-listen.conf" >"$tmp/bad-listen.out" 2>&1; rc=$?
"$B/threatrec-webui" -s webui.listen=999.1.1.1 >>"$tmp/bad-listen.out" 2>&1; rc2=$?
if [ "$rc" != 0 ] && [ "$rc2" != 0 ] &&
   grep -q "$tmp/bad-listen.conf:3: listen = 999.1.1.1 is not an IPv4 or IPv6 address" "$tmp/bad-listen.out" &&
   grep -q -- "-s: listen = 999.1.1.1 is not an IPv4 or IPv6 address" "$tmp/bad-listen.out" &&
   ! grep -q http_start "$tmp/bad-listen.out"; then
	echo "ok   listen = 999.1.1.1 refused at config time (file:3, and -s)"; p=$((p + 1))
else
	echo "FAIL bad listen: rc $rc/$rc2"; f=$((f + 1)); cat "$tmp/bad-listen.out"
fi
# command-line messages say what is wrong: limits in the file's units, another
# section's key, the TLS pair, and why a port cannot be had
"$B/threatrec-webui" -s webui.timeout=0s >"$tmp/msg.out" 2>&1
"$B/threatrec-webui" -s ring.size=1 >>"$tmp/msg.out" 2>&1
"$B/threatrec-webui" -s webui.tls_cert=/etc/passwd >>"$tmp/msg.out" 2>&1
# the main web UI holds $port: a second one on it cannot listen
"$B/threatrec-webui" -s port="$port" -s vault_socket="$tmp/none.sock" -s ring=/trwebui-none-$$ \
	>>"$tmp/msg.out" 2>&1
if grep -q -- "-s: timeout = 0s is out of range 1s..1h" "$tmp/msg.out" &&
   grep -q -- '-s: "ring.size" is not a web UI setting' "$tmp/msg.out" &&
   grep -q -- "-s: \[webui\] tls_cert is set but tls_key is not: HTTPS needs both" "$tmp/msg.out" &&
   grep -q "cannot listen on 127.0.0.1 port $port: Address already in use" "$tmp/msg.out"; then
	echo "ok   -s messages: timeout range 1s..1h, ring.size not a web UI setting, tls pair, port in use"
	p=$((p + 1))
else
	echo "FAIL -s messages:"; f=$((f + 1)); cat "$tmp/msg.out"
fi
# the audit actions the web UI accepts (webui/req.c) are exactly those the
# vault writes (the action argument of every audit_append call in vault/*.c
# and of audited_commit in vault/server.c: a literal, a ?: of literals, or a
# variable whose assignments are)
got=$(python3 - <<'PY'
import glob, re
def calls(src, fn):
    out = []
    for m in re.finditer(r'\b%s\s*\(' % fn, src):
        i, depth, args, cur, instr = m.end(), 1, [], "", False
        while depth:
            ch = src[i]
            if instr:
                cur += ch
                if ch == "\\":
                    cur += src[i + 1]; i += 1
                elif ch == '"':
                    instr = False
            elif ch == '"':
                instr = True; cur += ch
            elif ch in "([":
                depth += 1; cur += ch
            elif ch in ")]":
                depth -= 1
                if depth: cur += ch
            elif ch == "," and depth == 1:
                args.append(cur.strip()); cur = ""
            else:
                cur += ch
            i += 1
        args.append(cur.strip())
        out.append(args)
    return out
vault = set()
for n in sorted(glob.glob("vault/*.c")):
    src = open(n).read()
    # audit_append(au, actor, ACTION, object, detail) and the server's
    # audited_commit(q, ACTION, object, detail, undone)
    for args in [a[2] for a in calls(src, "audit_append") if len(a) == 5] + \
                [a[1] for a in calls(src, "audited_commit") if len(a) == 5]:
        a = args
        if re.fullmatch(r'[a-z_]+', a):       # a variable: its assignments
            a = " ".join(re.findall(r'\b%s = ([^;]*);' % a, src))
        vault |= set(re.findall(r'"([a-z_]+)"', a))
web = re.search(r'req_audit_actions\[\] = \{(.*?)\};', open("webui/req.c").read(), re.S).group(1)
web = set(re.findall(r'"([a-z_]+)"', web))
print(len(web), "same" if web == vault else "differ: web only %s, vault only %s" % (sorted(web - vault), sorted(vault - web)))
PY
)
if [ "${got#* }" = "same" ]; then
	echo "ok   audit actions in webui/req.c match the vault's audit_append calls (${got% *})"; p=$((p + 1))
else
	echo "FAIL audit actions: $got"; f=$((f + 1))
fi
[ "$f" -gt 0 ] && { echo "--- webui.log"; tail -n 20 "$tmp/webui.log"; }
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
