#!/usr/bin/env python3
"""mkseeds_decoder.py - writes the seed corpus of the decoder's fuzz targets
(decode, netmon) into tests/fuzz/corpus/<target>/seed-*. Rerunning rewrites
the same files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def ipv4udp(src, sp, dst, dp, pl):
    u = struct.pack("!HHHH", sp, dp, 8 + len(pl), 0) + pl
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0x4000, 64, 17, 0,
                       bytes(src), bytes(dst)) + u


def ipv6udp(sp, dp, pl):
    u = struct.pack("!HHHH", sp, dp, 8 + len(pl), 0) + pl
    return struct.pack("!IHBB", 0x60000000, len(u), 17, 64) + bytes(15) + b"\x01" + \
        bytes(15) + b"\x02" + u


def rtp(pt, seq, ts, ssrc, pl):
    return struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + pl


def rec(kind, d, step, b):
    """fuzz_decode record: kind, dir, time step (1/16 ms), length, bytes"""
    return struct.pack("<BBHH", kind, d, step, len(b)) + b


A = [10, 0, 0, 1]
B = [10, 0, 0, 2]

# a short two-way call: PCMU one way, PCMA (dynamic PT 96) the other with
# seq and ts about to wrap, a duplicate, an RFC 4733 event
s = struct.pack("<H", 1500)
for k in range(20):
    s += rec(2, 0, 320, ipv4udp(A, 4000, B, 5000, rtp(0, k, k * 160, 0x1111,
                                                     bytes([0xFF] * 80 + [0x10] * 80))))
    s += rec(2, 1, 5, ipv4udp(B, 5000, A, 4000, rtp(96, 65530 + k, 0xFFFFFF00 + k * 160,
                                                    0x2222, bytes([0xD5] * 160))))
    if k == 5:
        s += rec(2, 0, 1, ipv4udp(A, 4000, B, 5000, rtp(0, k, k * 160, 0x1111,
                                                        bytes([0xFF] * 160))))
    if k == 7:
        s += rec(2, 0, 1, ipv4udp(A, 4000, B, 5000, rtp(101, k, k * 160, 0x1111,
                                                        bytes([1, 0x80, 0, 160]))))
put("decode", "call-g711", s)

# SSRC change with a timestamp jump, IPv6, direction unknown
s = struct.pack("<H", 3000)
for k in range(10):
    s += rec(2, 2, 320, ipv6udp(4000, 5000, rtp(8, k, k * 160, 0xAAAA, bytes([0xD5] * 160))))
for k in range(10):
    s += rec(2, 2, 320, ipv6udp(4000, 5000, rtp(8, 900 + k, 0x7FFFFFFF + k * 160, 0xBBBB,
                                                bytes([0x55] * 160))))
put("decode", "ssrc-change-v6", s)

# junk: a short IP header, SIP, a one-byte RTP
put("decode", "junk", struct.pack("<H", 100) + rec(2, 0, 0, b"\x45" + bytes(30)) +
    rec(1, 0, 0, b"INVITE") + rec(2, 1, 0, ipv4udp(A, 1, B, 2, b"\x80")))


def eth(p):
    return bytes(12) + b"\x08\x00" + p


frames = [eth(ipv4udp(A, 5060, B, 5060, b"INVITE sip:x SIP/2.0\r\n\r\n")),
          eth(ipv4udp(A, 4000, B, 5000, rtp(0, 1, 160, 1, bytes(160))))]
HDR = 128


def netmon(magic, minor, major, when, frame_hdr):
    body = b""
    offs = []
    for i, f in enumerate(frames):
        offs.append(HDR + len(body))
        body += frame_hdr(i, f) + f
    tab = HDR + len(body)
    h = magic + struct.pack("<BBH8HII", minor, major, 1, *when, tab, 4 * len(frames))
    return h.ljust(HDR, b"\0") + body + b"".join(struct.pack("<I", o) for o in offs)


v2 = netmon(b"GMBU", 0, 2, (2020, 1, 3, 15, 12, 30, 0, 500),
            lambda i, f: struct.pack("<QII", i * 20000, len(f), len(f)))
put("netmon", "v2-eth", v2)
put("netmon", "v2-truncated", v2[:HDR + 40])
put("netmon", "v1-eth", netmon(b"RTSS", 1, 1, (1999, 12, 5, 31, 23, 59, 59, 999),
                               lambda i, f: struct.pack("<IHH", i * 20, len(f), len(f))))
