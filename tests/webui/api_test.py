#!/usr/bin/env python3
"""api_test.py - checks threatrec-webui's JSON API against a running web UI
(tests/webui/run.sh starts it with the sniffer on a generated capture and
tests/webui/fake_vault.py). Prints one line per check and, last,
"N passed, N failed".
Usage: api_test.py BASE_URL  (e.g. http://127.0.0.1:18080)
"""
import http.client, json, re, sys, time, urllib.parse

BASE = urllib.parse.urlparse(sys.argv[1])
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + str(detail) if detail else ""))


class Resp:
    def __init__(self, r):
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.cookies = r.msg.get_all("Set-Cookie") or []
        self.body = r.read()

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def req(method, path, body=None, headers=None, cookie=None, raw=None):
    c = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=30)
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if cookie:
        h["Cookie"] = cookie
    c.request(method, path, body=data, headers=h)
    r = Resp(c.getresponse())
    c.close()
    return r


def login(user):
    r = req("POST", "/api/login", {"username": user, "password": "pw-" + user})
    ck = [c for c in r.cookies if c.startswith("tr_session=")]
    return r, (ck[0].split(";")[0] if ck else None), (r.json() or {}).get("csrf")


# --- pages and headers
r = req("GET", "/")
check("GET / serves the page", r.status == 200 and r.headers.get("content-type", "").startswith("text/html")
      and b'id="login-button"' in r.body, r.status)
check("security headers", r.headers.get("content-security-policy", "").startswith("default-src 'self'")
      and r.headers.get("x-content-type-options") == "nosniff" and r.headers.get("x-frame-options") == "DENY"
      and r.headers.get("referrer-policy") == "no-referrer", r.headers)
r = req("GET", "/app.js")
check("GET /app.js", r.status == 200 and "javascript" in r.headers.get("content-type", ""), r.status)
page = req("GET", "/").body + req("GET", "/app.css").body
check("no external resources in the page", not re.search(rb'(src|href)=["\']?(https?:)?//|url\(["\']?(https?:)?//', page))
r = req("GET", "/nope.html")
check("unknown page is 404", r.status == 404, r.status)
r = req("GET", "/api/nope")
check("unknown API path is 404 JSON", r.status == 404 and "error" in (r.json() or {}), r.status)
r = req("DELETE", "/api/calls")
check("wrong method is 405 with Allow", r.status == 405 and r.headers.get("allow") == "GET", r.status)

# --- login
r = req("GET", "/api/me")
check("no session is 401", r.status == 401 and (r.json() or {}).get("error"), r.status)
check("API answers carry Cache-Control no-store", r.headers.get("cache-control") == "no-store")
r = req("POST", "/api/login", {"username": "alice", "password": "wrong"})
check("bad password is 401", r.status == 401 and not r.cookies, r.status)
r = req("POST", "/api/login", raw=b"username=alice", headers={"Content-Type": "application/json"})
check("non-JSON login body is 400", r.status == 400, r.status)
r = req("POST", "/api/recordings/R1/stop", {})
check("a body on a bodiless route without a session: 401 first", r.status == 401, r.status)
r = req("POST", "/api/login", {"username": "x\nthreatrec audit row 9 login admin hash 00", "password": "whatever1"})
check("a user name with a line break is 400 (never reaches the audit log)", r.status == 400 and not r.cookies,
      r.status)
# login CSRF: a cross-site form or text/plain fetch must not log the browser in
pw = json.dumps({"username": "alice", "password": "pw-alice"}).encode()
for ct in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
           None, "application/jsonx"):
    r = req("POST", "/api/login", raw=pw, headers={"Content-Type": ct} if ct else {})
    check("login with Content-Type %s is 415" % ct, r.status == 415 and not r.cookies, r.status)
