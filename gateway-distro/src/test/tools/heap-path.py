#!/usr/bin/env python3
"""Why is a replaced bundle revision still in memory?

Usage: heap-path.py DUMP.hprof BUNDLE-SYMBOLIC-NAME

Prints every Felix bundle class loader in the heap dump with its revision ("<bundle id>.<n>"),
then, for each loader of the named bundle, the shortest chain of references from a GC root to
it (weak and phantom references are not followed; soft ones are, since a full GC keeps them).
The current revision is reachable from its Bundle, as it should be; an older revision reachable
from anything is the leak, and the chain says who holds it. Dumps come from BundleSwapLeakIT
with -Dpalisade.swap.heapdump=PREFIX (docs/testing.md) or from `jcmd <pid> GC.heap_dump`.
Needs Python 3 only; reads 64-bit-identifier HPROF 1.0.2 as written by HotSpot.
"""
import mmap, struct, sys
from collections import deque

path, want = sys.argv[1], sys.argv[2]
f = open(path, 'rb'); m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
end = m.find(b'\0'); ids = struct.unpack('>I', m[end+1:end+5])[0]; pos = end + 1 + 4 + 8
assert ids == 8
def rid(p): return struct.unpack_from('>Q', m, p)[0]
SIZES = {2: 8, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
strings = {}; class_name = {}; classes = {}; objs = {}; roots = []
while pos < len(m):
    tag = m[pos]; length = struct.unpack_from('>I', m, pos + 5)[0]; body = pos + 9; pos = body + length
    if tag == 0x01:
        strings[rid(body)] = m[body+8:body+length].decode('utf-8', 'replace')
    elif tag == 0x02:
        class_name[rid(body+4)] = rid(body+16)
    elif tag in (0x0C, 0x1C):
        p = body; stop = body + length
        while p < stop:
            st = m[p]; p += 1
            if st == 0xFF: roots.append((rid(p), 'unknown')); p += 8
            elif st == 0x01: roots.append((rid(p), 'jni-global')); p += 16
            elif st == 0x02: roots.append((rid(p), 'jni-local')); p += 16
            elif st == 0x03: roots.append((rid(p), 'java-frame thread#%d' % struct.unpack_from('>I', m, p+8)[0])); p += 16
            elif st == 0x04: roots.append((rid(p), 'native-stack')); p += 12
            elif st == 0x05: roots.append((rid(p), 'sticky-class')); p += 8
            elif st == 0x06: roots.append((rid(p), 'thread-block')); p += 12
            elif st == 0x07: roots.append((rid(p), 'monitor')); p += 8
            elif st == 0x08: roots.append((rid(p), 'thread-object #%d' % struct.unpack_from('>I', m, p+8)[0])); p += 16
            elif st == 0x20:
                cid = rid(p); sup = rid(p+12); loader = rid(p+20); pd = rid(p+36)
                q = p + 8 + 4 + 8*6 + 4
                cp = struct.unpack_from('>H', m, q)[0]; q += 2
                for _ in range(cp):
                    t = m[q+2]; q += 3 + SIZES[t]
                ns = struct.unpack_from('>H', m, q)[0]; q += 2
                statics = []
                for _ in range(ns):
                    name = rid(q); t = m[q+8]; q += 9
                    if t == 2: statics.append((strings.get(name, '?'), rid(q)))
                    q += SIZES[t]
                nf = struct.unpack_from('>H', m, q)[0]; q += 2
                fields = []
                for _ in range(nf):
                    fields.append((rid(q), m[q+8])); q += 9
                classes[cid] = (sup, loader, pd, statics, fields)
                objs[cid] = ('C', p)
                p = q
            elif st == 0x21:
                oid = rid(p); n = struct.unpack_from('>I', m, p+20)[0]
                objs[oid] = ('I', p); p += 24 + n
            elif st == 0x22:
                oid = rid(p); n = struct.unpack_from('>I', m, p+12)[0]
                objs[oid] = ('A', p); p += 24 + 8*n
            elif st == 0x23:
                oid = rid(p); n = struct.unpack_from('>I', m, p+12)[0]; t = m[p+16]
                p += 17 + n*SIZES[t]
            else:
                raise SystemExit('unknown subtag %x at %d' % (st, p))
def cname(cid): return strings.get(class_name.get(cid), '?%x' % cid)
layout_cache = {}
def layout(cid):
    if cid in layout_cache: return layout_cache[cid]
    out = []; c = cid
    while c and c in classes:
        for name, t in classes[c][4]: out.append((strings.get(name, '?'), t))
        c = classes[c][0]
    layout_cache[cid] = out; return out
def refs(oid):
    kind, p = objs[oid]
    if kind == 'C':
        sup, loader, pd, statics, _ = classes[oid]
        yield 'loader', loader; yield 'protectionDomain', pd; yield 'super', sup
        for n, v in statics: yield 'static ' + n, v
    elif kind == 'I':
        cid = rid(p+12); yield '<class>', cid
        q = p + 24
        for name, t in layout(cid):
            if t == 2: yield name, rid(q)
            q += SIZES[t]
    else:
        n = struct.unpack_from('>I', m, p+12)[0]; yield '<class>', rid(p+16)
        for i in range(n): yield '[%d]' % i, rid(p+24+8*i)
def typename(oid):
    kind, p = objs[oid]
    if kind == 'C': return 'class ' + cname(oid)
    if kind == 'I': return cname(rid(p+12))
    return cname(rid(p+16))
def field(oid, fname):
    for n, v in refs(oid):
        if n == fname: return v
# find bundle class loaders and their revision ids via m_wiring.m_revision.m_id / m_symbolicName
def prim_string(oid):
    val = field(oid, 'value')
    if val is None: return '?'
    # find the primitive array: rescan not indexed; search by id in a small index built lazily
    return prims.get(val, '?')
prims = {}
def index_prims():
    pos = end + 1 + 4 + 8
    while pos < len(m):
        tag = m[pos]; length = struct.unpack_from('>I', m, pos + 5)[0]; body = pos + 9; pos = body + length
        if tag in (0x0C, 0x1C):
            p = body; stop = body + length
            while p < stop:
                st = m[p]; p += 1
                if st == 0x23:
                    oid = rid(p); n = struct.unpack_from('>I', m, p+12)[0]; t = m[p+16]
                    if t == 8 and n < 200: prims[oid] = m[p+17:p+17+n].decode('latin-1')
                    p += 17 + n*SIZES[t]
                elif st == 0x20:
                    q = p + 8 + 4 + 8*6 + 4
                    cp = struct.unpack_from('>H', m, q)[0]; q += 2
                    for _ in range(cp): t = m[q+2]; q += 3 + SIZES[t]
                    ns = struct.unpack_from('>H', m, q)[0]; q += 2
                    for _ in range(ns): t = m[q+8]; q += 9 + SIZES[t]
                    nf = struct.unpack_from('>H', m, q)[0]; q += 2 + 9*nf
                    p = q
                elif st == 0x21: n = struct.unpack_from('>I', m, p+20)[0]; p += 24 + n
                elif st == 0x22: n = struct.unpack_from('>I', m, p+12)[0]; p += 24 + 8*n
                else:
                    sizes = {0xFF: 8, 0x01: 16, 0x02: 16, 0x03: 16, 0x04: 12, 0x05: 8, 0x06: 12, 0x07: 8, 0x08: 16}
                    p += sizes[st]
index_prims()
targets = {}
for oid, (kind, p) in objs.items():
    if kind == 'I' and cname(rid(p+12)).endswith('BundleWiringImpl$BundleClassLoader'):
        w = field(oid, 'm_wiring'); rev = field(w, 'm_revision') if w in objs else None
        sym = prim_string(field(rev, 'm_symbolicName')) if rev in objs else '?'
        rid_ = prim_string(field(rev, 'm_id')) if rev in objs else '?'
        print('loader %x %s rev %s' % (oid, sym, rid_))
        if sym == want: targets[oid] = rid_
def is_soft(o):
    kind, p = objs[o]
    if kind != 'I': return False
    c = rid(p+12)
    while c and c in classes:
        if cname(c) == 'java/lang/ref/SoftReference' or cname(c) == 'java.lang.ref.SoftReference': return True
        c = classes[c][0]
    return False
# BFS from roots
parent = {}; seen = set(); dq = deque()
for r, why in roots:
    if r in objs and r not in seen:
        seen.add(r); parent[r] = (None, 'ROOT ' + why); dq.append(r)
found = {}
while dq and len(found) < len(targets):
    o = dq.popleft()
    if o in targets: found[o] = True
    for n, v in refs(o):
        if v and v in objs and v not in seen:
            # do not walk through weak/soft referents
            if n == 'referent' and not is_soft(o): continue
            seen.add(v); parent[v] = (o, n); dq.append(v)
for t, rev in targets.items():
    print('\n=== %s rev %s reachable: %s' % (want, rev, t in found))
    if t in found:
        chain = []; o = t
        while o is not None:
            po, n = parent[o]; chain.append('%s  (via %s)' % (typename(o), n)); o = po
        print('\n'.join(reversed(chain)))
