#!/usr/bin/env python3
"""check.py - the real-capture corpus test (python3 stdlib only).

For every capture in the corpus folder that has an entry in expected.json
(made with tshark 4.0; see its "_about"), runs `threatrec-decode calls FILE`
and checks that it finds:
  * the same calls, identified by (call_id, from_tag), none missing, none extra,
    each with the same caller and callee;
  * per call, the same RTP streams, identified by (ssrc, src, dst), none
    missing, none extra, each with the same set of payload types and
    expected packets == packets + duplicates (tshark counts packets on the
    wire, duplicates included).
orphan_streams (RTP without SIP) are information only and not checked.
Captures whose calls need a transport or tunnel that a later issue brings
(SIP over TCP, WebSocket or SCTP; GRE, PPPoE, IP-in-IP) are skipped by name
below, each with the reason (from PROVENANCE.md).

usage: check.py --decoder PATH [--timeout S] [--all] CORPUS_DIR [NAME...]
(--all: every difference of a failing file, not only the first)
Prints PASS/FAIL/SKIP per file (FAIL with the first difference) and as the
last line "N passed, N failed, N skipped". Exit status 1 when any failed.
"""
import argparse
import json
import os
import subprocess
import sys

SKIP = {
    'gre-teb-encap-sip-3calls-refer-reinvite__from-heplify.pcapng':
        'SIP inside a GRE tunnel (transparent Ethernet bridging): tunnels come later (PROVENANCE 9)',
    'opus-stereo-h264-sip-tcp-cisco__from-wireshark_samples.pcap':
        'its only call is signalled over SIP/TCP (PROVENANCE 19)',
    'sip-info-dtmf-pppoe-reinvite-no-rtp__from-sipnab.pcap':
        'every frame is PPPoE-encapsulated (PROVENANCE 28)',
    'sip-sctp-sll-invite-403__from-heplify.pcap':
        'SIP over SCTP (PROVENANCE 29)',
    'sip-tcp-g711a-cn-call__from-heplify.pcap':
        'SIP over TCP (PROVENANCE 30)',
    'sip-tcp-port6060-segmented-37calls-no-rtp__from-heplify.pcap':
        'SIP over TCP on port 6060, split across segments (PROVENANCE 31)',
}
# Not skipped, although its name says WebSocket: sip-websocket-and-udp-183 has
# its WebSocket INVITE (frames 11, 18) forwarded over UDP too (frame 20, same
# Call-ID and From-tag), so both of its calls are visible over UDP alone.


def stream_diffs(cid, exp_streams, act_streams):
    """Every difference between a call's expected and decoded streams."""
    def key(s):
        return (str(s.get('ssrc', '')).lower(), s.get('src'), s.get('dst'))
    act = {}
    for s in act_streams:
        act.setdefault(key(s), []).append(s)
    for k, v in act.items():
        if len(v) > 1:
            yield 'call %s: stream ssrc %s %s -> %s listed %d times' % (cid, k[0], k[1], k[2], len(v))
    exp = {key(s): s for s in exp_streams}
    for k in sorted(exp, key=lambda x: tuple(str(i) for i in x)):
        e = exp[k]
        if k not in act:
            yield 'call %s: missing stream ssrc %s %s -> %s (%d packets, PT %s)' % (
                cid, k[0], k[1], k[2], e['packets'], e['payload_types'])
            continue
        a = act[k][0]
        if sorted(set(a.get('payload_types', []))) != sorted(set(e['payload_types'])):
            yield 'call %s: stream ssrc %s %s -> %s: payload types %s, expected %s' % (
                cid, k[0], k[1], k[2], a.get('payload_types'), e['payload_types'])
        got = a.get('packets', 0) + a.get('duplicates', 0)
        if got != e['packets']:
            yield 'call %s: stream ssrc %s %s -> %s: packets %s + duplicates %s = %d, expected %d' % (
                cid, k[0], k[1], k[2], a.get('packets'), a.get('duplicates'), got, e['packets'])
    for k in sorted(act, key=lambda x: tuple(str(i) for i in x)):
        if k not in exp:
            a = act[k][0]
            yield 'call %s: unexpected stream ssrc %s %s -> %s (%s packets, PT %s)' % (
                cid, k[0], k[1], k[2], a.get('packets'), a.get('payload_types'))