r = req("POST", "/api/login", raw=pw, headers={"Content-Type": "Application/JSON; charset=utf-8"})
check("login with application/json; charset=utf-8 is accepted", r.status == 200, r.status)
host = "%s:%d" % (BASE.hostname, BASE.port)
for origin in ("http://evil.example", "null", "https://" + host, "http://" + host + ".evil"):
    r = req("POST", "/api/login", {"username": "alice", "password": "pw-alice"},
            headers={"Origin": origin})
    check("login with foreign Origin %s is 403" % origin, r.status == 403 and not r.cookies, r.status)
r = req("POST", "/api/login", {"username": "alice", "password": "pw-alice"},
        headers={"Origin": "http://" + host})
check("login with our own Origin is accepted", r.status == 200, r.status)
# a control byte in the URL is 400, never a shorter route
r = req("GET", "/api/me?x=%01")
check("encoded control byte in the query is 400", r.status == 400, r.status)
t0 = time.time()
try:
    st = req("GET", "/api/me?" + "&".join("a%d=1" % i for i in range(1000))).status
except OSError as e:
    st = e
check("1000 query parameters: 431 at once", st == 431 and time.time() - t0 < 2, (st, time.time() - t0))
import socket
s = socket.create_connection((BASE.hostname, BASE.port), timeout=5)
s.sendall(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 1000000\r\n\r\n")
t0 = time.time()
got = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
except OSError:
    pass
s.close()
check("declared oversize body: 413 and the connection closed at once",
      got.startswith(b"HTTP/1.1 413") and time.time() - t0 < 2, (got[:40], time.time() - t0))
check("... one response: one status line, JSON body", got.count(b"HTTP/1.") == 1 and
      got.endswith(b'{"error":"request body too large"}'), got[-60:])


def raw_exchange(data):
    s = socket.create_connection((BASE.hostname, BASE.port), timeout=5)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    s.close()
    return out


# our own early answer (URI callback, before libmicrohttpd parsed the headers)
got = raw_exchange(b"GET /api/me?" + b"&".join(b"a%d=1" % i for i in range(100)) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
check("100 query parameters: one 431 response, JSON", got.startswith(b"HTTP/1.1 431 ") and
      got.count(b"HTTP/1.") == 1 and got.endswith(b'{"error":"request line too long or too many args"}'),
      got[:80])
# libmicrohttpd's own answers are HTML (docs/api.md): API clients check Content-Type
got = raw_exchange(b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
check("oversized headers: libmicrohttpd's 431, HTML, one status line", got.startswith(b"HTTP/1.1 431 ") and
      got.count(b"HTTP/1.") == 1 and b"<html>" in got and b"application/json" not in got, got[:80])
r = req("POST", "/api/login", raw=b"{" + b" " * 20000 + b"}", headers={"Content-Type": "application/json"})
check("oversize body is 413", r.status == 413, r.status)
r = req("GET", "/api/me", headers={"X-Big": "a" * 70000})
check("oversize headers are refused", r.status in (413, 431), r.status)
r, alice, alice_csrf = login("alice")
check("login sets the session cookie", r.status == 200 and alice is not None, r.status)
ck = [c for c in r.cookies if c.startswith("tr_session=")][0]
check("cookie is HttpOnly and SameSite=Strict", "HttpOnly" in ck and "SameSite=Strict" in ck, ck)
check("login answers csrf, role and extension", alice_csrf and r.json().get("role") == "agent"
      and r.json().get("extension") == "1001" and "token" not in r.json(), r.json())
r = req("GET", "/api/me", cookie=alice)
check("GET /api/me", r.status == 200 and r.json().get("user") == "alice", r.status)
r = req("GET", "/api/me", cookie="tr_session=" + "0" * 64)
check("unknown token is 401", r.status == 401, r.status)
# Cookie header limit 4096 bytes: at the limit the token is found, above it 431 (not "not logged in")
tok = alice.split("=", 1)[1]
pad = "x=" + "a" * (4096 - len("x=; tr_session=") - 64)
r = req("GET", "/api/me", cookie=pad + "; tr_session=" + tok)
check("a 4096-byte Cookie header with the token last is read", len(pad + "; tr_session=" + tok) == 4096
      and r.status == 200 and (r.json() or {}).get("user") == "alice", (r.status, r.body[:80]))
r = req("GET", "/api/me", cookie="tr_session=" + tok + "; x=" + "a" * 5000)
check("a 5000-byte Cookie header is 431 JSON naming the cookie, even with a valid token",
      r.status == 431 and "Cookie header too large" in (r.json() or {}).get("error", "")
      and r.headers.get("content-type", "").startswith("application/json"), (r.status, r.body[:80]))

# --- live calls
calls = []
for _ in range(50):
    r = req("GET", "/api/calls", cookie=alice)
    calls = (r.json() or {}).get("calls", [])
    if calls:
        break
    time.sleep(0.2)
check("agent sees live calls", r.status == 200 and len(calls) >= 1, r.body[:200])
# no mark on a visible call yet: the poll needs the vault's session check only
_, root0, _ = login("root")
n0 = req("GET", "/api/status", cookie=root0).json()["vault"].get("status_requests", -1)
polls = [req("GET", "/api/calls", cookie=alice).json() or {} for _ in range(3)]
n1 = req("GET", "/api/status", cookie=root0).json()["vault"].get("status_requests", -1)
check("a poll without marked calls asks the vault nothing more",
      n0 >= 1 and n1 == n0 + 1 and all(p.get("vault") is True and not any(c.get("marked")
                                          for c in p.get("calls", [])) for p in polls),
      (n0, n1, [p.get("vault") for p in polls]))
check("agent sees only calls of extension 1001",
      all("1001" in (c["caller"], c["callee"], c["agent"]) for c in calls), calls)
check("calls carry id, call_id and the listed fields",
      calls and all(k in calls[0] for k in ("id", "call_id", "caller", "callee", "agent", "start",
                                            "duration", "state", "marked")), calls[:1])
_, sam, sam_csrf = login("sam")
r = req("GET", "/api/calls", cookie=sam)
all_calls = r.json().get("calls", [])
check("supervisor sees more calls than the agent", len(all_calls) > len(calls), (len(all_calls), len(calls)))
check("numbers in the JSON are written short (15 significant digits: 7.64, not 7.6399999999999997)",
      r.body and not re.search(rb"\d\.\d{16,}", r.body) and
      any(isinstance(c.get("duration"), float) for c in all_calls),
      re.findall(rb"\d\.\d{16,}", r.body or b"")[:3])
_, ivy, ivy_csrf = login("ivy")
r = req("GET", "/api/calls", cookie=ivy)
check("investigator may not list live calls", r.status == 403, r.status)

# --- mark
cid = calls[0]["id"] if calls else "0-1"
r = req("POST", "/api/calls/%s/mark" % cid, {"note": "threat"}, cookie=alice)
check("mark without CSRF token is 403", r.status == 403, r.status)
r = req("POST", "/api/calls/%s/mark" % cid, {"note": "threat"}, cookie=alice,
        headers={"X-CSRF-Token": "x" * len(alice_csrf or "")})
check("mark with a wrong CSRF token is 403", r.status == 403, r.status)
r = req("POST", "/api/calls/%s/mark" % cid, {"note": "caller threatened the agent"}, cookie=alice,
        headers={"X-CSRF-Token": alice_csrf})
rec = (r.json() or {}).get("recording")
check("mark returns the recording", r.status == 200 and rec and r.json().get("call_id") == calls[0]["call_id"],
      r.body)
r = req("POST", "/api/calls/%s/mark" % cid, {"note": "again"}, cookie=alice, headers={"X-CSRF-Token": alice_csrf})
check("second mark is idempotent", r.status == 200 and r.json().get("recording") == rec
      and r.json().get("existing") is True, r.body)
r = req("GET", "/api/calls", cookie=alice)
m = [c for c in r.json()["calls"] if c["id"] == cid]
check("the call shows who marked it", m and m[0]["marked"] and m[0]["mark"].get("by") == "alice"
      and m[0]["mark"].get("recording") == rec, m)
r = req("POST", "/api/calls/abc/mark", {}, cookie=alice, headers={"X-CSRF-Token": alice_csrf})
check("bad call id is 400", r.status == 400, r.status)
slot = int(cid.split("-")[0])
r = req("POST", "/api/calls/%d-999999/mark" % slot, {}, cookie=sam, headers={"X-CSRF-Token": sam_csrf})
check("a call no longer in memory is 410", r.status == 410, r.status)
r = req("POST", "/api/calls/%d-999999/mark" % slot, {}, cookie=alice, headers={"X-CSRF-Token": alice_csrf})
gone = (r.status, r.body)
check("to an agent, a call no longer in memory is 404", r.status == 404, r.status)
other = [c for c in all_calls if "1001" not in (c["caller"], c["callee"], c["agent"])]
check("the capture has another extension's call", len(other) > 0, all_calls)
if other:
    r = req("POST", "/api/calls/%s/mark" % other[0]["id"], {}, cookie=alice,
            headers={"X-CSRF-Token": alice_csrf})
    check("agent cannot mark another extension's call", r.status == 404, r.status)
    check("... and cannot tell it from a gone call", (r.status, r.body) == gone, (r.body, gone[1]))
r = req("POST", "/api/calls/%s/mark" % cid, {"note": 5}, cookie=alice, headers={"X-CSRF-Token": alice_csrf})
check("non-text note is 400", r.status == 400, r.status)
for raw in (b'{"note": "a\\u0000b"}', b'{"note": "a\\u0007b"}', b'{"note": "a\\rb"}'):
    r = req("POST", "/api/calls/%s/mark" % cid, raw=raw, cookie=alice,
            headers={"X-CSRF-Token": alice_csrf, "Content-Type": "application/json"})
    check("note %s is 400 'note must be text without control characters'" % raw[11:17].decode(),
          r.status == 400 and (r.json() or {}).get("error", "").startswith(
              "note must be text without control characters"), (r.status, r.body))
r = req("POST", "/api/calls/%s/mark" % cid, raw=b'{"note": "tab\\there\\nand a line"}', cookie=alice,
        headers={"X-CSRF-Token": alice_csrf, "Content-Type": "application/json"})
check("a note with tab and line break is accepted", r.status == 200 and r.json().get("recording") == rec,
      (r.status, r.body))
r = req("POST", "/api/calls/%s/mark" % cid, {}, cookie=ivy, headers={"X-CSRF-Token": ivy_csrf})
check("investigator may not mark", r.status == 403, r.status)

# --- recordings
def vault_rows():
    """Requests the fake vault has answered (its audit list holds one row each)."""
    return (req("GET", "/api/audit?limit=1", cookie=root0).json()["audit"] or [{}])[0].get("id", 0)


r = req("GET", "/api/recordings", cookie=alice)
check("agent may not list recordings", r.status == 403, r.status)
r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=alice)
check("agent may not download audio", r.status == 403, r.status)
r = req("GET", "/api/recordings?q=threatened&from=2026-01-01&limit=10", cookie=ivy)
check("investigator searches recordings", r.status == 200 and any(x["id"] == rec for x in r.json()["recordings"]),
      r.body[:200])
r = req("GET", "/api/recordings?from=yesterday", cookie=ivy)
check("bad date is 400", r.status == 400, r.status)
r = req("GET", "/api/recordings?limit=100000", cookie=ivy)
check("bad limit is 400", r.status == 400, r.status)
# text that is not UTF-8 never reaches the vault (its audit row could not hold it)
a0 = vault_rows()
for path, method in (("/api/recordings?q=%C3", "GET"), ("/api/recordings?caller=%ff", "GET"),
                     ("/api/recordings?q=%ED%A0%80", "GET"), ("/api/recordings?%C3=1", "GET"),
                     ("/api/audit?action=%C3", "GET"), ("/api/recordings/R%C3/audio.wav", "GET"),
                     ("/api/users/a%C3/disable", "POST")):
    r = req(method, path, cookie=ivy, headers={"X-CSRF-Token": ivy_csrf})
    check("%s %s is 400 'not valid UTF-8'" % (method, path), r.status == 400 and
          "not valid UTF-8" in (r.json() or {}).get("error", ""), (r.status, r.body[:100]))
a1 = vault_rows()
check("... none of them reached the vault", a1 == a0 + 2, a1 - a0)
r = req("GET", "/api/recordings?q=caf%C3%A9", cookie=ivy)
check("a UTF-8 search term is passed on (200)", r.status == 200, (r.status, r.body[:100]))
r = req("GET", "/api/recordings/%s" % rec, cookie=ivy)
check("recording detail", r.status == 200 and r.json().get("id") == rec, r.status)
r = req("GET", "/api/recordings/bad!id", cookie=ivy)
check("bad recording id is 400", r.status == 400, r.status)
r = req("GET", "/api/recordings/..%2f..%2fetc/audio.wav", cookie=ivy)
check("encoded slashes do not reach a handler", r.status in (400, 404), r.status)
for path in ("/api/recordings/%s%%00x/audio.wav" % rec, "/api/recordings/%s%%0a/audio.wav" % rec,
             "/api/recordings/%s%%7f" % rec):
    r = req("GET", path, cookie=ivy)
    check("control byte in the path (%s) is 400" % path[-14:], r.status == 400, (r.status, r.body[:80]))
r = req("GET", "/api/recordings/R999999", cookie=ivy)
check("unknown recording is 404", r.status == 404, r.status)
# ids: 1..47 of [A-Za-z0-9_.-]; a longer segment of up to 63 characters is 400, 64 or more 404
r = req("GET", "/api/recordings/" + "R" * 47, cookie=ivy)
check("a 47-character id goes to the vault (its 404)", r.status == 404 and
      (r.json() or {}).get("error") == "no such recording", (r.status, r.body))
for n in (48, 63):
    r = req("GET", "/api/recordings/" + "R" * n, cookie=ivy)
    check("a %d-character id is 400 bad recording id" % n, r.status == 400 and
          (r.json() or {}).get("error") == "bad recording id", (r.status, r.body))
for n in (64, 200):
    r = req("GET", "/api/recordings/" + "R" * n + "/audio.wav", cookie=ivy)
    check("a %d-character id segment is 404 no such resource" % n, r.status == 404 and
          (r.json() or {}).get("error") == "no such resource", (r.status, r.body))
r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy)
size = len(r.body)
check("WAV download", r.status == 200 and r.body[:4] == b"RIFF" and r.headers.get("accept-ranges") == "bytes"
      and r.headers.get("content-type") == "audio/wav", r.status)
r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy, headers={"Range": "bytes=100-199"})
check("Range gives 206 with Content-Range", r.status == 206 and len(r.body) == 100 and
      r.headers.get("content-range") == "bytes 100-199/%d" % size, (r.status, r.headers.get("content-range")))
