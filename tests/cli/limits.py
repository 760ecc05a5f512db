#!/usr/bin/env python3
"""limits.py - hostile XML of up to 10 MB finishes or is refused fast.

Issue 11 item 4 (kmsxchg(5) LIMITS): for each limit of the scan that runs
before libxml2 (text, refs, attrs, depth, key), a hostile input built
here is refused with exit 1 and a KX001 finding naming the limit and its
KMSXCHG_LIMITS override, within 10 s and 256 MiB of peak RSS (each takes
well under 1 s here; libxml2 2.9.14 alone takes 13 s to 60 s on several
of them).  Raising a limit with KMSXCHG_LIMITS lets the same input past
the scan; a malformed KMSXCHG_LIMITS is a usage error; a 10 MB document
of many ordinary keys is not refused by any limit.

Usage: limits.py KMSXCHG SAMPLES_DIR
"""
import os
import subprocess
import sys
import tempfile
import time

KX, SAMPLES = sys.argv[1], sys.argv[2]
TIMEOUT = 10			# generous for a loaded 2-core CI machine
MAX_RSS_KB = 256 * 1024
NS = 'urn:kmsxchg:xml:ns:1'
GPNS = 'http://namespaces.globalplatform.org/systems-profiles/1.1.0'
PNS = 'urn:kmsxchg:xml:ns:policy:1'
MB = 10_000_000
fails = 0
passes = 0


def native(header_extra='', comment='c', comment_attrs='', body=''):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<KeyExchange xmlns="%s" version="1"><Header><Id>X</Id>'
            '<Created>2026-01-05T09:30:00Z</Created>%s'
            '<Comment%s>%s</Comment></Header>%s</KeyExchange>\n'
            % (NS, header_extra, comment_attrs, comment, body))


def gp(desc='d', attrs=''):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<KeyProfile xmlns="%s" UniqueID="FF01" ProfileVersion="1.1.0" '
            'ErrataVersion="0"%s><Description>%s</Description>'
            '</KeyProfile>\n' % (GPNS, attrs, desc))


def attrs(n):
    return ''.join(' a%d=""' % i for i in range(n))


def run(args, env_extra=None):
    """Run kmsxchg; return (rc, output, seconds, peak RSS in KB)."""
    env = dict(os.environ)
    env.pop('KMSXCHG_LIMITS', None)
    env.update(env_extra or {})
    with tempfile.TemporaryFile() as errf:
        t0 = time.monotonic()
        p = subprocess.Popen([KX] + args, stdout=errf, stderr=errf,
                             env=env)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.monotonic() - t0 > TIMEOUT:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -9
                return None, 'timed out after %d s' % TIMEOUT, TIMEOUT, 0
            time.sleep(0.01)
        secs = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode('utf-8', 'replace')
    return p.returncode, err, secs, ru.ru_maxrss


def check(name, ok, detail):
    global fails, passes
    if ok:
        passes += 1
        print('ok: %s' % name)
    else:
        fails += 1
        print('FAIL: %s: %s' % (name, detail))


def write_in_child(path, make):
    """Write make() to path from a forked child, so that this process
    never holds the big text and the peak RSS measured for kmsxchg is
    not that of a copy of it (a child's maximum RSS includes its life
    before exec)."""
    pid = os.fork()
    if pid == 0:
        try:
            with open(path, 'w') as f:
                f.write(make())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return os.path.getsize(path)


def refused(name, make, limit, where=None, rcs=(1,)):
    """The text make() builds is refused by LIMIT, fast and small."""
    d = tempfile.mkdtemp()
    path = os.path.join(d, 'in.xml')
    size = write_in_child(path, make)
    args = ['validate', path] if where is None else where(path)
    rc, err, secs, rss = run(args)
    os.unlink(path)
    os.rmdir(d)
    want = 'KMSXCHG_LIMITS=%s=N' % limit
    check('%s (%d bytes): refused by the %s limit in %.2f s, %d KB'
          % (name, size, limit, secs, rss),
          rc in rcs and want in err and 'KX001' in err and
          secs < TIMEOUT and rss < MAX_RSS_KB,
          'rc=%s secs=%.2f rss=%d KB stderr=%s'
          % (rc, secs, rss, err.strip()[:300]))


