#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the hand-made seed inputs of the fuzz corpora.

Run from anywhere: python3 fuzz/gen-corpus.py. Each seed is a short,
documented input that drives one target down a path worth keeping (a
clean handshake, a protocol violation, ...). Inputs found by libFuzzer
are added next to them under their SHA-1 names.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(*v):
    return bytes(x & 0xff for x in v)


def u16(v):
    return struct.pack('<H', v & 0xffff)


def u32(v):
    return struct.pack('<I', v & 0xffffffff)


def u64(v):
    return struct.pack('<Q', v & 0xffffffffffffffff)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


# ---- ring: cfg byte (bit 0 ABI, bits 1-2 order, bit 7 start near 2^32),
# then opcodes (op % 13).
def ring():
    produce = lambda k: u8(0, k)
    rsp_near = lambda d: u8(1) + u16(d)
    rsp_any = lambda v: u8(2) + u32(v)
    slot = lambda i, b: u8(3) + u16(i) + u8(len(b)) + b
    consume = lambda k: u8(4, k)
    final = u8(5)
    req_near = lambda d: u8(7) + u16(d)
    req_any = lambda v: u8(8) + u32(v)
    rslot = lambda i, b: u8(9) + u16(i) + u8(len(b)) + b
    bconsume = lambda k: u8(10, k)
    respond = lambda k: u8(11, k)
    bfinal = u8(12)
    rsp = u64(3) + u8(0, 0) + u16(0xffff)
    for cfg in (0x00, 0x01, 0x82, 0x87):
        # Well-behaved traffic both ways, wrapping the ring.
        s = u8(cfg)
        for _ in range(3):
            s += produce(20) + rsp_near(20) + slot(0, rsp) + consume(255)
            s += final
            s += req_near(5) + rslot(1, u8(1, 11) + u16(0) + u64(7))
            s += bconsume(255) + respond(255) + bfinal
        write('ring', 'traffic-%02x' % cfg, s)
    # Producer indices beyond the ring and behind the consumer.
    write('ring', 'overflow-rsp', u8(0) + produce(4) + rsp_near(0x7fff) +
          consume(255) + final)
    write('ring', 'backwards-rsp', u8(1) + produce(4) + rsp_near(2) +
          consume(1) + rsp_near(-3) + consume(255))
    write('ring', 'overflow-req', u8(2) + req_any(0x80000000) +
          bconsume(255) + bfinal)
    write('ring', 'more-rsp-than-req', u8(0) + produce(1) + rsp_near(5) +
          consume(255))
    # Indirect and discard requests with hostile fields, both ABIs.
    ind = u8(6, 0) + u16(0xffff) + u64(9) + u64(1 << 63) + u16(0) + \
        u32(8) * 8
    dis = u8(5, 1) + u16(0) + u64(10) + u64(2 ** 64 - 1) + u64(2 ** 64 - 1)
    write('ring', 'indirect-discard', u8(0) + req_near(2) + rslot(0, ind) +
          rslot(1, dis) + bconsume(2) + respond(2) + u8(1) + req_near(4) +
          rslot(2, ind) + rslot(3, dis) + bconsume(2))
    write('ring', 'respond-unconsumed', u8(0) + req_near(3) + respond(5) +
          bconsume(1) + respond(5) + bfinal)


# ---- xenstore: records of flags, max selector, [u64], len, value.
def xenstore():
    def rec(value, sel=0xff, mx=None, flags=0):
        r = u8(flags, sel)
        if sel == 0xff:
            r += u64(mx if mx is not None else 2 ** 64 - 1)
        return r + u8(len(value)) + value
    write('xenstore', 'numbers',
          rec(b'512', 5) + rec(b'4096', 5) + rec(b'0', 0) +
          rec(b'18446744073709551615') + rec(b'18446744073709551616') +
          rec(b'4', 2) + rec(b'5', 2))
    write('xenstore', 'garbage',
          rec(b'') + rec(b'-1') + rec(b'+1') + rec(b' 1') + rec(b'1 ') +
          rec(b'0x10') + rec(b'1\x002') + rec(b'\x00') + rec(b'1e3'))
    write('xenstore', 'protocol',
          rec(b'x86_64-abi', 3) + rec(b'x86_32-abi', 3) +
          rec(b'x86_64-abi\x00', 3) + rec(b'x86_64-ab', 3))
    write('xenstore', 'absent', rec(b'7', 3, flags=1) + rec(b'7', 3, flags=2))