r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy, headers={"Range": "bytes=%d-" % size})
check("unsatisfiable Range is 416", r.status == 416 and r.headers.get("content-range") == "bytes */%d" % size,
      r.status)
for rng in ("bytes=9223372036854775807-9223372036854775808", "bytes=99999999999999999999-",
            "bytes=0-99999999999999999999", "bytes=5-2", "bytes=a-", "bytes=0-1,5-6", "bytes=-"):
    r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy, headers={"Range": rng})
    check("malformed/overflowing Range %s is 416" % rng, r.status == 416 and
          r.headers.get("content-range") == "bytes */%d" % size, r.status)
r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy, headers={"Range": "items=0-5"})
check("a Range of another unit is ignored (200)", r.status == 200 and len(r.body) == size, r.status)
r = req("GET", "/api/recordings/%s/audio.wav?download=1" % rec, cookie=ivy)
check("download=1 makes it an attachment", "attachment" in r.headers.get("content-disposition", ""))
def exports():
    return req("GET", "/api/status", cookie=login("root")[1]).json()["vault"].get("exports", 0)


n0 = exports()
_, ivy2, _ = login("ivy")
for rng in ("bytes=0-", "bytes=1000-", "bytes=-100"):
    r = req("GET", "/api/recordings/%s/audio.wav" % rec, cookie=ivy2, headers={"Range": rng})
