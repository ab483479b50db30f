#!/usr/bin/env python3
"""fake_vault.py - a stand-in for threatrec-vault that speaks the framed
protocol of common/ipc.h, for the web UI's own tests (tests/webui/run.sh).
It is NOT the vault: no crypto, no storage; users and recordings live in
memory. Users: alice (agent, ext 1001), sam (supervisor), ivy
(investigator), root (admin); the password of each is "pw-<name>".
Like the vault, a new mark pins the call in the ring's mark words
(<ring>.marks, one u64 gen << 32 | flags per slot) when RING is given,
before it answers: the web UI shows a call as marked only from them.
Usage: fake_vault.py SOCKET_PATH [RING]
"""
import json, mmap, os, secrets, socket, struct, sys, threading, math

IPC_LOGIN, IPC_SESSION, IPC_LOGOUT, IPC_MARK, IPC_STOP, IPC_REC_LIST, IPC_REC_GET, \
    IPC_REC_EXPORT, IPC_AUDIT_LIST, IPC_USER_ADD, IPC_USER_LIST, IPC_STATUS, IPC_USER_APPROVE, \
    IPC_PASSWD, IPC_USER_DISABLE, IPC_USER_ENABLE = range(1, 17)
R_OK, R_FD, R_ERR = 100, 101, 102
SIZES = {IPC_LOGIN: 384, IPC_SESSION: 128, IPC_LOGOUT: 128, IPC_MARK: 904, IPC_STOP: 176,
         IPC_REC_LIST: 632, IPC_REC_GET: 176, IPC_REC_EXPORT: 184, IPC_AUDIT_LIST: 168,
         IPC_USER_ADD: 488, IPC_USER_LIST: 128, IPC_STATUS: 128, IPC_USER_APPROVE: 488,
         IPC_PASSWD: 640, IPC_USER_DISABLE: 488, IPC_USER_ENABLE: 488}
ROLES = {"agent": 1, "supervisor": 2, "investigator": 3, "admin": 4}

lock = threading.Lock()
users = {"alice": ("agent", "1001"), "sam": ("supervisor", ""), "ivy": ("investigator", ""),
         "root": ("admin", "")}
sessions = {}
pending = {}        # user -> the admin who added it (two-person rule, as the vault)
must_change = set() # users added over IPC: their password was set by an admin
passwords = {}      # user -> password once changed (else "pw-<name>")
disabled = set()
recordings = {}     # id -> dict
marks = {}          # (slot, gen) -> id
audit = []
exports = [0]
status_requests = [0]   # IPC_STATUS requests answered (the live poll asks only when needed)


RING_MK_PIN = 0x02


def pin(slot, gen):
    """Sets RING_MK_PIN in the mark word of (slot, gen), as the vault does."""
    if len(sys.argv) < 3:
        return
    try:
        fd = os.open("/dev/shm" + sys.argv[2] + ".marks", os.O_RDWR)
    except OSError:
        return
    try:
        with mmap.mmap(fd, 0) as m:
            if (slot + 1) * 8 <= len(m):
                word = struct.unpack_from("<Q", m, slot * 8)[0]
                flags = word & 0xffffffff if word >> 32 == gen else 0
                struct.pack_into("<Q", m, slot * 8, gen << 32 | flags | RING_MK_PIN)
    finally:
        os.close(fd)


def cstr(b):
    return b.split(b"\0", 1)[0].decode("utf-8", "replace")


def wav_bytes(seconds=3, rate=8000):
    n = seconds * rate
    data = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                    for i in range(n))
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" +
            struct.pack("<I", len(data)) + data)


def send(conn, typ, rid, payload=b"", fd=None):
    hdr = struct.pack("<IIII", typ, len(payload), rid, 0)
    if fd is None:
        conn.sendall(hdr + payload)
    else:
        socket.send_fds(conn, [hdr], [fd])
        conn.sendall(payload)


def ok(conn, rid, obj):
    send(conn, R_OK, rid, json.dumps(obj).encode())


def err(conn, rid, status, msg):
    send(conn, R_ERR, rid, struct.pack("<iI", -12, status) + msg.encode()[:247].ljust(248, b"\0"))


