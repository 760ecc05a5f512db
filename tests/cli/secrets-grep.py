#!/usr/bin/env python3
"""secrets-grep.py - no key material in any output of a failing command.

Issue 11 item 5.  Runs every CLI case whose expected exit status is not 0
(tests/cli/cases/*.case, format in run-case.sh) the way run-case.sh does,
with an audit file added (KMSXCHG_AUDIT) when the case sets none, and
greps everything the command produced -- stdout, stderr, every file it
created or changed in its folder (reports, audit lines, partial outputs)
-- for every known key: the sample keys of samples/README.md and
samples/keys, each file the case's setup made that holds one hex key or
a component, and hex: sources and VAR=HEX assignments on its lines; in
hex (upper and lower case) and base64 (at the three byte alignments).
Also runs validate on the invalid samples in every report format.
The negative control proves the grep finds a key that is printed.

Usage: secrets-grep.py SRCDIR BUILDDIR
"""
import base64
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC, BUILD = sys.argv[1], sys.argv[2]
SAMPLES = os.path.join(SRC, 'samples')
HEXRUN = re.compile(rb'[0-9A-Fa-f]{32,}')
MIN_KEY = 16			# bytes: nothing shorter is a key here
WINDOW = 8			# bytes of a key that must never show in hex


def parse_case(path):
    setup, cmd, rc = [], None, 0
    in_golden = False
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if in_golden:
            in_golden = line != '.'
            continue
        if line.startswith('setup:'):
            setup.append(line[6:])
        elif line.startswith('cmd:'):
            cmd = line[4:]
        elif line.startswith('rc:'):
            rc = int(line[3:].strip())
        elif line.startswith('stdout:'):
            in_golden = True
    return setup, cmd, rc


def keys_in_text(data):
    """Hex keys in text: hex: sources, VAR=HEX, value: lines, whole-hex
    files."""
    out = set()
    for m in re.finditer(rb'(?:hex:|=|value: *)([0-9A-Fa-f]{32,})', data):
        out.add(m.group(1))
    s = data.strip()
    if HEXRUN.fullmatch(s):
        out.add(s)
    return out


def sample_keys():
    keys = set()
    readme = open(os.path.join(SAMPLES, 'README.md'), 'rb').read()
    for m in re.finditer(rb'`([0-9A-Fa-f]{32,})`', readme):
        keys.add(m.group(1))
    keys |= keys_in_text(readme)
    comps = []
    for f in sorted(glob.glob(os.path.join(SAMPLES, 'keys', '*'))):
        ks = keys_in_text(open(f, 'rb').read())
        keys |= ks
        comps += list(ks)
    # The transport key the sample components make (xor).
    if comps:
        raw = [bytes.fromhex(c.decode()) for c in comps]
        if len(set(map(len, raw))) == 1:
            x = bytearray(len(raw[0]))
            for r in raw:
                x = bytearray(a ^ b for a, b in zip(x, r))
            keys.add(bytes(x).hex().encode())
    return keys


def needles(hexkey):
    """Byte strings that reveal the key: any 8 bytes of it in hex (both
    cases), all of it in base64."""
    raw = bytes.fromhex(hexkey.decode())
    out = set()
    # Any WINDOW bytes of it in hex: a message that shortens a value
    # still must not show part of a key.
    for i in range(len(raw) - WINDOW + 1):
        out.add(raw[i:i + WINDOW].hex().encode())
        out.add(raw[i:i + WINDOW].hex().upper().encode())
    for shift in range(3):
        b = base64.b64encode(b'\0' * shift + raw + b'\0\0\0')
        # The characters made of key bits only: bits [6c, 6c + 6) inside
        # [8 * shift, 8 * (shift + len)).
        first = (8 * shift + 5) // 6
        last = (8 * (shift + len(raw))) // 6
        out.add(b[first:last])
    return out


def snapshot(folder):
    snap = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            snap[p] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
    return snap


