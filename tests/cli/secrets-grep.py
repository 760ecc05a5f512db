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
Private keys too (issue 9): every unencrypted PEM or DER private key of
samples/keys, tests/data and the case's folder after its setup (keys
openssl made there), as its PKCS#8 DER (whole, in hex and base64, so a
PEM dump is caught: blobs are also searched with white space removed)
and its raw private values (RSA d, p, q, dP, dQ, qInv; the EC scalar;
the X25519/Ed25519/X448/Ed448 private bytes; any 8 bytes of them, as for
symmetric keys).  Not windows of the PKCS#8: its header and an RSA key's
modulus are public and appear in SubjectPublicKeyInfo, which outputs may
show.  Needs python3-cryptography (a missing module is a failure).
Also runs validate on the invalid samples in every report format.
The negative controls prove the grep finds a key that is printed, and a
private key dumped as PEM or hex.

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

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    print('FAIL: python3-cryptography is missing (needed for the private '
          'keys)')
    sys.exit(1)

SRC, BUILD = sys.argv[1], sys.argv[2]
SAMPLES = os.path.join(SRC, 'samples')
HEXRUN = re.compile(rb'[0-9A-Fa-f]{32,}')
HEXONLY = re.compile(rb'[0-9A-Fa-f]+')
HEXANY = re.compile(rb'[0-9A-Fa-f]{16,}')
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


def fixed(n, size):
    return n.to_bytes(size, 'big')


def private_key(data):
    """The private key an unencrypted PEM or DER file holds, or None."""
    for load in (serialization.load_pem_private_key,
                 serialization.load_der_private_key):
        try:
            return load(data, password=None)
        except Exception:
            continue
    return None


def private_needles(data):
    """(whole, secret): the hex of a private key's PKCS#8 DER (searched
    whole) and of its raw private values (searched by windows)."""
    k = private_key(data)
    if k is None:
        return set(), set()
    p8 = k.private_bytes(serialization.Encoding.DER,
                         serialization.PrivateFormat.PKCS8,
                         serialization.NoEncryption())
    secret = []
    if isinstance(k, rsa.RSAPrivateKey):
        n = k.private_numbers()
        size = (k.key_size + 7) // 8
        secret = [fixed(n.d, size)] + [
            fixed(v, (v.bit_length() + 7) // 8)
            for v in (n.p, n.q, n.dmp1, n.dmq1, n.iqmp)]
    elif isinstance(k, ec.EllipticCurvePrivateKey):
        secret = [fixed(k.private_numbers().private_value,
                        (k.curve.key_size + 7) // 8)]
    else:
        try:
            secret = [k.private_bytes(serialization.Encoding.Raw,
                                      serialization.PrivateFormat.Raw,
                                      serialization.NoEncryption())]
        except (ValueError, TypeError):
            secret = []
    return ({p8.hex().upper().encode()},
            {s.hex().upper().encode() for s in secret})


def private_keys_in(paths):
    whole, secret = set(), set()
    for p in paths:
        try:
            data = open(p, 'rb').read()
        except OSError:
            continue
        if len(data) > 1 << 16:
            continue
        w, s = private_needles(data)
        whole |= w
        secret |= s
    return whole, secret


def whole_needles(hexval):
    """All of a value, in hex (both cases) and base64 (three alignments):
    for values whose parts may be public (PKCS#8)."""
    raw = bytes.fromhex(hexval.decode())
    out = {raw.hex().encode(), raw.hex().upper().encode()}
    for shift in range(3):
        b = base64.b64encode(b'\0' * shift + raw + b'\0\0\0')
        out.add(b[(8 * shift + 5) // 6:(8 * (shift + len(raw))) // 6])
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


NEEDLES = {}


def cached(kind, k):
    if (kind, k) not in NEEDLES:
        ns = needles(k) if kind == 'key' else whole_needles(k)
        hexes = {n.upper() for n in ns if HEXONLY.fullmatch(n)}
        NEEDLES[(kind, k)] = (hexes, [n for n in ns
                                      if not HEXONLY.fullmatch(n)])
    return NEEDLES[(kind, k)]


def hex_windows(data, sizes):
    """Every substring of the given sizes of each hex run, upper case."""
    out = set()
    for m in HEXANY.finditer(data):
        run = m.group(0).upper()
        for size in sizes:
            for i in range(len(run) - size + 1):
                out.add(run[i:i + size])
    return out


def scan(label, blobs, keys, whole=()):
    """Return the leaks: (where, key) for each key (any 8 bytes of it) or
    whole value (all of it) found in a blob, as it is or with its white
    space (and colons) removed (a PEM, a hex dump across lines, openssl's
    -text).  Hex needles are
    looked up among the blob's hex substrings; base64 ones searched."""
    leaks = []
    want = [(k, cached('key', k)) for k in sorted(keys)] + \
        [(k, cached('whole', k)) for k in sorted(whole)]
    sizes = {len(n) for _, (hexes, _) in want for n in hexes}
    for where, data in blobs:
        # as is; without white space (PEM, hex across lines); without
        # colons too (openssl -text dumps 'a1:b2:...')
        views = (data, b''.join(data.split()),
                 b''.join(re.split(rb'[\s:]+', data)))
        found = set()
        for v in views:
            found |= hex_windows(v, sizes)
        for k, (hexes, others) in want:
            if not hexes.isdisjoint(found) or \
                    any(n in v for v in views for n in others):
                leaks.append((where, k.decode()))
    return leaks


def run_case(path, base_keys, base_whole):
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
        whole, secret = private_keys_in(before)
        whole |= base_whole
        keys |= secret
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
        return scan(path, blobs, keys, whole), None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    fails = 0
    base = sample_keys()
    pems = sorted(glob.glob(os.path.join(SAMPLES, 'keys', '*.pem')) +
                  glob.glob(os.path.join(SRC, 'tests', 'data', '*.pem')))
    base_whole, secret = private_keys_in(pems)
    base |= secret
    if len(base_whole) < 2:
        print('FAIL: no private keys read from %s' % ', '.join(pems))
        fails += 1
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
    # ... and a private key printed as PEM, as PKCS#8 hex across lines,
    # or any 8 bytes of its private value in hex.
    for pem in pems:
        data = open(pem, 'rb').read()
        w, s = private_needles(data)
        if not w:
            continue
        p8 = bytes.fromhex(next(iter(w)).decode())
        shown = [base64.encodebytes(p8),
                 b'\n'.join(p8.hex().encode()[i:i + 60]
                            for i in range(0, 2 * len(p8), 60)),
                 bytes.fromhex(next(iter(s)).decode())[3:11].hex().encode()]
        for b in shown:
            if not scan('control', [('control', out + b'..' + b + b'..')],
                        s, w):
                print('FAIL: negative control: %s of %s not found'
                      % (b[:16], os.path.basename(pem)))
                fails += 1
    cases = sorted(glob.glob(os.path.join(SRC, 'tests', 'cli', 'cases',
                                          '*.case')))
    n = 0
    for c in cases:
        if parse_case(c)[2] == 0:
            continue
        n += 1
        leaks, err = run_case(c, base, base_whole)
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
                     keys, base_whole)
        for where, k in leaks:
            print('FAIL: validate --format %s: key %s... in %s'
                  % (fmt, k[:8], where))
        fails += 1 if leaks else 0
    print('%d failing cases and 4 report formats checked; %d failed'
          % (n, fails))
    return 1 if fails else 0


sys.exit(main())
