#!/usr/bin/env python3
"""slowloris_test.py - bounded slow-client check of threatrec-webui (loopback
only; stops by itself in about 12 s). 64 connections from 127.0.0.2 and
127.0.0.3 trickle one header line every 2 s (never finishing a request);
meanwhile 127.0.0.1 must still log in and list calls, a 33rd connection from
one address must be refused (per-IP limit), and an idle connection must be
closed by the ~10 s timeout. Prints "ok"/"FAIL" lines and, last,
"N passed, N failed".
Usage: slowloris_test.py BASE_URL
"""
import http.client, json, socket, sys, time, urllib.parse

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


def slow(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(3)
    s.connect((BASE.hostname, BASE.port))
    s.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\n")
    return s


def closed_by_server(s, wait):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


start = time.time()
idle = socket.socket()
idle.bind(("127.0.0.4", 0))
idle.connect((BASE.hostname, BASE.port))
conns = []
try:
    for src in ("127.0.0.2", "127.0.0.3"):
        for _ in range(32):
            conns.append(slow(src))
    extra = slow("127.0.0.2")
    check("a 33rd connection from one address is refused (per-IP limit)",
          closed_by_server(extra, 2))
    extra.close()
    t0 = time.time()
    ok = False
    try:
        c = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=5)
        c.request("POST", "/api/login", body=json.dumps({"username": "sam", "password": "pw-sam"}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        ck = (r.getheader("Set-Cookie") or "").split(";")[0]
        r.read()
        c.request("GET", "/api/calls", headers={"Cookie": ck})
        r = c.getresponse()
        body = json.loads(r.read())
        ok = r.status == 200 and "calls" in body
        c.close()
    except (OSError, ValueError) as e:
        body = e
    check("with 64 slow connections open, login + GET /api/calls from another address work",
          ok and time.time() - t0 < 5, (body, time.time() - t0))
    # keep trickling (every 2 s) while waiting for the idle connection's timeout
    idle.settimeout(0.1)
    closed_at = None
    while time.time() - start < 13 and closed_at is None:
        for s in conns:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
        deadline = time.time() + 2
        while time.time() < deadline and closed_at is None:
            if closed_by_server(idle, 0.1):
                closed_at = time.time() - start
    check("an idle connection is closed by the ~10 s timeout",
          closed_at is not None and 8 <= closed_at <= 12.5, closed_at)
    alive = sum(1 for s in conns if not closed_by_server(s, 0.01))
    check("trickling connections are still served (not a crash)", alive > 0, alive)
finally:
    for s in conns:
        s.close()
    idle.close()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
