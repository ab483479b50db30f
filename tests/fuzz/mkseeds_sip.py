#!/usr/bin/env python3
"""mkseeds_sip.py - writes the hand-made seed corpora of the SIP-side fuzz
targets (sip, sdp, pcapfile) into tests/fuzz/corpus/<target>/seed-*.
Rerunning rewrites the same files. Everything here is synthetic."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def sdp(ip, port, extra=""):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n%s"
            % (ip, ip, port, extra))


def sip(start, frm, to, cid, cseq, body="", extra=""):
    h = ("%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%d\r\nFrom: %s\r\nTo: %s\r\n"
         "Call-ID: %s\r\nCSeq: %s\r\n%s" % (start, len(start) * 7919 + len(cid), frm, to, cid, cseq, extra))
    if body:
        h += "Content-Type: application/sdp\r\n"
    return h + "Content-Length: %d\r\n\r\n%s" % (len(body), body)


A = "\"Alice\" <sip:1000@10.0.0.1>;tag=a1"
B = "<sip:2000@10.0.0.2>"
BT = "<sip:2000@10.0.0.2>;tag=b1"
CID = "seed@10.0.0.1"
INVITE = sip("INVITE sip:2000@10.0.0.2 SIP/2.0", A, B, CID, "1 INVITE", sdp("10.0.0.1", 4000),
             "P-Asserted-Identity: <sip:+15551000@pbx>, <tel:+15551000>\r\n")
OK = sip("SIP/2.0 200 OK", A, BT, CID, "1 INVITE", sdp("10.0.0.2", 5000, "a=rtcp-mux\r\n"))
ACK = sip("ACK sip:2000@10.0.0.2 SIP/2.0", A, BT, CID, "1 ACK")
BYE = sip("BYE sip:1000@10.0.0.1 SIP/2.0", BT, A, CID, "9 BYE")
BYE_OK = sip("SIP/2.0 200 OK", BT, A, CID, "9 BYE")

# --- sip
put("sip", "invite-sdp", INVITE)
put("sip", "200-sdp", OK)
put("sip", "bye-swapped", BYE)
put("sip", "compact", "SIP/2.0 183 Session Progress\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "f: <tel:+4930123>;tag=t1\r\nt: sip:bob@b;tag=t2\r\ni: short\r\nCSeq: 7 INVITE\r\nl: 0\r\n\r\n")
put("sip", "multipart", "INVITE sip:b@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "From: <sip:a@a>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: mp\r\nCSeq: 1 INVITE\r\n"
    "Content-Type: multipart/mixed;boundary=XX\r\nContent-Length: 105\r\n\r\n"
    "--XX\r\nContent-Type: application/isup\r\n\r\nabc\r\n"
    "--XX\r\nContent-Type: application/sdp\r\n\r\nv=0\r\ns=-\r\n\r\n--XX--\r\n")
put("sip", "bad-length", INVITE.replace("Content-Length: ", "Content-Length: 9"))

# --- sdp
put("sdp", "basic", sdp("10.0.0.1", 4000, "a=rtcp:4009\r\nm=video 4002 RTP/AVP 97\r\n"))
put("sdp", "ipv6-mux-lf", "v=0\no=- 1 1 IN IP6 ::1\ns=-\nt=0 0\nm=audio 5000 RTP/AVP 111\n"
    "c=IN IP6 2001:db8::7\na=rtpmap:111 opus/48000/2\na=rtcp-mux\nm=image 5008 udptl t38\n")
put("sdp", "hold-inactive", "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\nm=audio 0 RTP/AVP 8\r\nm=audio 4002 RTP/AVP 0\r\n"
    "c=IN IP4 1.2.3.4\r\na=inactive\r\n")


# --- pcapfile: Ethernet/IPv4/UDP frames in a classic pcap and a pcapng
def csum(b):
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b) - 1, 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, payload, ident=1, fragw=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, fragw, 64, 17, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def eth(ipb):
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ipb


def udp(src, sport, dst, dport, pl):
    if isinstance(pl, str):
        pl = pl.encode()
    return eth(ip4(src, dst, struct.pack("!HHHH", sport, dport, 8 + len(pl), 0) + pl))


def rtp(pt, seq, ssrc, payload=b"\xd5" * 160):
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + payload


def event(seq, ssrc, ev, end, dur):
    return struct.pack("!BBHIIBBH", 0x80, 101, seq, 8000, ssrc, ev, (0x80 if end else 0) | 10, dur)


def frames():
    t = 1700000000.0
    out = [(t, udp("10.0.0.1", 5060, "10.0.0.2", 5060, INVITE)),
           (t + 1, udp("10.0.0.2", 5060, "10.0.0.1", 5060, OK)),
           (t + 1.01, udp("10.0.0.1", 5060, "10.0.0.2", 5060, ACK))]
    for i in range(4):
        out.append((t + 1.02 + i * 0.02, udp("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(0, i, 1))))
        out.append((t + 1.03 + i * 0.02, udp("10.0.0.2", 5000, "10.0.0.1", 4000, rtp(0, i, 2))))
    out.append((t + 1.2, udp("10.0.0.2", 5000, "10.0.0.1", 4000,
                             struct.pack("!BBHI", 0x80, 200, 6, 2) + b"\0" * 20)))
    for i, (ev, end) in enumerate([(10, 0), (10, 1), (9, 0), (9, 1)]):
        out.append((t + 1.3 + i * 0.5, udp("10.0.0.1", 4000, "10.0.0.2", 5000,
                                           event(100 + i, 1, ev, end, 800))))
    out.append((t + 5, udp("10.0.0.2", 5060, "10.0.0.1", 5060, BYE)))
    out.append((t + 5.01, udp("10.0.0.1", 5060, "10.0.0.2", 5060, BYE_OK)))
    return out


def fragmented_invite():
    pl = INVITE.encode()
    dg = struct.pack("!HHHH", 5060, 5060, 8 + len(pl), 0) + pl
    first = 256
    f1 = eth(ip4("10.0.0.1", "10.0.0.2", dg[:first], ident=77, fragw=0x2000))
    f2 = eth(ip4("10.0.0.1", "10.0.0.2", dg[first:], ident=77, fragw=first // 8))
    return [(1700000000.0, f2), (1700000000.001, f1)]


def pcap(fr, linktype=1):
    b = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for t, d in fr:
        b += struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)), len(d), len(d)) + d
    return b


def pcapng(fr):
    def blk(t, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", t, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    b = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    b += blk(1, struct.pack("<HHI", 1, 0, 65535))
    for t, d in fr:
        us = int(round(t * 1e6))
        b += blk(6, struct.pack("<IIIII", 0, us >> 32, us & 0xffffffff, len(d), len(d)) + d)
    return b


put("pcapfile", "call", pcap(frames()))
put("pcapfile", "call-pcapng", pcapng(frames()[:6]))
put("pcapfile", "frag-invite", pcap(fragmented_invite()))
put("pcapfile", "truncated", pcap(frames())[:700])