# ---- blkback: cfg (bit0 4K sectors, bits1-3 cache mode, bit3 latency,
# bit4 read-only, bits5-7 preset), cfg2 (seed, bit0 few persistent),
# handshake byte k, then opcodes (op % 10).
def blkback():
    def rw(op, nseg, sector, segs, kind=0):
        s = u8(0, kind, op % 9) + u16(sector)
        s += u8(nseg)
        for first, last, page in segs:
            s += u8(first | last << 4, page)
        return s
    push = u8(3)
    run = u8(4 | 0x40)
    reap = u8(5)
    data = lambda pg, off, b: u8(6, pg) + u16(off) + u8(len(b)) + b
    full = [(0, 7, 0)]
    base = rw(1, 1, 0, full) + rw(0, 1, 0, full) + rw(3, 0, 0, []) + \
        push + run + reap
    for cfg in (0x00, 0x01, 0x21, 0x48, 0x90, 0xe0):
        for k in (0x00, 0x01, 0x12, 0x1b):
            write('blkback', 'rw-%02x-%02x' % (cfg, k),
                  u8(cfg, 1, k) + base)
    # Each validator rule, on a 512-byte "linux" disk.
    bad = [
        rw(7, 1, 0, full),                 # unknown op
        rw(0, 0, 0, []),                   # no segments
        rw(0, 12, 0, [(0, 7, 0)] * 11),    # too many segments
        rw(0, 1, 0, [(5, 2, 0)]),          # first > last
        rw(0, 1, 0, [(0, 8, 0)]),          # page crossing
        rw(0, 1, 2047, [(0, 7, 0)]),       # past the end
        rw(0, 1, 0, [(0, 7, 0x80)]) + u32(0xdead),  # bad grant
    ]
    write('blkback', 'reject-rules',
          u8(0, 0, 0) + b''.join(bad) + push + run + reap)
    # Discard overflow and indirect requests (segments in data page 0).
    disc = u8(0, 0x20, 5) + u16(16) + u8(0) + u16(0) + u64(2 ** 64 - 8)
    segs = b''.join(u32(8 + 0) + u8(0, 7) + u16(0) for _ in range(16))
    ind = u8(0, 0, 6) + u16(0) + u8(1) + u16(16)
    ind_bad = u8(0, 0, 6) + u16(0) + u8(3) + u16(300)
    write('blkback', 'discard-indirect',
          u8(0, 0, 0) + data(0, 0, segs[:255]) + disc + ind + ind_bad +
          push + run + reap)
    # A raw slot, then req_prod beyond the ring.
    write('blkback', 'raw-and-overflow',
          u8(0, 0, 0) + u8(1, 1) + bytes(range(112)) + push + run + reap +
          u8(7 | 0x10) + u16(3) + run + reap)
    # Freeze, error rules, power loss.
    write('blkback', 'faults',
          u8(0x48, 0, 0) + u8(7 | 0x20) + rw(1, 1, 8, full) + push + run +
          u8(8 | 0x10, 0xff, 0, 0, 0) + rw(1, 1, 8, full) + push +
          u8(9 | 0x20) + u8(7) + run + reap)