check("one playback (several Range requests) is one export", exports() == n0 + 1, exports() - n0)
req("GET", "/api/recordings/%s/audio.wav?download=1" % rec, cookie=ivy2)
check("a download is always its own export", exports() == n0 + 2, exports() - n0)
# HEAD on an export route would cost an export and a download row in the
# audit log without sending a byte: 405 with Allow: GET, the vault is not asked
n0, a0 = exports(), vault_rows()
for what in ("audio.wav", "audio.wav?download=1", "call.pcap", "evidence"):
    r = req("HEAD", "/api/recordings/%s/%s" % (rec, what), cookie=ivy)
    check("HEAD %s is 405 with Allow: GET" % what, r.status == 405 and r.headers.get("allow") == "GET"
          and r.body == b"", (r.status, r.headers.get("allow")))
a1 = vault_rows()    # its own two requests (session, audit list) only
check("... the vault was not asked (no audit row), no export", a1 == a0 + 2 and exports() == n0,
      (a1 - a0, exports() - n0))
r = req("HEAD", "/api/recordings/%s" % rec, cookie=ivy)
check("HEAD on the recording detail is still answered (200)", r.status == 200 and r.body == b"", r.status)
r = req("GET", "/api/recordings/%s/call.pcap" % rec, cookie=ivy)
check("pcap download", r.status == 200 and r.body[:4] == b"\xd4\xc3\xb2\xa1" and
      "attachment" in r.headers.get("content-disposition", ""), r.status)
