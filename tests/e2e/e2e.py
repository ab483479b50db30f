#!/usr/bin/env python3
"""e2e.py - threatrec end to end, with the real processes on loopback.

Called by tests/e2e/run.sh (see tests/README.md). For each scenario it
starts a private stack (tests/e2e/stack.sh: sniffer replaying a capture,
vault, web UI on 127.0.0.1 with a free port, a unique ring and socket, all
in a temporary folder), logs in through the JSON API, marks calls while they
are live and after they ended, waits until they are sealed, downloads the
WAV and the pcap and compares them with `threatrec-decode` on the same
capture. The generated scenario also checks privacy and access, the grace
expiry, tampering and a vault crash.

Environment: E2E_PCAP / E2E_CALL_ID (a capture and the call to mark instead
of the built-in scenarios), E2E_PACE (replay speed for E2E_PCAP, default 1),
E2E_OUT (folder that keeps the downloaded WAV and pcap), E2E_KEEP=1 (keep
the temporary folders), B (build folder).
The last line is "N passed, N failed[, N skipped]".
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

from trlib import (TOP, Api, Check, Stack, call_frames, ip_layer, read_pcap,
                   stream_sample, wait_for, wav_compare, wav_info)

CK = Check()
BIN = os.path.join(TOP, os.environ.get('B', 'build'))
OUT = os.environ.get('E2E_OUT', '')
REAL_DIR = os.path.normpath(os.path.join(TOP, '..', 'shared', 'pcaps'))
REAL_PCAP = 'g711-pcmu-and-pcma-2calls__from-Red-Rabbit.pcap'
SEAL_TIMEOUT = 40


def decode_calls(pcap):
    p = subprocess.run([os.path.join(BIN, 'threatrec-decode'), 'calls', pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError('threatrec-decode calls %s: %s' % (pcap, p.stderr.strip()))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def decode_wav(pcap, call_id, out):
    p = subprocess.run([os.path.join(BIN, 'threatrec-decode'), 'wav', pcap, '--call-id', call_id,
                        '-o', out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    return p.returncode, p.stderr.strip()


def tshark_count(pcap, dfilter=None):
    if not shutil.which('tshark'):
        return None
    cmd = ['tshark', '-n', '-r', pcap, '-T', 'fields', '-e', 'frame.number']
    if dfilter:
        cmd[4:4] = ['-Y', dfilter]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if p.returncode != 0:
        return 'tshark failed: %s' % p.stderr.strip()[:200]
    return len([x for x in p.stdout.splitlines() if x.strip()])


def safe(s):
    return re.sub(r'[^A-Za-z0-9._-]+', '_', s)[:80]


def find_call(calls, call_id):
    for c in calls:
        if c.get('call_id') == call_id:
            return c
    return None


def mark(api, call, note):
    r = api.post('/api/calls/%s/mark' % urllib.parse.quote(call['id'], safe=''), {'note': note})
    j = r.json() or {}
    return r, j.get('recording')


def wait_sealed(api, rec_id, timeout=SEAL_TIMEOUT):
    last = [None]

    def sealed():
        r = api.get('/api/recordings/%s' % rec_id)
        j = r.json() if r.status == 200 else None
        last[0] = j if j is not None else r
        return isinstance(j, dict) and j.get('state') in ('sealed', 'failed')
    wait_for(sealed, timeout, 0.25)
    return last[0]


class Scenario:
    """One stack on one capture; the checks shared by every scenario."""

    def __init__(self, name, pcap, settings=None):
        self.name = name
        self.pcap = pcap
        self.tmp = tempfile.mkdtemp(prefix='threatrec-e2e-%s-' % name)
        self.stack = Stack(os.path.join(self.tmp, 'stack'), **(settings or {}))
        self.users = {}
        self.api = {}
        self.calls = {c['call_id']: c for c in decode_calls(pcap)}
        self.linktype, self.frames = read_pcap(pcap)
        self.marked = {}          # call_id -> recording id

    def start(self, users, sniffer_args):
        st = self.stack
        st.run('init')
        for name, role, ext in users:
            self.users[name] = (st.user(name, role, ext), role, ext)
        st.run('vault')
        st.run('webui')
        for name, (pw, role, ext) in self.users.items():
            a = Api(st.url)
            r = a.login(name, pw)
            CK.ok(r.status == 200 and a.csrf, 'login %s (%s) through POST /api/login' % (name, role), r)
            self.api[name] = a
        # a wrong password is refused
        r = Api(st.url).login(list(self.users)[0], 'not-the-password')
        CK.ok(r.status in (401, 403), 'a wrong password is refused (401/403)', r)
        st.run('sniffer', self.pcap, *sniffer_args)
        # The vault looks for the ring once a second; a mark before that gets
        # 503 "not available yet". Wait for it, so the live marks below test
        # marking and not that race (reported to the vault's owner).
        sup = next((self.api[n] for n, u in self.users.items() if u[1] == 'supervisor'), None)
        if sup:
            def attached():
                j = sup.get('/api/status').json() or {}
                return ((j.get('vault') or {}).get('ring')) == 'attached'
            CK.ok(wait_for(attached, 5, 0.05), 'the vault attaches the sniffer\'s ring within 5 s '
                  '(GET /api/status)', sup.get('/api/status'))

    def wait_call(self, api, call_id, states, timeout=20):
        """The call as /api/calls shows it, once it is in one of states."""
        def seen():
            c = find_call(api.calls(), call_id)
            return c if c and c.get('state') in states else None
        return wait_for(seen, timeout, 0.05)

    def check_recording(self, api, call_id, rec_id):
        """Sealed; the WAV equals the decoder's; the pcap holds the call's packets."""
        call = self.calls[call_id]
        rec = wait_sealed(api, rec_id)
        if not CK.ok(isinstance(rec, dict) and rec.get('state') == 'sealed',
                     'recording %s of %s is sealed' % (rec_id, call_id),
                     rec if not isinstance(rec, dict) else 'state %s %s' % (
                         rec.get('state'), rec.get('fail_reason', ''))):
            return
        CK.ok(rec.get('call_id') == call_id and rec.get('caller') == call['caller']
              and rec.get('callee') == call['callee'],
              'recording %s has the call-index data (call id, caller, callee)' % rec_id,
              {k: rec.get(k) for k in ('call_id', 'caller', 'callee')})
        d = os.path.join(self.tmp, safe(call_id))
        os.makedirs(d, exist_ok=True)
        wav, ref, pcap = (os.path.join(d, n) for n in ('got.wav', 'decoder.wav', 'got.pcap'))
        r = api.get('/api/recordings/%s/audio.wav' % rec_id)
        ok = CK.ok(r.status == 200 and r.body[:4] == b'RIFF' and r.body[8:12] == b'WAVE',
                   'GET audio.wav of %s: 200 and a RIFF/WAVE file' % rec_id, r)
        with open(wav, 'wb') as f:
            f.write(r.body)
        # a Range request returns the asked bytes
        rr = api.get('/api/recordings/%s/audio.wav' % rec_id, headers={'Range': 'bytes=0-99'})
        CK.ok(rr.status == 206 and rr.body == r.body[:100],
              'audio.wav honours Range: bytes=0-99 (206, the same bytes)', rr)
        rc, err = decode_wav(self.pcap, call_id, ref)
        if ok and CK.ok(rc == 0, 'threatrec-decode wav on the capture for %s' % call_id, err):
            diffs = wav_compare(wav, ref)
            CK.ok(not diffs, 'the WAV of %s equals the decoder\'s: same length, same tones in '
                  'the same places, same level per 20 ms' % call_id, '; '.join(diffs))
        r = api.get('/api/recordings/%s/call.pcap' % rec_id)
        CK.ok(r.status == 200, 'GET call.pcap of %s: 200' % rec_id, r)
        with open(pcap, 'wb') as f:
            f.write(r.body)
        try:
            lt, got = read_pcap(pcap)
        except ValueError as e:
            CK.ok(False, 'call.pcap of %s is a readable pcap' % rec_id, e)
            lt, got = None, None
        if got is not None:
            want = call_frames(self.linktype, self.frames, call)
            orig = {}
            for i in want:
                k = ip_layer(self.linktype, self.frames[i])
                orig[k] = orig.get(k, 0) + 1
            gotk = {}
            for fr in got:
                k = ip_layer(lt, fr)
                gotk[k] = gotk.get(k, 0) + 1
            missing = sum(max(0, n - gotk.get(k, 0)) for k, n in orig.items())
            extra = sum(max(0, n - orig.get(k, 0)) for k, n in gotk.items())
            CK.ok(missing == 0 and extra == 0 and len(got) == len(want),
                  'call.pcap of %s holds exactly the call\'s %d packets (SIP, RTP, RTCP), '
                  'byte for byte' % (call_id, len(want)),
                  '%d packets, %d of the call missing, %d not of the call' % (len(got), missing, extra))
            n = tshark_count(pcap)
            if n is None:
                CK.skip('tshark reads call.pcap of %s' % call_id, 'tshark not installed')
            else:
                CK.ok(n == len(got), 'tshark -r reads all %d packets of call.pcap' % len(got), n)
            try:
                dc = find_call(decode_calls(pcap), call_id)
            except RuntimeError as e:
                dc = None
                CK.ok(False, 'threatrec-decode calls on call.pcap', e)
            if dc is not None:
                a = sorted((s['ssrc'], s['packets']) for s in call.get('streams', []))
                b = sorted((s['ssrc'], s['packets']) for s in dc.get('streams', []))
                CK.ok(a == b, 'threatrec-decode calls: same RTP streams and packet counts in '
                      'call.pcap as in the capture (%s)' % call_id, 'pcap %s, capture %s' % (b, a))
        if OUT:
            os.makedirs(OUT, exist_ok=True)
            base = os.path.join(OUT, '%s-%s' % (self.name, safe(call_id)))
            shutil.copyfile(wav, base + '.wav')
            shutil.copyfile(pcap, base + '.pcap')
            CK.info('kept %s.wav and %s.pcap' % (base, base))

    def storage_has_no_plain_audio(self, call_ids, when='after sealing'):
        """No file under the storage folder holds a 160-byte RTP payload of
        these calls (taken from the capture)."""
        needles = []
        for cid in call_ids:
            for s in self.calls[cid].get('streams', []):
                _, pay = stream_sample(self.linktype, self.frames, s)
                if pay:
                    needles.append((cid, s['ssrc'], pay))
        if not needles:
            CK.skip('storage holds no plain audio', 'no 160-byte RTP payload in the capture')
            return
        # control: the same search finds the payloads in a downloaded call.pcap
        for cid in call_ids:
            p = os.path.join(self.tmp, safe(cid), 'got.pcap')
            mine = [pay for c, _, pay in needles if c == cid]
            if os.path.exists(p) and mine:
                with open(p, 'rb') as f:
                    data = f.read()
                CK.ok(all(pay in data for pay in mine), '%s: the payload search finds %s\'s '
                      'payloads in its downloaded call.pcap (control)' % (when, cid))
                break
        hits, nfiles = [], 0
        for root, _, files in os.walk(self.stack.storage):
            for fn in files:
                p = os.path.join(root, fn)
                try:
                    with open(p, 'rb') as f:
                        data = f.read()
                except OSError:
                    continue
                nfiles += 1
                for cid, ssrc, pay in needles:
                    if pay in data:
                        hits.append('%s holds a payload of %s (%s)' % (p, cid, ssrc))
        CK.ok(nfiles > 0 and not hits, '%s: no file of the storage folder (%d files) holds a '
              'plain 160-byte RTP payload of %d stream(s)' % (when, nfiles, len(needles)),
              '; '.join(hits) or 'storage folder empty')

    def finish(self):
        self.stack.run('stop', check=False)

    def cleanup(self, keep):
        if keep:
            CK.info('logs and files kept in %s' % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- the generated scenario: every check -------------------------------------

def scenario_generated():
    CK.prefix = '[generated] '
    gen = os.path.join(BIN, 'threatrec-pcapgen')
    if not os.access(gen, os.X_OK):
        CK.ok(False, 'threatrec-pcapgen built', '%s missing' % gen)
        return
    tmpcap = tempfile.mkdtemp(prefix='threatrec-e2e-cap-')
    pcap = os.path.join(tmpcap, 'four-calls.pcap')
    truth = os.path.join(tmpcap, 'four-calls.truth.jsonl')
    # 4 overlapping 8 s calls, 0.5 s apart; caller 440 Hz at 1-3 s, callee 1000 Hz at 4-6 s
    p = subprocess.run([gen, '-o', pcap, '--truth', truth, '--calls', '4', '--concurrent',
                        '--stagger', '0.5', '--duration', '8', '--seed', '3'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not CK.ok(p.returncode == 0, 'threatrec-pcapgen makes a 4-call capture', p.stderr):
        return
    with open(truth) as f:
        tr = [json.loads(line) for line in f if line.strip()]
    ids = [t['call_id'] for t in tr]
    live_id, crash_id, ended_id, unmarked_id = ids[0], ids[2], ids[1], ids[3]
    agent_ext = tr[0]['callee']
    sc = None
    ok = False
    try:
        sc = Scenario('generated', pcap, {'grace': '4s', 'vault_grace': '1s', 'agent_pattern': '1???'})
        sc.start([('agent1', 'agent', agent_ext), ('super1', 'supervisor', ''),
                  ('inv1', 'investigator', ''), ('admin1', 'admin', '')],
                 ['--pace', '1', '--hold'])
        agent, sup, inv, adm = (sc.api[n] for n in ('agent1', 'super1', 'inv1', 'admin1'))

        # live: the agent sees its own call only, and marks it while it is live
        c0 = sc.wait_call(agent, live_id, ('setup', 'active'))
        CK.ok(c0 is not None, 'agent (ext %s) sees its live call in GET /api/calls' % agent_ext,
              agent.calls())
        allc = wait_for(lambda: len(sup.calls()) >= 4 and sup.calls(), 10)
        CK.ok(allc and len(allc) >= 4, 'supervisor sees all 4 live calls', allc)
        mine = agent.calls()
        CK.ok(mine and all(agent_ext in (c.get('agent'), c.get('caller'), c.get('callee'))
                           for c in mine),
              'agent sees only calls of extension %s' % agent_ext,
              [(c.get('call_id'), c.get('agent')) for c in mine])
        other = find_call(allc or [], ended_id)
        if other:
            r, _ = mark(agent, other, 'not mine')
            CK.ok(r.status in (403, 404), 'agent cannot mark another extension\'s call (403/404)', r)
        if c0:
            r, rec0 = mark(agent, c0, 'threat while live (e2e)')
            CK.ok(r.status == 200 and rec0, 'agent marks its call while it is live: 200 and a '
                  'recording id', r)
            now = find_call(sup.calls(), live_id)
            CK.ok(now and now.get('state') in ('setup', 'active'),
                  'the call was still live after the mark', now)
            if rec0:
                sc.marked[live_id] = rec0
                r2, rec0b = mark(sup, c0, 'second mark')
                CK.ok(r2.status == 200 and rec0b == rec0,
                      'a second mark of the same call returns the same recording', r2)
            r = sc.api['agent1'].post('/api/calls/%s/mark' % c0['id'], {'note': 'x'}, csrf=False)
            CK.ok(r.status == 403, 'a mark without X-CSRF-Token is refused (403)', r)

        # crash: mark, kill -9 the vault at once, restart it
        c2 = find_call(sup.calls(), crash_id)
        if c2 and c2.get('state') in ('setup', 'active'):
            r, rec2 = mark(sup, c2, 'then the vault crashes')
            if CK.ok(r.status == 200 and rec2, 'supervisor marks a second live call', r):
                sc.marked[crash_id] = rec2
                sc.stack.run('kill9', 'vault')
                sc.stack.run('vault')
                CK.info('vault killed with SIGKILL right after the mark was accepted; restarted')
        else:
            CK.ok(False, 'the crash-test call is live', c2)

        # while the marked calls are still recording (copy-out into the
        # temporary containers), the storage folder holds no plain audio
        sc.storage_has_no_plain_audio(list(sc.marked), 'while recording')

        # ended: mark within grace
        ce = sc.wait_call(sup, ended_id, ('ended',), timeout=20)
        if CK.ok(ce is not None, 'the call %s has ended (GET /api/calls)' % ended_id,
                 find_call(sup.calls(), ended_id)):
            r, rec1 = mark(sup, ce, 'threat, marked after the end')
            if CK.ok(r.status == 200 and rec1, 'supervisor marks an ended call within grace', r):
                sc.marked[ended_id] = rec1

        # positive control for the zeroing check below: within grace, the
        # unmarked call's packets are in the ring's bytes
        sample_udp = None
        for st_ in sc.calls[unmarked_id].get('streams', []):
            sample_udp, _ = stream_sample(sc.linktype, sc.frames, st_)
            if sample_udp:
                break
        try:
            with open('/dev/shm' + sc.stack.ring, 'rb') as f:
                CK.ok(sample_udp and sample_udp in f.read(), 'within grace the unmarked call\'s '
                      'RTP packets are in the ring (control for the zeroing check)')
        except OSError as e:
            CK.ok(False, 'read the ring /dev/shm%s' % sc.stack.ring, e)

        # access: agents never reach recordings
        rid = next(iter(sc.marked.values()), 'none')
        for path in ('/api/recordings', '/api/recordings/%s' % rid,
                     '/api/recordings/%s/audio.wav' % rid, '/api/recordings/%s/call.pcap' % rid):
            r = agent.get(path)
            CK.ok(r.status == 403, 'agent GET %s: 403' % path, r)
        r = Api(sc.stack.url).get('/api/calls')
        CK.ok(r.status == 401, 'GET /api/calls without a session: 401', r)

        # every marked call gets sealed, with the right audio and packets
        for cid, rec in sc.marked.items():
            sc.check_recording(inv, cid, rec)
        truthck = [sys.executable, os.path.join(TOP, 'tests', 'tools', 'tonecheck.py')]
        for cid in sc.marked:
            w = os.path.join(sc.tmp, safe(cid), 'got.wav')
            if os.path.exists(w):
                p = subprocess.run(truthck + [w, '--truth', truth, '--call-id', cid, '--quiet'],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                CK.ok(p.returncode == 0, 'the WAV of %s has the generated tones (440 Hz caller '
                      '1-3 s, 1000 Hz callee 4-6 s) and length' % cid, p.stdout.strip())
        if crash_id in sc.marked:
            st = wait_sealed(inv, sc.marked[crash_id])
            CK.ok(isinstance(st, dict) and st.get('state') == 'sealed', 'the recording accepted '
                  'just before kill -9 of the vault is sealed after the restart', st)

        # privacy: the unmarked call's audio is out of reach by every route
        handle = None
        cu = find_call(sup.calls(), unmarked_id)
        if cu:
            handle = cu['id']
        made_up = [handle or '0-1', unmarked_id, '0', '1-1', '0' * 32, 'f' * 64, '..%2F..%2Fvault.key',
                   '%2e%2e', 'rec-0001', '-1']
        bad = []
        for who in (inv, adm, sup):
            for rid in made_up:
                for suffix in ('/audio.wav', '/call.pcap', '/evidence', ''):
                    r = who.get('/api/recordings/%s%s' % (rid, suffix))
                    if not (400 <= r.status < 500):
                        bad.append('%s GET %s%s: %s' % (who.user, rid, suffix, r))
            for rid in (handle or '0-1', urllib.parse.quote(unmarked_id, safe='')):
                for p in ('/api/calls/%s' % rid, '/api/calls/%s/audio.wav' % rid,
                          '/api/calls/%s/call.pcap' % rid, '/api/calls/%s/packets' % rid,
                          '/api/recordings/%s/stop' % rid):
                    r = who.get(p)
                    if not (400 <= r.status < 500):
                        bad.append('%s GET %s: %s' % (who.user, p, r))
            r = who.post('/api/recordings/%s/stop' % (handle or '0-1'))
            if not (400 <= r.status < 500):
                bad.append('%s POST stop %s: %s' % (who.user, handle, r))
        CK.ok(not bad, 'the unmarked call\'s handle, its Call-ID and made-up ids get 4xx on every '
              'recording and call route for supervisor, investigator and admin', '; '.join(bad[:4]))
        r = inv.get('/api/recordings')
        j = r.json() if r.status == 200 else {}
        recs = (j or {}).get('recordings', [])
        CK.ok(r.status == 200 and len(recs) == len(sc.marked)
              and not any(x.get('call_id') == unmarked_id for x in recs),
              'GET /api/recordings lists the %d marked calls and not the unmarked one'
              % len(sc.marked), r)
        r = inv.get('/api/recordings?callee=%s' % urllib.parse.quote(agent_ext))
        j = r.json() if r.status == 200 else {}
        CK.ok(r.status == 200 and [x.get('call_id') for x in (j or {}).get('recordings', [])] == [live_id],
              'search by callee=%s finds only that call' % agent_ext, r)
        sc.storage_has_no_plain_audio(list(sc.marked) + [unmarked_id])

        # grace: the unmarked call leaves the ring and its bytes are zeroed
        gone = wait_for(lambda: (lambda l: l is not None and find_call(l, unmarked_id) is None)(
            sc.stack.ring_list()), 25, 0.5)
        CK.ok(gone, 'after the grace time the unmarked call is gone from the ring '
              '(threatrec-sniffer --list)', [c.get('call_id') for c in (sc.stack.ring_list() or [])])
        try:
            with open('/dev/shm' + sc.stack.ring, 'rb') as f:
                ringbytes = f.read()
            CK.ok(sample_udp and sample_udp not in ringbytes,
                  'the unmarked call\'s RTP packets are zeroed in the ring', 'still in /dev/shm%s'
                  % sc.stack.ring if sample_udp else 'no sample packet')
        except OSError as e:
            CK.ok(False, 'read the ring /dev/shm%s' % sc.stack.ring, e)

        # the audit log shows the marks, seals, downloads and logins
        r = inv.get('/api/audit?limit=500')
        rows = ((r.json() or {}).get('audit') or []) if r.status == 200 else []
        acts = {}
        for row in rows:
            acts.setdefault(row.get('action'), set()).add(row.get('object'))
        want = {'mark': set(sc.marked.values()), 'seal': set(sc.marked.values()),
                'download': set(sc.marked.values())}
        miss = ['%s %s' % (a, sorted(ids - acts.get(a, set()))) for a, ids in want.items()
                if not ids <= acts.get(a, set())]
        CK.ok(r.status == 200 and not miss and 'login' in acts and 'login_failed' in acts,
              'GET /api/audit: a mark, seal and download row per recording, logins good and bad',
              'missing %s; actions %s' % (miss, sorted(a for a in acts if a)) if r.status == 200 else r)

        # tampering
        sc.stack.run('stop', 'webui', 'vault', check=False)
        tamper_checks(sc)
        ok = CK.failed == 0
    except Exception as e:  # a broken step must not hide the summary line
        CK.ok(False, 'the scenario ran to the end', '%s: %s' % (type(e).__name__, e))
        for n in ('sniffer', 'vault', 'webui'):
            t = sc.stack.log_tail(n) if sc else ''
            if t:
                CK.info('%s.log:\n%s' % (n, t))
    finally:
        if sc:
            sc.finish()
            sc.cleanup(os.environ.get('E2E_KEEP') == '1' or not ok)
        shutil.rmtree(tmpcap, ignore_errors=True)


def verify(sc):
    rc, out, err = sc.stack.tool('vault', 'verify', '-c', sc.stack.conf)
    return rc, (out + err).decode(errors='replace')


def tamper_checks(sc):
    rc, txt = verify(sc)
    CK.ok(rc == 0, 'threatrec-vault verify passes on the untouched storage', txt.strip()[-300:])
    db = None
    for root, _, files in os.walk(sc.stack.storage):
        for fn in files:
            p = os.path.join(root, fn)
            with open(p, 'rb') as f:
                if f.read(16) == b'SQLite format 3\x00':
                    db = db or p
    recs = []
    if db:
        con = sqlite3.connect(db)
        recs = con.execute("SELECT id, container FROM recordings WHERE state = 'sealed' "
                           "ORDER BY id").fetchall()
        con.close()
    if not CK.ok(db and recs, 'the index (SQLite) lists the sealed containers', db):
        return
    rid, cont = recs[0]
    path = os.path.join(sc.stack.storage, 'rec', cont)
    if not os.path.exists(path):
        path = cont if os.path.isabs(cont) else os.path.join(sc.stack.storage, cont)
    if not CK.ok(os.path.exists(path), 'container of %s exists' % rid, path):
        return
    with open(path, 'r+b') as f:
        data = f.read()
        pos = len(data) // 2
        f.seek(pos)
        f.write(bytes([data[pos] ^ 0x01]))
    rc, txt = verify(sc)
    CK.ok(rc != 0 and (os.path.basename(path) in txt or rid in txt),
          'verify fails after one flipped byte in a container and names it', txt.strip()[-300:])
    with open(path, 'r+b') as f:
        f.seek(pos)
        f.write(bytes([data[pos]]))
    rc, txt = verify(sc)
    CK.ok(rc == 0, 'verify passes again once the byte is restored', txt.strip()[-300:])
    con = sqlite3.connect(db)
    row = con.execute('SELECT seq, detail FROM audit ORDER BY seq LIMIT 1 OFFSET 1').fetchone()
    if row:
        con.execute('UPDATE audit SET detail = ? WHERE seq = ?', (row[1] + ' ', row[0]))
        con.commit()
    con.close()
    if CK.ok(row is not None, 'the audit log has rows'):
        rc, txt = verify(sc)
        CK.ok(rc != 0 and re.search(r'audit row %d\b' % row[0], txt),
              'verify fails after an audit row was edited with sqlite3 and names row %d' % row[0],
              txt.strip()[-300:])


# ---- a capture from ../shared/pcaps or E2E_PCAP --------------------------------

def scenario_capture(name, pcap, call_ids, pace):
    """Marks call_ids[0] while live (when it is live long enough), the others
    after they ended; checks the recordings against the decoder."""
    CK.prefix = '[%s] ' % name
    sc = None
    ok = False
    try:
        sc = Scenario(name, pcap, {'grace': '30s', 'vault_grace': '1s'})
        missing = [c for c in call_ids if c not in sc.calls]
        if not CK.ok(not missing, 'threatrec-decode finds the call(s) %s in %s' % (
                ', '.join(call_ids), os.path.basename(pcap)), 'missing: %s' % missing):
            return
        sc.start([('super1', 'supervisor', ''), ('inv1', 'investigator', '')],
                 ['--pace', str(pace), '--hold'])
        sup, inv = sc.api['super1'], sc.api['inv1']
        for i, cid in enumerate(call_ids):
            if i == 0:
                c = sc.wait_call(sup, cid, ('setup', 'active', 'ended'), timeout=60)
                how = 'while live' if c and c.get('state') != 'ended' else 'after it ended'
            else:
                c = sc.wait_call(sup, cid, ('ended',), timeout=120)
                how = 'after it ended'
            if not CK.ok(c is not None, 'the call %s shows in GET /api/calls' % cid, sup.calls()):
                continue
            r, rec = mark(sup, c, 'e2e %s' % how)
            if CK.ok(r.status == 200 and rec, 'mark %s %s: 200 and a recording id' % (cid, how), r):
                sc.marked[cid] = rec
        for cid, rec in sc.marked.items():
            sc.check_recording(inv, cid, rec)
        sc.storage_has_no_plain_audio(list(sc.marked))
        ok = CK.failed == 0
    except Exception as e:
        CK.ok(False, 'the scenario ran to the end', '%s: %s' % (type(e).__name__, e))
        if sc:
            for n in ('sniffer', 'vault', 'webui'):
                t = sc.stack.log_tail(n)
                if t:
                    CK.info('%s.log:\n%s' % (n, t))
    finally:
        if sc:
            sc.finish()
            sc.cleanup(os.environ.get('E2E_KEEP') == '1' or not ok)


def main():
    missing = [b for b in ('threatrec-sniffer', 'threatrec-vault', 'threatrec-webui',
                           'threatrec-decode') if not os.access(os.path.join(BIN, b), os.X_OK)]
    if missing:
        CK.ok(False, 'programs built', 'missing in %s: %s (run make)' % (BIN, ', '.join(missing)))
    elif os.environ.get('E2E_PCAP'):
        pcap = os.path.abspath(os.environ['E2E_PCAP'])
        cid = os.environ.get('E2E_CALL_ID')
        if not cid:
            try:
                calls = [c for c in decode_calls(pcap) if c.get('streams')]
            except RuntimeError as e:
                CK.info(str(e))
                calls = []
            cid = calls[0]['call_id'] if calls else None
        if cid is None:
            CK.ok(False, 'E2E_PCAP has a call with RTP', 'none found; set E2E_CALL_ID')
        else:
            scenario_capture('custom', pcap, [cid], float(os.environ.get('E2E_PACE', '1')))
    else:
        scenario_generated()
        real = os.path.join(REAL_DIR, REAL_PCAP)
        if os.path.exists(real):
            # two real calls one after the other: mark the first while live,
            # the second after the capture ended
            scenario_capture('real', real, ['1-1966@10.0.2.20', '1-1968@10.0.2.20'], 2)
        else:
            CK.prefix = '[real] '
            CK.skip('real G.711 call', '%s not found (../shared/pcaps missing)' % real)
    CK.prefix = ''
    if CK.failures:
        print('failed checks:')
        for f in CK.failures:
            print('  ' + f)
    print(CK.summary())
    return 1 if CK.failed else 0


if __name__ == '__main__':
    sys.exit(main())