# ---- blkfront: c0 (bit0 sane features, bits1-2 trusted, bit3 r/o,
# bit4 4K, bit5 fuzzed sectors), c1 (bit0 2 queues, bits1-2 order,
# bit3 no indirect, bit4 persistent, bit5 x86_32), c2, c3, then opcodes.
def blkfront():
    def io(k, op, units, off=0, queue=0):
        return u8(0, k, op, units, queue) + u16(off)
    run = lambda n=2: u8(2 | n << 4)
    take = u8(3)
    answer = lambda how=0x80, k=0: u8(4, how, k)
    base = io(0, 0, 8) + io(1, 1, 8, 8) + io(2, 2, 0) + io(3, 3, 8, 16)
    base += run() + take + answer() + answer() + answer() + answer()
    base += run()
    for c0 in (0x01, 0x03, 0x05, 0x11):
        for c1 in (0x00, 0x01, 0x06, 0x18, 0x20, 0x3f):
            write('blkfront', 'sane-%02x-%02x' % (c0, c1),
                  u8(c0, c1, 0, 0) + base)
    hostile = [
        ('bad-id', answer(0x80 | 1 << 3) + u64(12345)),
        ('bad-op', answer(0x80 | 2 << 3) + u8(9)),
        ('bad-status', answer(0x80 | 3 << 3) + u16(77)),
        ('error', answer(0x80 | 4 << 3)),
        ('eopnotsupp', answer(0x80 | 5 << 3)),
        ('twice', answer(0x80 | 0x40) + answer(0x80)),
        ('unasked', answer() + answer() + answer() + answer() + answer()),
        ('rsp-prod', u8(6 | 0x80) + u16(0x7000)),
        ('late-rewrite', answer() + u8(7, 0, 16) + b'\xff' * 16),
        ('late-map', u8(10, 0) + answer()),
        ('state-flip', u8(8, 0) + run() + u8(8, 4) + run()),
        ('resize', u8(9) + u16(8) + run()),
        ('removal', u8(11 | 0x80) + run(15)),
        ('suspend-resume', u8(11 | 0x40) + run() + u8(11) + run(4)),
    ]
    for name, ops in hostile:
        s = u8(0x01, 0, 0, 0) + io(0, 0, 8) + io(1, 1, 8) + run() + take
        write('blkfront', name, s + ops + run() + u8(3) + answer())
    # Garbage feature values (c0 bit 0 clear: one selector per key).
    write('blkfront', 'features-garbage',
          u8(0x20, 0, 0, 0) + u64(2 ** 64 - 1) + u8(8) + b'abcdefgh' +
          u8(7, 6) + u64(2 ** 63) + u8(5) + u32(0) + u8(1) * 20 + base)


def tcp4(payload=b'hello', flags=0x18):
    eth = b'\xff' * 6 + b'\x00\x16\x3e\x00\x00\x02' + b'\x08\x00'
    tcp = u16(1234)[::-1] + u16(80)[::-1] + u32(1)[::-1] + u32(0) + \
        u8(0x50, flags) + u16(8192)[::-1] + u16(0) + u16(0)
    tot = 20 + len(tcp) + len(payload)
    ip = u8(0x45, 0) + u16(tot)[::-1] + u16(1) + u16(0x4000)[::-1] + \
        u8(64, 6) + u16(0) + bytes([10, 0, 0, 1, 10, 0, 0, 2])
    return eth + ip + tcp + payload


# ---- netfront: c0 (bit0 sane features, bit1 mtu 9000, bits2-3
# trusted, bit4 2 queues, bit5 no sg, bit6 no tx csum, bit7 rx verify),
# c1 (seed; bit0 no split channels, bit1 no requeue, bit2 raw layout),
# then opcodes (op % 12).
def netfront():
    def send(frags, h=0, gso=None):
        s = u8(0, (h & ~3) | (len(frags) - 1))
        for f in frags:
            s += u16(len(f)) + f[:96]
        if gso is not None:
            s += u16(gso)
        return s
    run = lambda n=2: u8(2 | n << 4)
    take = u8(3)
    atx = lambda how=0x80: u8(4, how)
    def arx(pkt, how=0x80, off=None, flags=None):
        how |= (0x08 if off is not None else 0)
        how |= (0x40 if flags is not None else 0)
        s = u8(5, how, len(pkt))
        if off is not None:
            s += u16(off)
        s += pkt
        if flags is not None:
            s += u8(flags)
        return s
    def extra(etype, more, size, gtype, how=0x87):
        return u8(5, how, etype, more) + u16(size) + u8(gtype)
    pkt = tcp4()
    base = send([pkt]) + send([pkt[:20], pkt[20:]], h=1 << 2) + run() + \
        take + atx() + atx() + arx(pkt) + \
        arx(pkt, flags=0x02) + arx(pkt[:30], how=0, flags=0x04) + \
        arx(pkt[30:]) + arx(pkt, flags=0x08, how=0) + extra(1, 0, 1400, 1) + \
        run()
    for c0 in (0x01, 0x03, 0x11, 0x21, 0x41, 0x81):
        for c1 in (0x00, 0x01, 0x06):
            write('netfront', 'sane-%02x-%02x' % (c0, c1),
                  u8(c0, c1) + base)
    pre = u8(0x01, 0) + send([pkt]) + run() + take
    hostile = [
        ('tx-bad-id', atx(0x81) + u16(999)),
        ('tx-bad-status', atx(0x82) + u16(0x7fff)),
        ('tx-error', atx(0x83)),
        ('tx-dropped', atx(0x84)),
        ('tx-null', atx(0x85)),
        ('tx-twice', atx(0xa0) + atx(0x80)),
        ('tx-unasked', atx() + atx() + atx()),
        ('rx-past-page', arx(pkt, off=4090)),
        ('rx-bad-id', arx(pkt, how=0x81) + u16(77)),
        ('rx-bad-status', arx(pkt, how=0x82) + u16(0x7fff)),
        ('rx-dropped', arx(pkt, how=0x82) + u16(0xfffe)),
        ('rx-more-data', b''.join(arx(pkt[:8], flags=0x04)
                                  for _ in range(40))),
        ('rx-gso-zero', arx(pkt, flags=0x08) + extra(1, 0, 0, 1)),
        ('rx-extra-bad-type', arx(pkt, flags=0x08) + extra(5, 0, 9, 1)),
        ('rx-extra-chain', arx(pkt, flags=0x08) +
         b''.join(extra(2, 1, 0, 0) for _ in range(10))),
        ('rx-csum-blank', arx(pkt, flags=0x02) + arx(pkt[:20], flags=0x02)),
        ('rsp-prod', u8(7) + u16(0x4000) + u8(7 | 0x80) + u16(0xfff0)),
        ('raw-slot', atx(0) + u8(11) + u8(0) + b'\xff' * 12 + u8(7) +
         u16(1)),
        ('state-flip', u8(8, 0) + run() + u8(8, 4) + run()),
        ('removal', u8(9 | 0x80) + run(15)),
        ('suspend-resume', u8(9 | 0x40) + run() + u8(9) + run(4)),
        ('mcast', u8(10 | 0x80, 1) + run() + take + atx() + atx()),
        ('gso-send', send([pkt + b'x' * 1800], h=0x10 | 1 << 5, gso=100) +
         run() + take + atx() + atx() + atx()),
    ]
    for name, ops in hostile:
        write('netfront', name, pre + ops + run() + take)
    write('netfront', 'features-garbage',
          u8(0x00, 0) + u8(0, 5) + b'abcdef' + u8(4) + u64(2 ** 64 - 1) +
          u8(1) * 8 + base)