def diffs(expected, actual):
    """Every difference between the expected calls and the decoder's output."""
    def key(c):
        return (c.get('call_id'), c.get('from_tag'))
    act = {}
    for c in actual:
        act.setdefault(key(c), []).append(c)
    for k, v in act.items():
        if len(v) > 1:
            yield 'call %s (from-tag %s) listed %d times' % (k[0], k[1], len(v))
    exp = {key(c): c for c in expected}
    for c in expected:
        k = key(c)
        if k not in act:
            others = [a for a in act if a[0] == k[0]]
            hint = ' (decoder has it with from-tag %s)' % others[0][1] if others else ''
            yield 'missing call %s (from-tag %s)%s' % (k[0], k[1], hint)
            continue
        a = act[k][0]
        for f in ('caller', 'callee'):
            if a.get(f) != c.get(f):
                yield 'call %s: %s %r, expected %r' % (k[0], f, a.get(f), c.get(f))
        for d in stream_diffs(k[0], c.get('streams', []), a.get('streams', [])):
            yield d
    for k in act:
        if k not in exp:
            a = act[k][0]
            yield 'unexpected call %s (from-tag %s, %s -> %s)' % (k[0], k[1], a.get('caller'), a.get('callee'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--decoder', required=True)
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--all', action='store_true', help='print every difference, not only the first')
    ap.add_argument('corpus')
    ap.add_argument('names', nargs='*')
    a = ap.parse_args()

    exp_path = os.path.join(a.corpus, 'expected.json')
    if not os.path.isdir(a.corpus) or not os.path.isfile(exp_path):
        print('SKIP corpus: %s (with expected.json) is missing; the whole suite is skipped' % a.corpus)
        print('0 passed, 0 failed, 1 skipped')
        return 0
    with open(exp_path) as f:
        files = json.load(f)['files']
    # reviewed corrections of the oracle (tests/corpus/corrections.json)
    corr_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corrections.json')
    with open(corr_path) as f:
        corrections = {k: v for k, v in json.load(f).items() if not k.startswith('_')}
    for name, fix in corrections.items():
        for c in files.get(name, {}).get('calls', []):
            for s in c.get('streams', []):
                for sf in fix['streams']:
                    if sf['call_id'] == c['call_id'] and sf['ssrc'] == s['ssrc']:
                        s.update({k: v for k, v in sf.items() if k not in ('call_id', 'ssrc')})
    npass = nfail = nskip = 0
    env = dict(os.environ, TZ='UTC')
    for name in sorted(files):
        if a.names and name not in a.names and not any(n in name for n in a.names):
            continue
        path = os.path.join(a.corpus, name)
        if not os.path.isfile(path):
            print('SKIP %s: listed in expected.json but not in the folder' % name)
            nskip += 1
            continue
        if name in SKIP:
            print('SKIP %s: %s' % (name, SKIP[name]))
            nskip += 1
            continue
        if not os.access(a.decoder, os.X_OK):
            print('FAIL %s: %s missing (build first)' % (name, a.decoder))
            nfail += 1
            continue
        try:
            p = subprocess.run([a.decoder, 'calls', path], capture_output=True, env=env,
                               timeout=a.timeout)
        except subprocess.TimeoutExpired:
            print('FAIL %s: threatrec-decode calls took more than %g s' % (name, a.timeout))
            nfail += 1
            continue
        err = p.stderr.decode('utf-8', 'replace').strip().splitlines()
        if p.returncode != 0:
            print('FAIL %s: threatrec-decode calls exited %d: %s' % (
                name, p.returncode, err[0] if err else '(no message)'))
            nfail += 1
            continue
        actual = []
        bad = None
        for n, line in enumerate(p.stdout.decode('utf-8', 'replace').splitlines(), 1):
            if not line.strip():
                continue
            try:
                actual.append(json.loads(line))
            except ValueError as e:
                bad = 'output line %d is not JSON (%s): %r' % (n, e, line[:100])
                break
        ds = [bad] if bad else list(diffs(files[name].get('calls', []), actual))
        if ds:
            print('FAIL %s: %s' % (name, ds[0]))
            if a.all:
                for d in ds[1:]:
                    print('     %s' % d)
            nfail += 1
        else:
            ncalls = len(files[name].get('calls', []))
            nstreams = sum(len(c.get('streams', [])) for c in files[name].get('calls', []))
            print('PASS %s (%d calls, %d streams)%s' % (name, ncalls, nstreams,
                  ' with the oracle corrected (tests/corpus/corrections.json)' if name in corrections else ''))
            npass += 1
    print('%d passed, %d failed, %d skipped' % (npass, nfail, nskip))
    return 1 if nfail else 0


if __name__ == '__main__':
    sys.exit(main())