r = req("GET", "/api/recordings/%s/evidence" % rec, cookie=ivy)
check("evidence is <id>-evidence.tar, application/x-tar", r.status == 200 and
      r.headers.get("content-type") == "application/x-tar" and
      r.headers.get("content-disposition") == 'attachment; filename="%s-evidence.tar"' % rec,
      (r.status, r.headers.get("content-type"), r.headers.get("content-disposition")))

# --- admin, status, metrics
_, root, root_csrf = login("root")
r = req("GET", "/api/users", cookie=root)
check("admin lists users", r.status == 200 and any(u["user"] == "alice" for u in r.json()["users"]), r.status)
r = req("POST", "/api/users", {"username": "bob", "password": "pw-bob", "role": "agent", "extension": "1002"},
        cookie=root, headers={"X-CSRF-Token": root_csrf})
check("admin adds a user", r.status == 201, r.body)
r = req("POST", "/api/users", {"username": "eve", "password": "x", "role": "god"}, cookie=root,
        headers={"X-CSRF-Token": root_csrf})
check("unknown role is 400", r.status == 400, r.status)
r = req("POST", "/api/users", {"username": "eve", "password": "x", "role": "admin"}, cookie=sam,
        headers={"X-CSRF-Token": sam_csrf})
check("supervisor may not add users", r.status == 403, r.status)
# two-person rule: the vault decides; the web UI forwards and checks the name
r = req("POST", "/api/users", {"username": "inv2", "password": "pw-inv2", "role": "investigator"},
        cookie=root, headers={"X-CSRF-Token": root_csrf})
