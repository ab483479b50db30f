#!/usr/bin/env python3
"""tonecheck.py - find and check pure tones in a WAV file (python3 stdlib only).

Reads a PCM WAV with the `wave` module, cuts each channel into 20 ms windows
and runs the Goertzel filter per window at each frequency of interest. A window
"has" a tone when the tone's level is above --min-level dBFS and the tone
carries at least half of the window's energy. Onsets and ends are then refined
to the sample: the first / last sample whose magnitude exceeds 30 % of the
tone's measured peak amplitude, searched around the first / last tone window.

Report (default): per channel, every tone segment with its frequency, start,
end and level (dBFS, peak amplitude of the sine relative to full scale).

Check mode: --expect CH:FREQ:START-END[:LEVEL] (CH = left|right|0|1, times in
seconds, LEVEL in dBFS, repeatable) asserts, with tolerance --tol (default
0.020 s):
  * the tone's first sample on that channel is at START, its last at END;
  * the tone is present in at least --min-coverage of the 20 ms windows fully
    inside START..END (lost packets become silence, so a lossy call may have
    a few gaps, but they must not move the tone);
  * the tone does not appear on that channel outside START-tol..END+tol;
  * the tone does not appear on the other channel at all (no cross-talk);
  * when LEVEL is given, the tone's median level is within --level-tol dB
    (default 1.5; G.711 quantisation moves a pure tone by a few tenths).
--length SEC asserts the file's duration within --tol.
--truth FILE --call-id ID takes the expectations (and nothing else) from a
pcapgen truth file (JSON lines; "tones", with their levels, and "duration").
Exit status 0 when every assertion holds, 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import math
import struct
import sys
import wave

WINDOW_S = 0.020
ONSET_FRACTION = 0.30


def read_wav(path):
    with wave.open(path, 'rb') as w:
        nch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width == 2:
        data = struct.unpack('<%dh' % (len(raw) // 2), raw)
        scale = 32768.0
    elif width == 1:
        data = [b - 128 for b in raw]
        scale = 128.0
    elif width == 4:
        data = struct.unpack('<%di' % (len(raw) // 4), raw)
        scale = 2147483648.0
    elif width == 3:
        data = [int.from_bytes(raw[i:i + 3], 'little', signed=True) for i in range(0, len(raw), 3)]
        scale = 8388608.0
    else:
        raise ValueError('unsupported sample width %d' % width)
    chans = [[v / scale for v in data[c::nch]] for c in range(nch)]
    return rate, chans


def goertzel_amp(x, lo, hi, coeff):
    """Peak amplitude of the sine at the filter's frequency in x[lo:hi]."""
    s1 = s2 = 0.0
    for i in range(lo, hi):
        s0 = x[i] + coeff * s1 - s2
        s2 = s1
        s1 = s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    n = hi - lo
    return 2.0 * math.sqrt(max(power, 0.0)) / n if n else 0.0


def db(a):
    return 20.0 * math.log10(a) if a > 0 else -200.0


