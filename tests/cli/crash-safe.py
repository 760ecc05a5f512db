#!/usr/bin/env python3
"""crash-safe.py - SIGKILL during a large write leaves the old file or the
complete new one, and the next run removes the temporary file it left.

Issue 11 item 6.  A document of about 8,000 keys (built here from a
sample) is converted to 10 MB of XML onto a target holding an older
file, and killed with SIGKILL 24 times: 8 times at random points of the
whole run, 16 times at random points after its temporary file
(.kmsxchg.PID.XXXXXX beside the target) appeared, i.e. during the write,
fsync and rename.  After each kill the target must be byte for byte the
old file or the complete new one.  Then one more complete run must
leave no temporary file of a dead process, and keep one of a live one.

Usage: crash-safe.py KMSXCHG SAMPLES_DIR
"""
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

KX, SAMPLES = sys.argv[1], sys.argv[2]
fails = 0


def check(name, ok, detail=''):
    global fails
    print('%s: %s%s' % ('ok' if ok else 'FAIL', name,
                        '' if ok else ': ' + detail))
    if not ok:
        fails += 1


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def temps(folder):
    return sorted(f for f in os.listdir(folder)
                  if f.startswith('.kmsxchg.'))


def main():
    rnd = random.Random(os.environ.get('KX_CRASH_SEED', str(time.time())))
    work = tempfile.mkdtemp(prefix='kxcrash.')
    out_dir = os.path.join(work, 'out')
    os.mkdir(out_dir)
    target = os.path.join(out_dir, 'doc.xml')

    # The input: ~8,000 keys as DER (fast to read, 10 MB of XML out).
    src = open(os.path.join(SAMPLES, 'exchange',
                            'isd-keys.profile.xml')).read()
    i, j = src.index('<Key>'), src.index('</Key>') + 6
    parts = [src[:i]]
    for n in range(8000):
        parts.append(src[i:j].replace('ISD-KVN30-ENC', 'K%06d' % n))
    parts.append(src[src.rindex('</Key>') + 6:])
    big_xml = os.path.join(work, 'big.xml')
    with open(big_xml, 'w') as f:
        f.write(''.join(parts))
    big = os.path.join(work, 'big.der')
    new = os.path.join(work, 'new.xml')
    old = os.path.join(work, 'old.xml')
    for args in (['convert', '--to', 'der', '-o', big, big_xml],
                 ['convert', '--to', 'xml', '-o', new, big],
                 ['convert', '--to', 'xml', '-o', old,
                  os.path.join(SAMPLES, 'exchange', 'full-profile.xml')]):
        if subprocess.run([KX] + args).returncode != 0:
            check('set-up: kmsxchg %s' % ' '.join(args), False)
            return 1
    h_old, h_new = sha(old), sha(new)
    size_new = os.path.getsize(new)
    check('set-up: new file of %d bytes differs from the old one'
          % size_new, h_old != h_new and size_new > 5_000_000)
    t0 = time.monotonic()
    subprocess.run([KX, 'convert', '--to', 'xml', '-o',
                    os.path.join(work, 'timing.xml'), big], check=True)
    run_time = time.monotonic() - t0

    during = 0			# kills that left a temporary file
    seen = set()
    bad = []
    for k in range(24):
        with open(old, 'rb') as f, open(target, 'wb') as g:
            g.write(f.read())
        p = subprocess.Popen([KX, 'convert', '--to', 'xml', '-o', target,
                              big])
        if k < 8:
            time.sleep(rnd.uniform(0, run_time * 1.1))
        else:
            # Wait for the temporary file, then kill somewhere in the
            # write, fsync or rename.
            deadline = time.monotonic() + 30
            while not set(temps(out_dir)) - seen and p.poll() is None and \
                    time.monotonic() < deadline:
                pass
            time.sleep(rnd.uniform(0, 0.002))
        p.send_signal(signal.SIGKILL)
        p.wait()
        h = sha(target)
        if h not in (h_old, h_new):
            bad.append('kill %d: target is %d bytes, neither old nor new'
                       % (k, os.path.getsize(target)))
        if k >= 8 and set(temps(out_dir)) - seen:
            during += 1
        seen = set(temps(out_dir))
    check('24 kills: the target was always the old or the complete new '
          'file', not bad, '; '.join(bad))
    check('%d kills landed while the temporary file existed (>= 4)'
          % during, during >= 4)

    # The next run removes what a dead process left, not what a live
    # one is writing.
    dead = subprocess.Popen(['true'])
    dead.wait()
    live = subprocess.Popen(['sleep', '60'])
    for pid in (dead.pid, live.pid):
        open(os.path.join(out_dir, '.kmsxchg.%d.AbC123' % pid), 'w').close()
    rc = subprocess.run([KX, 'convert', '--to', 'xml', '-o', target,
                         big]).returncode
    left = temps(out_dir)
    live.kill()
    live.wait()
    check('the next run succeeds and writes the new file',
          rc == 0 and sha(target) == h_new)
    check('after it, the only temporary file is the live process\'s',
          left == ['.kmsxchg.%d.AbC123' % live.pid], ' '.join(left))
    for root, dirs, files in os.walk(work, topdown=False):
        for f in files:
            os.unlink(os.path.join(root, f))
        for d in dirs:
            os.rmdir(os.path.join(root, d))
    os.rmdir(work)
    print('%d failed' % fails)
    return 1 if fails else 0


sys.exit(main())