check("an investigator added by an admin awaits approval (201, awaiting_approval)",
      r.status == 201 and r.json().get("awaiting_approval") is True, r.body)
r = req("GET", "/api/users", cookie=root)
check("users list says who added a waiting account",
      any(u["user"] == "inv2" and u.get("pending_by") == "root" for u in r.json()["users"]), r.body)
r = req("POST", "/api/users/inv2/approve", cookie=root)
check("approve without the CSRF token is 403", r.status == 403, r.status)
r = req("POST", "/api/users/inv2/approve", cookie=sam, headers={"X-CSRF-Token": sam_csrf})
check("a supervisor may not approve (403)", r.status == 403, r.status)
r = req("POST", "/api/users/inv2/approve", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("the adder's approval is refused with the vault's reason (403)",
      r.status == 403 and "second admin" in r.json().get("error", ""), r.body)
r = req("POST", "/api/users/bad!name/approve", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("approve of a malformed user name is 400", r.status == 400, r.status)
r = req("POST", "/api/users/x*y%23z/approve", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("approve of a name with the vault's * and # reaches the vault (its 404 here)", r.status == 404, r.status)
r = req("POST", "/api/users/inv2/approve", {"x": 1}, cookie=root, headers={"X-CSRF-Token": root_csrf})
check("approve takes no body (400)", r.status == 400, r.status)
r = req("POST", "/api/users/nobody/approve", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("approve of an account not waiting is the vault's 404", r.status == 404, r.status)
req("POST", "/api/users", {"username": "adm2", "password": "pw-adm2", "role": "admin"},
    cookie=root, headers={"X-CSRF-Token": root_csrf})
r, adm2, adm2_csrf = login("adm2")
check("an account added by an admin must set its own password (login says must_change)",
      r.status == 200 and r.json().get("must_change") is True, r.body)
_, adm2b, _ = login("adm2")
r = req("GET", "/api/me", cookie=adm2)
check("GET /api/me says must_change too", r.status == 200 and r.json().get("must_change") is True, r.body)
r = req("GET", "/api/users", cookie=adm2)
check("until then every other request is 403 naming the way out",
      r.status == 403 and "/api/me/password" in r.json().get("error", ""), r.body)
r = req("GET", "/api/calls", cookie=adm2)
check("... also the live call list the web UI reads from the ring (403)", r.status == 403, r.status)
pw_body = {"current_password": "pw-adm2", "new_password": "adm2-own-pass"}
r = req("POST", "/api/me/password", pw_body, cookie=adm2)
check("password change without the CSRF token is 403", r.status == 403, r.status)
r = req("POST", "/api/me/password", {"current_password": "pw-adm2"}, cookie=adm2,
        headers={"X-CSRF-Token": adm2_csrf})
check("password change without new_password is 400", r.status == 400, r.status)
r = req("POST", "/api/me/password", {"current_password": "pw-adm2", "new_password": "a\x01b-c-d-e-f"},
        cookie=adm2, headers={"X-CSRF-Token": adm2_csrf})
check("a new password with a control character is 400", r.status == 400, r.status)
r = req("POST", "/api/me/password", {"current_password": "wrong", "new_password": "adm2-own-pass"},
        cookie=adm2, headers={"X-CSRF-Token": adm2_csrf})
check("a wrong current password is the vault's 403", r.status == 403 and "current password" in
      r.json().get("error", ""), r.body)
r = req("POST", "/api/me/password", pw_body, cookie=None, headers={"X-CSRF-Token": adm2_csrf})
check("password change without a session is 401", r.status == 401, r.status)
r = req("POST", "/api/me/password", pw_body, cookie=adm2, headers={"X-CSRF-Token": adm2_csrf})
check("password change (200)", r.status == 200, r.body)
r = req("GET", "/api/me", cookie=adm2)
check("after it, must_change is false and the session works on",
      r.status == 200 and r.json().get("must_change") is False, r.body)
r = req("GET", "/api/me", cookie=adm2b)
check("the user's other session has ended (401)", r.status == 401, r.status)
r = req("POST", "/api/users/inv2/approve", cookie=adm2, headers={"X-CSRF-Token": adm2_csrf})
check("a second admin approves (200)", r.status == 200, r.body)
_, bobc, _ = login("bob")
r = req("POST", "/api/users/bob/disable", cookie=root)
check("disable without the CSRF token is 403", r.status == 403, r.status)
r = req("POST", "/api/users/bob/disable", cookie=sam, headers={"X-CSRF-Token": sam_csrf})
check("a supervisor may not disable (403)", r.status == 403, r.status)
r = req("POST", "/api/users/bob/disable", {"x": 1}, cookie=root, headers={"X-CSRF-Token": root_csrf})
check("disable takes no body (400)", r.status == 400, r.status)
r = req("GET", "/api/users/bob/disable", cookie=root)
check("GET on disable is 405", r.status == 405, r.status)
r = req("POST", "/api/users/root/disable", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("an admin's own account: the vault's 400", r.status == 400 and "own" in r.json().get("error", ""), r.body)
r = req("POST", "/api/users/bob/disable", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("an admin disables an agent (200)", r.status == 200, r.body)
r = req("POST", "/api/users/bob/disable", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("disabling it again is the vault's 409 with its reason", r.status == 409 and
      "already disabled" in r.json().get("error", ""), r.body)
r = req("GET", "/api/me", cookie=bobc)
check("the disabled user's session has ended (401)", r.status == 401, r.status)
r = req("GET", "/api/users", cookie=root)
check("users list shows it disabled", any(u["user"] == "bob" and u.get("disabled") for u in r.json()["users"]), r.body)
r = req("POST", "/api/users/bob/enable", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("enable again (200, an agent is active at once)", r.status == 200 and
      r.json().get("awaiting_approval") is False, r.body)
r = req("POST", "/api/users/bob/enable", cookie=root, headers={"X-CSRF-Token": root_csrf})
check("enable of an account not disabled is the vault's 404", r.status == 404, r.status)
r = req("GET", "/api/audit", cookie=root)
check("admin reads the audit log", r.status == 200 and isinstance(r.json().get("audit"), list), r.status)
for action in ("login", "peer_refused", "mark_again", ""):
    r = req("GET", "/api/audit?action=" + action, cookie=root)
    check("audit filter action=%s reaches the vault" % action,
          r.status == 200 and r.json().get("action") == action, (r.status, r.body[:120]))
for action in ("bogus", "Login", "login%20", "mark_", "x" * 31):
    r = req("GET", "/api/audit?action=" + action, cookie=root)
    check("audit filter action=%s is 400 naming it" % action[:12], r.status == 400 and
          ('unknown audit action "%s"' % urllib.parse.unquote(action)) in (r.json() or {}).get("error", ""),
          (r.status, r.body[:120]))
r = req("GET", "/api/audit?action=" + "x" * 32, cookie=root)
check("an audit action of 32 characters is 400 (too long)", r.status == 400, r.status)
r = req("GET", "/api/status", cookie=root)
st = r.json() or {}
check("status has ring counters, rejects and vault state", r.status == 200 and st["ring"].get("attached")
      and "rejects" in st["ring"] and "kernel_drops" in st["ring"] and st["vault"].get("state") == "up", st)
r = req("GET", "/metrics")
check("metrics in Prometheus text", r.status == 200 and b"threatrec_packets_total " in r.body and
      b'threatrec_rejects_total{reason="sip"}' in r.body and b"threatrec_calls_active " in r.body, r.body[:100])

# --- logout
r = req("POST", "/api/logout", cookie=alice, headers={"X-CSRF-Token": alice_csrf})
check("logout clears the cookie, the vault was told", r.status == 200 and
      any("Max-Age=0" in c for c in r.cookies) and (r.json() or {}).get("vault_informed") is True,
      (r.cookies, r.body))
r = req("GET", "/api/me", cookie=alice)
check("the session is gone after logout", r.status == 401, r.status)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
