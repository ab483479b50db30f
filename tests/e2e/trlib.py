"""trlib.py - helpers of the end-to-end test (python3 stdlib only).

Check: counts passed/failed/skipped checks and prints one line per check.
Api: a logged-in client of the web UI's JSON API (cookie jar + CSRF header).
Stack: drives tests/e2e/stack.sh (one private threatrec stack in a folder).
read_pcap / ip_layer / udp_flow / rtp_payload: a small pcap reader that
finds a call's packets and its RTP payload bytes in a capture.
wav_compare: the downloaded WAV against the decoder's own WAV.
"""
import http.cookiejar
import json
import os
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(TOP, 'tests', 'tools'))
import tonecheck  # noqa: E402  (tests/tools/tonecheck.py)


class Check:
    """Counts checks; each prints 'ok - name' or 'FAIL - name: why'."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.prefix = ''

    def ok(self, cond, name, why=''):
        name = self.prefix + name
        if cond:
            self.passed += 1
            print('ok - %s' % name, flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print('FAIL - %s%s' % (name, (': ' + str(why)) if why else ''), flush=True)
        return bool(cond)

    def skip(self, name, why):
        self.skipped += 1
        print('skip - %s%s: %s' % (self.prefix, name, why), flush=True)

    def info(self, msg):
        print('# %s%s' % (self.prefix, msg), flush=True)

    def summary(self):
        s = '%d passed, %d failed' % (self.passed, self.failed)
        if self.skipped:
            s += ', %d skipped' % self.skipped
        return s


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None

    def __repr__(self):
        return 'HTTP %d %s' % (self.status, self.body[:200])


class Api:
    """One browser-like session: cookie jar, CSRF token from the login."""

    def __init__(self, base):
        self.base = base.rstrip('/')
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None
        self.user = None

    def req(self, method, path, body=None, headers=None, csrf=True, timeout=30):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h['Content-Type'] = 'application/json'
        if csrf and self.csrf and method != 'GET':
            h['X-CSRF-Token'] = self.csrf
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(r, timeout=timeout) as f:
                return Resp(f.status, f.headers, f.read())
        except urllib.error.HTTPError as e:
            return Resp(e.code, e.headers, e.read())
        except (urllib.error.URLError, OSError) as e:
            return Resp(0, {}, ('connection failed: %s' % e).encode())

    def get(self, path, **kw):
        return self.req('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.req('POST', path, body if body is not None else {}, **kw)

    def login(self, user, password):
        r = self.post('/api/login', {'username': user, 'password': password}, csrf=False)
        j = r.json() if r.status == 200 else None
        if j and j.get('csrf'):
            self.csrf = j['csrf']
            self.user = user
        return r

    def calls(self):
        r = self.get('/api/calls')
        j = r.json() if r.status == 200 else None
        return (j or {}).get('calls', []) if isinstance(j, dict) else []


def wait_for(fn, timeout, step=0.1):
    """Calls fn() until it returns a true value or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


