#!/usr/bin/env python3
"""g711check.py - checks threatrec-pcapgen's G.711 encoders against a reference.

usage: g711check.py PCAPGEN pcmu|pcma
Runs `PCAPGEN --g711-table LAW` (the code of every 16-bit input, -32768 ..
32767) and compares it with the reference algorithm of ITU-T G.711 as given
in the Sun/CCITT reference code (written again here, independently of the C
encoder), and with Python's audioop where this Python still has it.
Prints the first mismatches; exit status 0 when all 65,536 codes agree.
"""
import subprocess
import sys
import warnings

SEG_U = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]
SEG_A = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]


def seg_of(v, table):
    for i, end in enumerate(table):
        if v <= end:
            return i
    return len(table)


def ulaw(pcm):
    v = pcm >> 2                      # 14-bit sample
    mask = 0xFF
    if v < 0:
        v, mask = -v, 0x7F
    v = min(v, 8159) + 33             # clip, add the bias
    seg = seg_of(v, SEG_U)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((v >> (seg + 1)) & 0x0F)) ^ mask


def alaw(pcm):
    v = pcm >> 3                      # 13-bit sample
    mask = 0xD5
    if v < 0:
        v, mask = -v - 1, 0x55
    seg = seg_of(v, SEG_A)
    if seg >= 8:
        return 0x7F ^ mask
    q = (v >> 1) if seg < 2 else (v >> seg)
    return ((seg << 4) | (q & 0x0F)) ^ mask


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ('pcmu', 'pcma'):
        print(__doc__, file=sys.stderr)
        return 2
    law = sys.argv[2]
    got = subprocess.run([sys.argv[1], '--g711-table', law], capture_output=True, check=True).stdout
    if len(got) != 65536:
        print('FAIL: %d codes, expected 65536' % len(got))
        return 1
    enc = ulaw if law == 'pcmu' else alaw
    refs = [('reference', bytes(enc(i) for i in range(-32768, 32768)))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            import audioop
        import struct
        pcm = struct.pack('<65536h', *range(-32768, 32768))
        refs.append(('audioop', audioop.lin2ulaw(pcm, 2) if law == 'pcmu' else audioop.lin2alaw(pcm, 2)))
    except ImportError:
        pass
    bad = 0
    for name, ref in refs:
        diff = [i for i in range(65536) if ref[i] != got[i]]
        for i in diff[:5]:
            print('FAIL: %s input %d: pcapgen 0x%02x, %s 0x%02x' % (law, i - 32768, got[i], name, ref[i]))
        if diff:
            print('FAIL: %s: %d of 65536 codes differ from %s' % (law, len(diff), name))
            bad = 1
    if not bad:
        print('OK: %s encoder matches %s for all 65536 inputs' % (law, ' and '.join(n for n, _ in refs)))
    return bad


if __name__ == '__main__':
    sys.exit(main())
