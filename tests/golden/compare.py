#!/usr/bin/env python3
"""compare.py - compares `threatrec-decode calls` output with a golden file.

usage: compare.py EXPECTED.jsonl ACTUAL.jsonl       exit 0 when equal, 1 with a diff
       compare.py --canon FILE.jsonl                 prints FILE in canonical form
       compare.py --from-truth TRUTH.jsonl           prints the golden form of a
                                                     pcapgen truth file

Canonical form: one call per line, keys sorted, streams sorted by (direction,
src, ssrc), calls sorted by (start, call_id, from_tag). Only the keys present
in the expected file are compared (a golden file made from the generator's
truth does not know, e.g., which side the engine calls the agent), but every
key the expected file has must be there with the same value. "duration" may
differ by up to 0.020 s (where the call ends: the BYE or its 200 OK).
"""
import difflib
import json
import sys

DURATION_TOL = 0.020


def load(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise SystemExit('%s:%d: not JSON: %s' % (path, n, e))
    return out


def stream_key(s):
    return (str(s.get('direction', '')), str(s.get('src', '')), str(s.get('ssrc', '')))


def call_key(c):
    return (str(c.get('start', '')), str(c.get('call_id', '')), str(c.get('from_tag', '')))


def sort_calls(calls):
    for c in calls:
        if isinstance(c.get('streams'), list):
            c['streams'] = sorted(c['streams'], key=stream_key)
    return sorted(calls, key=call_key)


def project(actual, expected):
    """actual reduced to the keys expected uses (recursively for streams)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = {}
        for k, v in expected.items():
            if k in actual:
                out[k] = project(actual[k], v)
        return out
    if isinstance(expected, list) and isinstance(actual, list) and expected and isinstance(expected[0], dict):
        return [project(a, expected[0]) for a in actual]
    return actual


def lines(calls):
    return [json.dumps(c, sort_keys=True) for c in calls]


def first_diff(exp, act, path=''):
    """Where two canonical values first differ, as 'path: expected X, got Y'."""
    if isinstance(exp, dict) and isinstance(act, dict):
        for k in sorted(set(exp) | set(act)):
            if k not in act:
                return '%s.%s missing' % (path, k)
            if k not in exp:
                return '%s.%s not expected' % (path, k)
            if exp[k] != act[k]:
                return first_diff(exp[k], act[k], '%s.%s' % (path, k))
    elif isinstance(exp, list) and isinstance(act, list):
        for i, (e, a) in enumerate(zip(exp, act)):
            if e != a:
                return first_diff(e, a, '%s[%d]' % (path, i))
        if len(exp) != len(act):
            return '%s: %d entries, expected %d' % (path or 'calls', len(act), len(exp))
    return '%s: expected %s, got %s' % (path, json.dumps(exp), json.dumps(act))


def from_truth(path):
    calls = []
    for t in load(path):
        c = {k: t[k] for k in ('call_id', 'from_tag', 'caller', 'callee', 'start', 'duration', 'streams')}
        c['state'] = 'ended'
        c['end_reason'] = t.get('end_reason', 'bye')
        calls.append(c)
    return sort_calls(calls)


def main(argv):
    if len(argv) == 3 and argv[1] == '--canon':
        print('\n'.join(lines(sort_calls(load(argv[2])))))
        return 0
    if len(argv) == 3 and argv[1] == '--from-truth':
        print('\n'.join(lines(from_truth(argv[2]))))
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exp = sort_calls(load(argv[1]))
    act = sort_calls(load(argv[2]))
    proto = {}
    for c in exp:
        for k, v in c.items():
            if k == 'streams' and v:
                proto.setdefault('streams', [{}])[0].update(v[0])
            else:
                proto[k] = v
    act = [project(c, proto) for c in act]
    # pair calls by identity so a duration within tolerance is not a difference
    by_id = {(c.get('call_id'), c.get('from_tag')): c for c in exp}
    for c in act:
        e = by_id.get((c.get('call_id'), c.get('from_tag')))
        if e and isinstance(c.get('duration'), (int, float)) and isinstance(e.get('duration'), (int, float)) \
                and abs(c['duration'] - e['duration']) <= DURATION_TOL:
            c['duration'] = e['duration']
    act = sort_calls(act)
    a, b = lines(exp), lines(act)
    if a == b:
        return 0
    print('first difference: ' + first_diff(exp, act))
    sys.stdout.writelines(difflib.unified_diff([x + '\n' for x in a], [x + '\n' for x in b],
                                               argv[1], 'actual', n=0))
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