# ---- scenario: Lua text. The shipped scenarios are seeds too (copied,
# so that the corpus stays stable when they change).
def scenario():
    top = os.path.dirname(HERE)
    sdir = os.path.join(top, 'scenarios')
    for root, _, files in os.walk(sdir):
        for f in sorted(files):
            if f.endswith('.lua'):
                with open(os.path.join(root, f), 'rb') as fh:
                    write('scenario', 'shipped-' + f[:-4], fh.read())
    minimal = b'''scenario { name = "m", description = "d", duration = "10ms" }
vm { name = "vm0", vcpus = 1 }
disk { name = "d0", vm = "vm0", size = "1M" }
job { name = "j", disk = "d0", rw = "read", bs = "4k", iodepth = 1 }
expect { hangs = 0 }
'''
    write('scenario', 'minimal', minimal)
    bad = {
        'syntax': b'scenario { name = "x", \n',
        'runtime-error': b'error("boom")\n',
        'unknown-global': b'scenarioo { name = "x" }\n',
        'unknown-key': b'scenario { name = "x", nosuch = 1 }\n',
        'bad-size': minimal.replace(b'"1M"', b'"1Q"'),
        'neg-size': minimal.replace(b'"1M"', b'-1'),
        'huge-size': minimal.replace(b'"1M"', b'"99999999999999999999G"'),
        'bad-duration': minimal.replace(b'"10ms"', b'"10 parsecs"'),
        'bad-ref': minimal.replace(b'disk = "d0"', b'disk = "d9"'),
        'dup-name': minimal + b'vm { name = "vm0" }\n',
        'wrong-type': minimal.replace(b'vcpus = 1', b'vcpus = "one"'),
        'twice': minimal + b'scenario { name = "again" }\n',
        'variants': b'variants { { "a", "first" }, { "b", "second" } }\n' +
                    minimal.replace(b'"read"', b'pick { a = "read" }'),
        'loop': b'while true do end\n',
        'alloc': b'local s = string.rep("x", 1 << 40)\n',
        'recursion': b'local function f() return 1 + f() end f()\n',
        'hook': minimal + b'on_flush(1, function(ctx) ctx:power_cut("d0") end)\n',
        'param': minimal.replace(b'"10ms"', b'param("duration", "1s")'),
    }
    for name, text in bad.items():
        write('scenario', name, text)


if __name__ == '__main__':
    ring()
    xenstore()
    blkback()
    blkfront()
    netfront()
    scenario()