def main():
    # text: one text node of 10 MB (native) and one attribute value.
    refused('text node of 10 MB', lambda: native(comment='a' * MB), 'text')
    refused('attribute value of 10 MB',
            lambda: native(comment_attrs=' a="%s"' % ('b' * MB)), 'text')
    # refs: two million references in one text node (38 s in 2.9.14),
    # and 800,000 CDATA sections merged into one (the same quadratic).
    refused('2,000,000 &amp; in one text node',
            lambda: native(comment='&amp;' * 2_000_000), 'refs')
    refused('800,000 CDATA sections in one text node',
            lambda: native(comment='<![CDATA[a]]>' * 800_000), 'refs')
    # attrs: 40,000 attributes on one element (13 s in 2.9.14); in a GP
    # KeyProfile and in a policy as well (the DOM readers).
    refused('40,000 attributes on one element',
            lambda: native(comment_attrs=attrs(40_000)), 'attrs')
    refused('GP: 40,000 attributes on the KeyProfile',
            lambda: gp(attrs=attrs(40_000)), 'attrs')
    pol = ('<?xml version="1.0" encoding="UTF-8"?>\n<policy xmlns="%s" '
           'name="p"%s/>\n' % (PNS, attrs(40_000)))
    refused('policy: 40,000 attributes', lambda: pol, 'attrs',
            where=lambda p: ['validate', '--policy', p,
                             os.path.join(SAMPLES, 'exchange',
                                          'full-profile.xml')])
    # depth: 100,000 nested elements (the text of the scan names it).
    refused('100,000 nested elements',
            lambda: native(comment='', body='<e>' * 100_000 +
                           '</e>' * 100_000),
            'depth')
    # key: one native key of 5 MB of small elements; a GP KeyProfile
    # (one key) of 2 MB; both parse fine but would become a DOM many
    # times their size.  The 10 MB GP Description (984 MB peak for
    # 250 MB before) meets the text limit first.
    refused('native key of 5 MB',
            lambda: native(body='<Key><Profile>' +
                           '<Usage>encrypt</Usage>' * (MB // 2 // 22) +
                           '</Profile></Key>'), 'key')
    refused('GP KeyProfile with a 10 MB Description',
            lambda: gp(desc='d' * MB), 'text')
    refused('GP KeyProfile of 2 MB of revisions',
            lambda: gp(desc='d</Description><Revisions>' +
                       '<Revision Version="1.0.0" Date="2024-01-15"/>' *
                       (MB // 5 // 45) + '</Revisions><Description>d'),
            'key')

    # Overridable: the same input with the limit raised gets past the
    # scan (and fails on the schema instead); a bad override is exit 2.
    d = tempfile.mkdtemp()
    path = os.path.join(d, 'in.xml')
    with open(path, 'w') as f:
        f.write(native(comment_attrs=attrs(100)))
    rc, err, _, _ = run(['validate', path])
    check('100 attributes refused by default', rc == 1 and
          'KMSXCHG_LIMITS=attrs=N' in err, err.strip()[:300])
    rc, err, _, _ = run(['validate', path], {'KMSXCHG_LIMITS': 'attrs=200'})
    check('KMSXCHG_LIMITS=attrs=200 lets 100 attributes past the scan',
          rc == 1 and 'KMSXCHG_LIMITS' not in err and 'KX002' in err,
          err.strip()[:300])
    rc, err, _, _ = run(['validate', path],
                        {'KMSXCHG_LIMITS': 'text=5,attrs=200'})
    check('KMSXCHG_LIMITS=text=5,attrs=200 refuses by text', rc == 1 and
          'KMSXCHG_LIMITS=text=N' in err, err.strip()[:300])
    for bad in ('attrs', 'attrs=', 'attrs=0', 'nope=5', 'attrs=5x',
                'attrs=99999999999'):
        rc, err, _, _ = run(['validate', path], {'KMSXCHG_LIMITS': bad})
        check('KMSXCHG_LIMITS=%s is a usage error' % bad,
              rc == 2 and 'KMSXCHG_LIMITS' in err, err.strip()[:300])
    os.unlink(path)

    # Many keys are fine: a 10 MB document of ordinary keys reads.
    src = open(os.path.join(SAMPLES, 'exchange',
                            'isd-keys.profile.xml')).read()
    i, j = src.index('<Key>'), src.index('</Key>') + 6
    key = src[i:j]
    parts, size, n = [src[:i]], i, 0
    while size < MB:
        k = key.replace('ISD-KVN30-ENC', 'K%06d' % n)
        parts.append(k)
        size += len(k)
        n += 1
    parts.append(src[src.rindex('</Key>') + 6:])
    with open(path, 'w') as f:
        f.write(''.join(parts))
    rc, err, secs, _ = run(['convert', '--to', 'der', '-o',
                            os.path.join(d, 'out.der'), path])
    check('%d keys in 10 MB convert without a limit (%.2f s)' % (n, secs),
          rc == 0 and 'KMSXCHG_LIMITS' not in err and
          os.path.getsize(os.path.join(d, 'out.der')) > MB // 10,
          'rc=%s %s' % (rc, err.strip()[:300]))
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
    print('%d passed, %d failed' % (passes, fails))
    return 1 if fails else 0


sys.exit(main())
