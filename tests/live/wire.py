#!/usr/bin/env python3
"""wire.py - what tcpdump saw of the live test call (python3 stdlib only).

Reads a pcap (Ethernet, IPv4, UDP; what tcpdump -i tr0 writes on the test's
veth) and prints one JSON object: the call's packets as the independent truth
the sniffer's ring is compared with.
  udp          UDP packets between the two test addresses (SIP + RTP)
  sip          UDP packets to or from port 5060
  rtp_a_to_b   packets from A:RTP_A to B:RTP_B (caller->callee)
  rtp_b_to_a   packets from B:RTP_B to A:RTP_A (callee->caller)
  t_first, t_last       times of the first and last of those UDP packets
  rtp_a_first, rtp_b_first  first RTP packet of each direction, seconds after t_first
usage: wire.py PCAP A_IP A_RTP B_IP B_RTP
"""
import json
import socket
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack('<I', hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = '<'
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            e = '>'
        else:
            raise SystemExit('wire.py: %s is not a pcap file' % path)
        div = 1e9 if magic in (0xa1b23c4d, 0x4d3cb2a1) else 1e6
        linktype = struct.unpack(e + 'I', hdr[20:24])[0]
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, frac, incl, _orig = struct.unpack(e + 'IIII', rh)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec + frac / div, linktype, data


def udp_of(linktype, d):
    if linktype == 1:                       # Ethernet
        if len(d) < 14:
            return None
        et, off = struct.unpack('>H', d[12:14])[0], 14
        while et in (0x8100, 0x88a8) and len(d) >= off + 4:
            et, off = struct.unpack('>H', d[off + 2:off + 4])[0], off + 4
    elif linktype == 113:                   # Linux SLL (tcpdump -i any)
        if len(d) < 16:
            return None
        et, off = struct.unpack('>H', d[14:16])[0], 16
    else:
        return None
    if et != 0x0800 or len(d) < off + 20:
        return None
    ihl = (d[off] & 0x0f) * 4
    if d[off + 9] != 17 or len(d) < off + ihl + 8:
        return None
    src = socket.inet_ntoa(d[off + 12:off + 16])
    dst = socket.inet_ntoa(d[off + 16:off + 20])
    sp, dp = struct.unpack('>HH', d[off + ihl:off + ihl + 4])
    return src, sp, dst, dp


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    path, a, ap, b, bp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    r = {'udp': 0, 'sip': 0, 'rtp_a_to_b': 0, 'rtp_b_to_a': 0,
         't_first': None, 't_last': None, 'rtp_a_first': None, 'rtp_b_first': None}
    for ts, lt, d in packets(path):
        u = udp_of(lt, d)
        if u is None or {u[0], u[2]} != {a, b}:
            continue
        src, sp, dst, dp = u
        r['udp'] += 1
        if r['t_first'] is None:
            r['t_first'] = ts
        r['t_last'] = ts
        if sp == 5060 or dp == 5060:
            r['sip'] += 1
        elif (src, sp, dst, dp) == (a, ap, b, bp):
            r['rtp_a_to_b'] += 1
            if r['rtp_a_first'] is None:
                r['rtp_a_first'] = ts - r['t_first']
        elif (src, sp, dst, dp) == (b, bp, a, ap):
            r['rtp_b_to_a'] += 1
            if r['rtp_b_first'] is None:
                r['rtp_b_first'] = ts - r['t_first']
    print(json.dumps(r))


if __name__ == '__main__':
    main()