class Stack:
    """A private stack in `folder`, driven through tests/e2e/stack.sh."""

    def __init__(self, folder, **settings):
        self.dir = folder
        self.sh = os.path.join(TOP, 'tests', 'e2e', 'stack.sh')
        self.run('setup', *['%s=%s' % kv for kv in settings.items()])
        self.env = {}
        with open(os.path.join(folder, 'stack.env')) as f:
            for line in f:
                k, _, v = line.strip().partition('=')
                self.env[k] = v.strip("'")
        self.url = self.env['ST_URL']
        self.ring = self.env['ST_RING']
        self.storage = self.env['ST_STORE']
        self.conf = self.env['ST_CONF']
        self.bin = self.env['ST_BIN']

    def run(self, cmd, *args, check=True):
        p = subprocess.run(['bash', self.sh, self.dir, cmd] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and p.returncode != 0:
            raise RuntimeError('stack.sh %s %s failed: %s' % (cmd, ' '.join(args), p.stderr.strip()))
        return p

    def user(self, name, role, ext=''):
        return self.run('user', name, role, *([ext] if ext else [])).stdout.strip().splitlines()[-1]

    def tool(self, name, *args, stdin=None, timeout=120):
        """Runs build/threatrec-NAME ARGS; returns (rc, stdout, stderr)."""
        p = subprocess.run([os.path.join(self.bin, 'threatrec-' + name)] + list(args),
                           input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def ring_list(self):
        rc, out, err = self.tool('sniffer', '--list', '--ring', self.ring)
        if rc != 0:
            return None
        return [json.loads(line) for line in out.decode().splitlines() if line.strip()]

    def log_tail(self, name, n=8):
        try:
            with open(os.path.join(self.dir, name + '.log'), errors='replace') as f:
                return ''.join(f.readlines()[-n:])
        except OSError:
            return ''


# ---- pcap ------------------------------------------------------------------

def read_pcap(path):
    """(linktype, [frame bytes]) of a classic pcap file; pcapng is converted
    with editcap first. Raises ValueError on a bad file."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] == b'\x0a\x0d\x0d\x0a':
        p = subprocess.run(['editcap', '-F', 'pcap', path, '-'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            raise ValueError('%s: pcapng and editcap could not convert it' % path)
        data = p.stdout
    if len(data) < 24:
        raise ValueError('%s: %d bytes, no pcap header' % (path, len(data)))
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        raise ValueError('%s: not a pcap file (magic %s)' % (path, magic.hex()))
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            raise ValueError('%s: truncated record at offset %d' % (path, off))
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    if off != len(data):
        raise ValueError('%s: %d stray bytes at the end' % (path, len(data) - off))
    return linktype, frames


def ip_layer(linktype, fr):
    """The IP packet inside a frame (bytes), or None."""
    if linktype == 1:                          # Ethernet, 802.1Q / QinQ
        off, et = 12, None
        while off + 2 <= len(fr):
            et = struct.unpack('>H', fr[off:off + 2])[0]
            if et in (0x8100, 0x88a8, 0x9100):
                off += 4
                continue
            off += 2
            break
        return fr[off:] if et in (0x0800, 0x86dd) else None
    if linktype == 113:                        # Linux SLL
        return fr[16:] if len(fr) >= 16 and fr[14:16] in (b'\x08\x00', b'\x86\xdd') else None
    if linktype == 276:                        # Linux SLL2
        return fr[20:] if len(fr) >= 20 and fr[0:2] in (b'\x08\x00', b'\x86\xdd') else None
    if linktype in (12, 101, 228, 229):        # raw IP
        return fr
    if linktype == 0:                          # BSD loopback
        return fr[4:]
    return None


def udp_flow(ip):
    """(src 'ip:port', dst 'ip:port', udp payload) of an unfragmented UDP
    packet, else None."""
    import ipaddress
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        frag = struct.unpack('>H', ip[6:8])[0]
        if ip[9] != 17 or (frag & 0x3fff) or len(ip) < ihl + 8:
            return None
        src, dst, u = str(ipaddress.IPv4Address(ip[12:16])), str(ipaddress.IPv4Address(ip[16:20])), ihl
    elif v == 6 and len(ip) >= 48:
        if ip[6] != 17:
            return None
        src, dst, u = str(ipaddress.IPv6Address(ip[8:24])), str(ipaddress.IPv6Address(ip[24:40])), 40
    else:
        return None
    sp, dp, ulen = struct.unpack('>HHH', ip[u:u + 6])
    pay = ip[u + 8:u + max(8, ulen)]
    fmt = '[%s]:%d' if v == 6 else '%s:%d'
    return fmt % (src, sp), fmt % (dst, dp), pay


def norm_ep(ep):
    """'1.2.3.4:5' or '[2001:db8::1]:5' as returned by udp_flow."""
    if ep.startswith('['):
        return ep
    host, _, port = ep.rpartition(':')
    if ':' in host:
        return '[%s]:%s' % (host, port)
    return ep


def rtp_payload(udp):
    """The payload of an RTP packet (after CSRCs, extension, padding) or None."""
    if len(udp) < 12 or udp[0] >> 6 != 2:
        return None
    cc = udp[0] & 15
    off = 12 + 4 * cc
    if udp[0] & 0x10:
        if len(udp) < off + 4:
            return None
        off += 4 + 4 * struct.unpack('>H', udp[off + 2:off + 4])[0]
    end = len(udp)
    if udp[0] & 0x20 and end > off:
        end -= udp[-1]
    return udp[off:end] if end > off else None


def call_frames(linktype, frames, call):
    """Indexes of the frames that belong to call (a `threatrec-decode calls`
    object): SIP datagrams naming its Call-ID, RTP of its streams and RTCP
    on the next ports, both directions."""
    cid = call['call_id'].encode()
    flows = set()
    for s in call.get('streams', []):
        a, b = norm_ep(s['src']), norm_ep(s['dst'])
        flows.add((a, b))
        flows.add((b, a))
        ha, _, pa = a.rpartition(':')
        hb, _, pb = b.rpartition(':')
        flows.add(('%s:%d' % (ha, int(pa) + 1), '%s:%d' % (hb, int(pb) + 1)))
        flows.add(('%s:%d' % (hb, int(pb) + 1), '%s:%d' % (ha, int(pa) + 1)))
    out, keys, hit = [], {}, set()
    for i, fr in enumerate(frames):
        ip = ip_layer(linktype, fr)
        fl = udp_flow(ip)
        k = frag_key(ip)
        if k:
            keys[i] = k
        if (fl and (fl[0], fl[1]) in flows) or (ip and cid in ip):
            out.append(i)
            if k:
                hit.add(k)
    # every fragment of a datagram whose other fragment names the call (a
    # fragmented INVITE carries the Call-ID in one fragment only)
    out += [i for i, k in keys.items() if k in hit and i not in out]
    return sorted(out)


def frag_key(ip):
    """(version, src, dst, id) of an IP fragment, else None."""
    if not ip:
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20:
        if struct.unpack('>H', ip[6:8])[0] & 0x3fff:
            return (4, ip[12:16], ip[16:20], ip[4:6])
    elif ip[0] >> 4 == 6 and len(ip) >= 48 and ip[6] == 44:
        return (6, ip[8:24], ip[24:40], ip[44:48])
    return None


def stream_sample(linktype, frames, stream, n=160):
    """(udp payload, first n payload bytes) of a packet of the stream whose
    payload is varied (a tone, not silence), or (None, None)."""
    src, dst = norm_ep(stream['src']), norm_ep(stream['dst'])
    for fr in frames:
        fl = udp_flow(ip_layer(linktype, fr))
        if not fl or fl[0] != src or fl[1] != dst:
            continue
        pay = rtp_payload(fl[2])
        if pay and len(pay) >= n and len(set(pay[:n])) >= 24:
            return fl[2], pay[:n]
    return None, None


# ---- WAV -------------------------------------------------------------------

def wav_info(path):
    with wave.open(path, 'rb') as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()


def wav_compare(got, ref, tol=0.020):
    """Compares the downloaded WAV with the decoder's: returns a list of
    differences (empty = same length, same tones in the same places, same
    level per 20 ms window)."""
    diffs = []
    try:
        gi, ri = wav_info(got), wav_info(ref)
    except (OSError, EOFError, wave.Error) as e:
        return ['cannot read WAV: %s' % e]
    if gi[:3] != ri[:3]:
        diffs.append('format %s, decoder %s (channels, width, rate)' % (gi[:3], ri[:3]))
        return diffs
    if gi[3] != ri[3]:
        diffs.append('length %d frames (%.3f s), decoder %d frames (%.3f s)'
                     % (gi[3], gi[3] / gi[2], ri[3], ri[3] / ri[2]))
    with open(got, 'rb') as a, open(ref, 'rb') as b:
        if a.read() == b.read():
            return diffs
    rate, gch = tonecheck.read_wav(got)
    _, rch = tonecheck.read_wav(ref)
    for c in range(len(rch)):
        g, r = tonecheck.Channel(gch[c], rate), tonecheck.Channel(rch[c], rate)
        freqs = sorted(set([440, 1000] + tonecheck.scan_freqs(r)[:10]))
        for f in freqs:
            rs = [(s / rate, e / rate) for s, e, _ in r.segments(f, -40.0)]
            gs = [(s / rate, e / rate) for s, e, _ in g.segments(f, -40.0)]
            if len(rs) != len(gs) or any(abs(x[0] - y[0]) > tol or abs(x[1] - y[1]) > tol
                                         for x, y in zip(rs, gs)):
                diffs.append('ch%d %d Hz: tones at %s, decoder %s' % (
                    c, f, ['%.3f-%.3f' % x for x in gs], ['%.3f-%.3f' % x for x in rs]))
        # level per 20 ms window, where the decoder's output is not silent
        bad = 0
        for w in range(min(g.nwin, r.nwin)):
            lr, lg = r.ms[w], g.ms[w]
            if lr > 1e-6 and abs(tonecheck.db(lg ** 0.5) - tonecheck.db(lr ** 0.5)) > 1.0:
                bad += 1
        if bad:
            diffs.append('ch%d: %d window(s) of 20 ms differ in level by more than 1 dB' % (c, bad))
    return diffs