def env():
    e = dict(os.environ)
    e['PATH'] = os.path.join(BUILD, 'tools') + ':' + e['PATH']
    e['SAMPLES'] = SAMPLES
    e['KX_SRCDIR'] = SRC
    e['KX_BUILDDIR'] = BUILD
    e['LC_ALL'] = 'C'
    for v in ('KMSXCHG_AUDIT', 'KMSXCHG_OPERATOR', 'KMSXCHG_LIMITS'):
        e.pop(v, None)
    return e


def scan(label, blobs, keys):
    """Return the leaks: (where, key) for each key found in a blob."""
    leaks = []
    for k in sorted(keys):
        ns = needles(k)
        for where, data in blobs:
            if any(n in data for n in ns):
                leaks.append((where, k.decode()))
    return leaks


def run_case(path, base_keys):
    setup, cmd, _ = parse_case(path)
    work = tempfile.mkdtemp(prefix='kxsecrets.')
    try:
        w = os.path.join(work, 'w')
        os.mkdir(w)
        e = env()
        keys = set(base_keys)
        for s in setup + [cmd]:
            keys |= keys_in_text(s.encode())
        for s in setup:
            if subprocess.run(['sh', '-c', s], cwd=w, env=e,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode != 0:
                return None, 'setup failed: %s' % s
        before = snapshot(w)
        for p in before:
            keys |= keys_in_text(open(p, 'rb').read())
        if 'KMSXCHG_AUDIT' not in cmd and '--audit' not in cmd:
            e['KMSXCHG_AUDIT'] = os.path.join(work, 'audit.jsonl')
        p = subprocess.run(['sh', '-c', cmd], cwd=w, env=e,
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        blobs = [('stdout', p.stdout), ('stderr', p.stderr)]
        after = snapshot(work)
        for f, h in sorted(after.items()):
            if before.get(f) != h:
                blobs.append((os.path.relpath(f, work),
                              open(f, 'rb').read()))
        keys = {k for k in keys if len(k) // 2 >= MIN_KEY and
                len(k) % 2 == 0}
        return scan(path, blobs, keys), None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    fails = 0
    base = sample_keys()
    kx = os.path.join(BUILD, 'tools', 'kmsxchg')
    # Negative control: a command that prints a key is caught.
    key = b'000102030405060708090A0B0C0D0E0F'
    out = subprocess.run([kx, 'wrap', '--help'], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout
    for b in (key, key.lower(),
              base64.b64encode(b'x' + bytes.fromhex(key.decode()))):
        if not scan('control', [('control', out + b'..' + b + b'..')],
                    {key}):
            print('FAIL: negative control: %s not found' % b)
            fails += 1
    cases = sorted(glob.glob(os.path.join(SRC, 'tests', 'cli', 'cases',
                                          '*.case')))
    n = 0
    for c in cases:
        if parse_case(c)[2] == 0:
            continue
        n += 1
        leaks, err = run_case(c, base)
        name = os.path.basename(c)
        if err is not None:
            print('FAIL: %s: %s' % (name, err))
            fails += 1
        elif leaks:
            for where, k in leaks:
                print('FAIL: %s: key %s... in %s' % (name, k[:8], where))
            fails += 1
    # Reports: every invalid sample in every format.
    files = sorted(glob.glob(os.path.join(SAMPLES, 'invalid', '*')) +
                   glob.glob(os.path.join(SAMPLES, 'gp', 'invalid', '*')))
    for fmt in ('text', 'json', 'sarif', 'junit'):
        p = subprocess.run([kx, 'validate', '--format', fmt] + files,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env())
        keys = set(base)
        for f in files:
            if os.path.isfile(f):
                data = open(f, 'rb').read()
                for m in re.finditer(rb'(?:Clear>|Value=")\s*'
                                     rb'([0-9A-Fa-f]{32,})', data):
                    keys.add(m.group(1))
        leaks = scan(fmt, [('stdout', p.stdout), ('stderr', p.stderr)],
                     keys)
        for where, k in leaks:
            print('FAIL: validate --format %s: key %s... in %s'
                  % (fmt, k[:8], where))
        fails += 1 if leaks else 0
    print('%d failing cases and 4 report formats checked; %d failed'
          % (n, fails))
    return 1 if fails else 0


sys.exit(main())
