#!/usr/bin/env python3
"""mkseeds.py - writes the seed corpus of the packet-layer fuzz targets
(decap, ipfrag, rtp, rfc4733) into tests/fuzz/corpus/<target>/seed-*.
Run from anywhere; rerunning rewrites the same files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def csum(b):
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b) - 1, 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, payload, ident=1, fragw=0x4000, opts=b""):
    ihl = (20 + len(opts)) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload),
                    ident, fragw, 64, proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


V6A = bytes.fromhex("20010db8000000000000000000000001")
V6B = bytes.fromhex("20010db8000000000000000000000002")


def ipv6(nh, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + V6A + V6B + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(etype, payload, tags=()):
    h = bytes(range(12))
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", etype) + payload


SIP = b"INVITE sip:1000@example.com SIP/2.0\r\nCall-ID: a@b\r\n\r\n"
RTP = struct.pack("!BBHII", 0x80, 0x08, 1, 160, 0x1234) + bytes(160)

# decap: byte 0 picks the link type (see fuzz_decap.c dlts[])
u4 = ipv4(17, udp(5060, 5060, SIP))
put("decap", "eth-ipv4-udp", b"\x00" + eth(0x0800, u4))
put("decap", "eth-qinq", b"\x00" + eth(0x0800, u4, [(0x88A8, 200), (0x8100, 100)]))
put("decap", "eth-9100-arp", b"\x00" + eth(0x0806, bytes(28), [(0x9100, 5)]))
put("decap", "sll", b"\x01" + struct.pack("!HHH8sH", 0, 1, 6, bytes(8), 0x0800) + u4)
put("decap", "sll2", b"\x02" + struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, bytes(8)) + u4)
put("decap", "raw-ipv4-options", b"\x03" + ipv4(17, udp(1, 2, RTP), opts=b"\x01" * 8))
ext = bytes([43, 0]) + bytes(6) + bytes([60, 0]) + bytes(6) + bytes([17, 0]) + bytes(6)
put("decap", "raw-ipv6-ext", b"\x05" + ipv6(0, ext + udp(5060, 5062, SIP)))
put("decap", "ipv6-frag", b"\x07" + ipv6(44, bytes([17, 0, 0, 1]) + b"\0\0\0\x07" + bytes(64)))
put("decap", "null-le", b"\x08" + struct.pack("<I", 2) + u4)
put("decap", "loop-v6", b"\x09" + struct.pack("!I", 30) + ipv6(17, udp(1, 2, RTP)))
tcp = struct.pack("!HHIIBBHHH", 5060, 40000, 1, 0, 0x60, 0x18, 1024, 0, 0) + b"\x02\x04\x05\xb4" + SIP
put("decap", "raw-tcp", b"\x03" + ipv4(6, tcp))
put("decap", "ipv4-frag", b"\x00" + eth(0x0800, ipv4(17, udp(5060, 5060, SIP)[:24], 7, 0x2000)))

# ipfrag built mode: byte 0 = 1 (built, limit 1); records
# [step][flags][id][offset/8 (2 bytes)][len] + data (flags: 1 MF, 2 IPv6, 4 TCP)
def rec(step, flags, ident, off8, data):
    return bytes([step, flags, ident]) + struct.pack("!HB", off8, len(data)) + data


dg = udp(5060, 5060, SIP * 4)
parts = [dg[0:80], dg[80:160], dg[160:]]
seq = rec(1, 1, 7, 0, parts[0]) + rec(1, 1, 7, 10, parts[1]) + rec(1, 0, 7, 20, parts[2])
put("ipfrag", "v4-in-order", b"\x01" + seq)
seq = rec(1, 2, 9, 20, parts[2]) + rec(1, 3, 9, 0, parts[0]) + rec(1, 3, 9, 10, parts[1])
put("ipfrag", "v6-out-of-order", b"\x03" + seq)
seq = (rec(1, 1, 7, 0, parts[0]) + rec(0, 1, 7, 0, parts[0]) + rec(1, 1, 7, 10, parts[1]) +
       rec(1, 0, 7, 20, parts[2]) + rec(1, 0, 7, 20, parts[2]))
put("ipfrag", "v4-duplicates", b"\x01" + seq)
seq = rec(1, 1, 7, 0, parts[0]) + rec(1, 1, 7, 8, parts[1]) + rec(1, 0, 7, 20, parts[2])
put("ipfrag", "v4-overlap", b"\x01" + seq)
seq = rec(1, 1, 1, 0, parts[0]) + rec(1, 1, 2, 0, parts[0]) + rec(40, 0, 1, 10, parts[1])
put("ipfrag", "v4-timeout", b"\x01" + seq)
# raw mode: byte 0 = 0; records [step][len 2 bytes][raw IP frame]
f1 = ipv4(17, dg[:80], 5, 0x2000)
f2 = ipv4(17, dg[80:], 5, 10)
put("ipfrag", "raw-v4", b"\x00" + b"\x01" + struct.pack("!H", len(f1)) + f1 +
    b"\x01" + struct.pack("!H", len(f2)) + f2)

# rtp
put("rtp", "pcma", RTP)
put("rtp", "csrc-ext-pad", struct.pack("!BBHII", 0xB2, 0xE5, 2, 320, 0x99) + struct.pack("!II", 1, 2) +
    struct.pack("!HH", 0xBEDE, 1) + b"\x10\x01\x00\x00" + bytes(20) + b"\x00\x00\x03")
sr = struct.pack("!BBHIIIIII", 0x81, 200, 12, 0x99, 0xE0000000, 0, 160, 10, 1600) + bytes(24)
sdes = struct.pack("!BBHI", 0x81, 202, 3, 0x99) + b"\x01\x03abc\x00\x00\x00"
put("rtp", "rtcp-sr-sdes", sr + sdes)
rr = struct.pack("!BBHI", 0x80, 201, 1, 0x55)
bye = struct.pack("!BBHI", 0xA1, 203, 2, 0x55) + b"\x00\x00\x00\x04"
put("rtp", "rtcp-rr-bye", rr + bye)
put("rtp", "telephone-event", struct.pack("!BBHII", 0x80, 0xE5, 3, 480, 0x99) + b"\x0b\x8a\x03\x20")


# rfc4733: records [ts 4][len 1][payload]
def ev(ts, event, end, dur):
    return struct.pack("!IB", ts, 4) + struct.pack("!BBH", event, (0x80 if end else 0) | 10, dur)


s = b""
for i, d in enumerate([10, 9, 9]):
    ts = 1000 + i * 4000
    s += ev(ts, d, 0, 160) + ev(ts, d, 0, 320) + ev(ts, d, 1, 800) * 3
put("rfc4733", "star99", s)
put("rfc4733", "long-event", ev(100, 5, 0, 65535) + ev(100 + 65535, 5, 1, 800) + ev(90, 4, 1, 1))
put("rfc4733", "short", struct.pack("!IB", 5, 2) + b"\x01\x02")