class Channel:
    def __init__(self, x, rate):
        self.x = x
        self.rate = rate
        self.win = max(1, int(round(WINDOW_S * rate)))
        self.nwin = len(x) // self.win
        self.ms = []
        for w in range(self.nwin):
            lo = w * self.win
            seg = x[lo:lo + self.win]
            self.ms.append(sum(v * v for v in seg) / len(seg))
        self.cache = {}

    def windows(self, freq, min_level):
        """Per window: (has_tone, amplitude)."""
        key = (freq, min_level)
        if key in self.cache:
            return self.cache[key]
        coeff = 2.0 * math.cos(2.0 * math.pi * freq / self.rate)
        out = []
        for w in range(self.nwin):
            if self.ms[w] <= 1e-12:
                out.append((False, 0.0))
                continue
            a = goertzel_amp(self.x, w * self.win, (w + 1) * self.win, coeff)
            share = (a * a / 2.0) / self.ms[w]
            out.append((db(a) >= min_level and share >= 0.5, a))
        self.cache[key] = out
        return out

    def segments(self, freq, min_level):
        """Tone segments [(first_sample, end_sample, amplitude)], refined to the sample."""
        wins = self.windows(freq, min_level)
        segs, w = [], 0
        while w < self.nwin:
            if not wins[w][0]:
                w += 1
                continue
            a0 = w
            while w < self.nwin and wins[w][0]:
                w += 1
            amps = [wins[i][1] for i in range(a0, w)]
            amp = sorted(amps)[len(amps) // 2]
            thr = ONSET_FRACTION * amp
            lo = max(0, (a0 - 1) * self.win)
            hi = min(len(self.x), (w + 1) * self.win)
            first = next((i for i in range(lo, hi) if abs(self.x[i]) >= thr), a0 * self.win)
            last = next((i for i in range(hi - 1, lo - 1, -1) if abs(self.x[i]) >= thr), w * self.win - 1)
            segs.append((first, last + 1, amp))
        return segs


def scan_freqs(ch, lo=200, hi=3400, step=10):
    """Candidate frequencies for the report: zero-crossing estimate per loud window run."""
    found = set()
    loud = [ms > 1e-6 for ms in ch.ms]
    w = 0
    while w < ch.nwin:
        if not loud[w]:
            w += 1
            continue
        a0 = w
        while w < ch.nwin and loud[w]:
            w += 1
        seg = ch.x[a0 * ch.win:w * ch.win]
        zc = sum(1 for i in range(1, len(seg)) if (seg[i - 1] < 0) != (seg[i] < 0))
        f = zc * ch.rate / (2.0 * len(seg)) if seg else 0
        if lo <= f <= hi:
            found.add(int(round(f / step) * step))
    return sorted(found)


def chan_index(name):
    return {'left': 0, 'l': 0, '0': 0, 'right': 1, 'r': 1, '1': 1}[name.lower()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('wav')
    ap.add_argument('--expect', action='append', default=[], metavar='CH:FREQ:START-END')
    ap.add_argument('--length', type=float)
    ap.add_argument('--truth')
    ap.add_argument('--call-id')
    ap.add_argument('--tol', type=float, default=0.020)
    ap.add_argument('--min-level', type=float, default=-40.0)
    ap.add_argument('--min-coverage', type=float, default=0.98)
    ap.add_argument('--level-tol', type=float, default=1.5)
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args()

    expects = []
    for e in a.expect:
        try:
            parts = e.split(':')
            if len(parts) not in (3, 4):
                raise ValueError(e)
            s, t = parts[2].split('-')
            lvl = float(parts[3]) if len(parts) == 4 else None
            expects.append((chan_index(parts[0]), float(parts[1]), float(s), float(t), lvl))
        except (ValueError, KeyError):
            print('tonecheck: bad --expect %r' % e, file=sys.stderr)
            return 2
    if a.truth:
        if not a.call_id:
            print('tonecheck: --truth needs --call-id', file=sys.stderr)
            return 2
        call = None
        with open(a.truth) as f:
            for line in f:
                o = json.loads(line)
                if o['call_id'] == a.call_id:
                    call = o
        if call is None:
            print('tonecheck: call %s not in %s' % (a.call_id, a.truth), file=sys.stderr)
            return 2
        for t in call.get('tones', []):
            expects.append((chan_index(t['channel']), float(t['freq']), t['start'], t['end'],
                            t.get('level')))
        if a.length is None:
            a.length = call['duration']

    try:
        rate, chans = read_wav(a.wav)
    except (OSError, EOFError, wave.Error, ValueError) as e:
        print('tonecheck: %s: %s' % (a.wav, e), file=sys.stderr)
        return 1
    length = len(chans[0]) / rate if chans else 0.0
    chs = [Channel(x, rate) for x in chans]

    if not a.quiet:
        print('%s: %d Hz, %d channel(s), %.3f s' % (a.wav, rate, len(chans), length))
        freqs = sorted(set(e[1] for e in expects))
        for i, ch in enumerate(chs):
            cand = freqs or scan_freqs(ch)
            for f in cand:
                for s, e, amp in ch.segments(f, a.min_level):
                    print('  ch%d %s %6.0f Hz  %8.3f - %8.3f s  %6.1f dBFS'
                          % (i, 'left ' if i == 0 else 'right', f, s / rate, e / rate, db(amp)))

    fails = []
    if a.length is not None and abs(length - a.length) > a.tol:
        fails.append('length %.3f s, expected %.3f s (tol %.3f)' % (length, a.length, a.tol))
    for c, f, s, t, lvl in expects:
        what = 'ch%d %g Hz %.3f-%.3f' % (c, f, s, t)
        if c >= len(chs):
            fails.append('%s: the file has %d channel(s)' % (what, len(chs)))
            continue
        ch = chs[c]
        segs = ch.segments(f, a.min_level)
        # segments that overlap the expected span belong to it; the rest are stray
        inside = [(b, e, amp) for b, e, amp in segs
                  if e / rate > s - a.tol and b / rate < t + a.tol]
        outside = [(b, e) for b, e, _ in segs if not (e / rate > s - a.tol and b / rate < t + a.tol)]
        if not inside:
            fails.append('%s: tone not found' % what)
        else:
            onset = inside[0][0] / rate
            end = inside[-1][1] / rate
            if abs(onset - s) > a.tol:
                fails.append('%s: onset at %.4f s, expected %.4f (tol %.3f)' % (what, onset, s, a.tol))
            if abs(end - t) > a.tol:
                fails.append('%s: end at %.4f s, expected %.4f (tol %.3f)' % (what, end, t, a.tol))
            amps = sorted(amp for _, _, amp in inside)
            level = db(amps[len(amps) // 2])
            if lvl is not None and abs(level - lvl) > a.level_tol:
                fails.append('%s: level %.1f dBFS, expected %.1f (tol %.1f dB)' % (what, level, lvl, a.level_tol))
        wins = ch.windows(f, a.min_level)
        w0 = int(math.ceil(s * rate / ch.win))
        w1 = int(math.floor(t * rate / ch.win))
        full = [wins[w][0] for w in range(max(w0, 0), min(w1, ch.nwin))]
        if full:
            cov = sum(full) / len(full)
            if cov < a.min_coverage:
                fails.append('%s: tone in %.1f%% of its windows, need %.1f%%'
                             % (what, 100 * cov, 100 * a.min_coverage))
        elif w1 > w0:
            fails.append('%s: the file ends before the tone' % what)
        for b, e in outside:
            fails.append('%s: stray tone at %.3f-%.3f s' % (what, b / rate, e / rate))
        for o, other in enumerate(chs):
            if o == c:
                continue
            for b, e, _ in other.segments(f, a.min_level):
                fails.append('%s: cross-talk on ch%d at %.3f-%.3f s' % (what, o, b / rate, e / rate))
    for m in fails:
        print('FAIL: ' + m)
    if not fails and (expects or a.length is not None) and not a.quiet:
        print('OK: %d tone(s)%s checked' % (len(expects), ' and length' if a.length is not None else ''))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