def session(tok):
    return sessions.get(cstr(tok[:65]))


def handle(conn, typ, rid, p):
    if typ not in SIZES or len(p) != SIZES[typ]:
        conn.close()
        return False
    with lock:
        audit.append({"id": len(audit) + 1, "ts": "2026-12-03T17:00:00Z", "type": typ})
        if typ == IPC_LOGIN:
            user, pw = cstr(p[:64]), cstr(p[64:320])
            if user not in users or user in disabled or pw != passwords.get(user, "pw-" + user):
                return err(conn, rid, 401, "wrong user name or password")
            tok, csrf = secrets.token_hex(32), secrets.token_hex(16)
            role, ext = users[user]
            sessions[tok] = {"token": tok, "csrf": csrf, "user": user, "role": role, "extension": ext,
                             "must_change": user in must_change}
            return ok(conn, rid, sessions[tok])
        s = session(p)
        if s is None:
            return err(conn, rid, 401, "session expired")
        s["must_change"] = s["user"] in must_change
        if s["must_change"] and typ not in (IPC_SESSION, IPC_LOGOUT, IPC_PASSWD):
            return err(conn, rid, 403, "set a password of your own first: this one is temporary (set by an admin or the operator)")
        if typ == IPC_PASSWD:
            old, new = cstr(p[128:384]), cstr(p[384:640])
            if old != passwords.get(s["user"], "pw-" + s["user"]):
                return err(conn, rid, 403, "the current password is wrong")
            if len(new.encode()) < 8 or new == old:
                return err(conn, rid, 400, "the new password must be 8 to 255 bytes and differ")
            passwords[s["user"]] = new
            must_change.discard(s["user"])
            for t in [t for t, o in sessions.items() if o["user"] == s["user"] and t != s["token"]]:
                del sessions[t]
            return ok(conn, rid, {})
        if typ == IPC_SESSION:
            return ok(conn, rid, s)
        if typ == IPC_LOGOUT:
            sessions.pop(s["token"], None)
            return ok(conn, rid, {})
        if typ == IPC_MARK:
            if s["role"] not in ("agent", "supervisor"):
                return err(conn, rid, 403, "role may not mark")
            slot, gen = struct.unpack_from("<II", p, 128)
            call_id, note = cstr(p[136:392]), cstr(p[392:904])
            key = (slot, gen)
            if key in marks:
                return ok(conn, rid, {"recording": marks[key], "state": "recording", "existing": True})
            rid_s = "R%06d" % (len(recordings) + 1)
            pin(slot, gen)
            marks[key] = rid_s
            recordings[rid_s] = {"id": rid_s, "call_id": call_id, "caller": "1001", "callee": "2002",
                                 "agent": "1001", "start": "2026-12-03T16:59:00Z", "duration": 3,
                                 "marked_by": s["user"], "note": note, "state": "sealed"}
            return ok(conn, rid, {"recording": rid_s, "state": "recording", "existing": False})
        if typ in (IPC_REC_LIST, IPC_REC_GET, IPC_REC_EXPORT, IPC_STOP) and \
                s["role"] not in ("investigator", "admin", "supervisor"):
            return err(conn, rid, 403, "role may not read recordings")
        if typ == IPC_REC_LIST:
            caller = cstr(p[128:224])
            q = cstr(p[480:608])
            lst = [r for r in recordings.values()
                   if (not caller or caller in r["caller"]) and (not q or q in r["note"])]
            return ok(conn, rid, {"recordings": lst, "total": len(lst)})
        if typ in (IPC_REC_GET, IPC_REC_EXPORT, IPC_STOP):
            rec = recordings.get(cstr(p[128:176]))
            if rec is None:
                return err(conn, rid, 404, "no such recording")
            if typ == IPC_REC_GET:
                return ok(conn, rid, rec)
            if typ == IPC_STOP:
                return ok(conn, rid, {})
            kind = struct.unpack_from("<I", p, 176)[0]
            exports[0] += 1
            data = wav_bytes() if kind == 1 else b"\xd4\xc3\xb2\xa1" + b"\0" * 20
            fd = os.memfd_create("export", os.MFD_CLOEXEC)
            os.write(fd, data)
            os.lseek(fd, 0, 0)
            send(conn, R_FD, rid, json.dumps({"size": len(data)}).encode(), fd)
            os.close(fd)
            return True
        if typ == IPC_AUDIT_LIST:
            limit, offset = struct.unpack_from("<II", p, 128)
            # "action" echoes the filter the web UI passed (struct ipc_page.action)
            return ok(conn, rid, {"audit": audit[::-1][offset:offset + limit], "action": cstr(p[136:168])})
        if s["role"] != "admin" and typ in (IPC_USER_ADD, IPC_USER_LIST, IPC_USER_APPROVE,
                                            IPC_USER_DISABLE, IPC_USER_ENABLE):
            return err(conn, rid, 403, "admins only")
        if typ == IPC_USER_ADD:
            user, ext = cstr(p[128:192]), cstr(p[448:480])
            role = struct.unpack_from("<I", p, 480)[0]
            if user in users:
                return err(conn, rid, 409, "user exists")
            users[user] = ([k for k, v in ROLES.items() if v == role][0], ext)
            if role in (3, 4):
                pending[user] = s["user"]
            must_change.add(user)
            return ok(conn, rid, {"awaiting_approval": user in pending})
        if typ == IPC_USER_APPROVE:
            user = cstr(p[128:192])
            if user not in pending:
                return err(conn, rid, 404, "no account of that name awaits approval")
            if user in disabled:
                return err(conn, rid, 409, "the account is disabled: enable it first")
            if pending[user] == s["user"]:
                return err(conn, rid, 403, "an account needs a second admin: the one who added it cannot approve it")
            del pending[user]
            return ok(conn, rid, {})
        if typ == IPC_USER_DISABLE:
            user = cstr(p[128:192])
            if user.lower() == s["user"].lower():
                return err(conn, rid, 400, "an admin cannot disable their own account")
            if user not in users:
                return err(conn, rid, 404, "no such account")
            if user in disabled:
                return err(conn, rid, 409, "the account is already disabled")
            disabled.add(user)
            for t in [t for t, o in sessions.items() if o["user"] == user]:
                del sessions[t]
            return ok(conn, rid, {})
        if typ == IPC_USER_ENABLE:
            user = cstr(p[128:192])
            if user not in disabled:
                return err(conn, rid, 404, "no disabled account of that name")
            disabled.discard(user)
            if users[user][0] in ("investigator", "admin") and user not in pending:
                pending[user] = s["user"]    # one still awaiting approval keeps its adder
            return ok(conn, rid, {"awaiting_approval": user in pending})
        if typ == IPC_USER_LIST:
            return ok(conn, rid, {"users": [{"user": u, "role": r, "extension": e, "pending_by": pending.get(u),
                                             "disabled": u in disabled, "must_change": u in must_change}
                                            for u, (r, e) in sorted(users.items())]})
        if typ == IPC_STATUS:
            status_requests[0] += 1
            live = [{"recording": r, "call_id": recordings[r]["call_id"], "slot": k[0], "gen": k[1],
                     "marked_by": recordings[r]["marked_by"],
                     "marked_at": "2026-12-03T17:00:00Z", "how": "web"} for k, r in marks.items()]
            return ok(conn, rid, {"vault": {"state": "up", "recordings": len(recordings),
                                            "sessions": len(sessions),
                                            "exports": exports[0],
                                            "status_requests": status_requests[0]}, "marks": live})
    return err(conn, rid, 400, "unknown request")


def serve(conn):
    try:
        while True:
            hdr = b""
            while len(hdr) < 16:
                b = conn.recv(16 - len(hdr))
                if not b:
                    return
                hdr += b
            typ, ln, rid, flags = struct.unpack("<IIII", hdr)
            p = b""
            while len(p) < ln:
                b = conn.recv(ln - len(p))
                if not b:
                    return
                p += b
            if handle(conn, typ, rid, p) is False:
                return
    except OSError:
        pass
    finally:
        conn.close()


def main():
    path = sys.argv[1]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(16)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
