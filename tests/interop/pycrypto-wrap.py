"""pycrypto-wrap.py KMSXCHG - cross-check `kmsxchg wrap/unwrap/kcv` with
python-cryptography (run by pycrypto-wrap.sh).  Random keys each run; every
key source is a 0600 file in a private temporary folder."""
import os
import subprocess
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")  # TripleDES deprecation notices

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.keywrap import (
    aes_key_unwrap, aes_key_unwrap_with_padding, aes_key_wrap,
    aes_key_wrap_with_padding)

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    TripleDES = algorithms.TripleDES

KX = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="kx-pycrypto-")
# A cross-check of the wrapping itself, any key under any KEK: the
# strength rule (KX121, a KEK weaker than the key) only warns here.
POLICY = os.path.join(TMP, "weak-wrap-warns.xml")
with open(POLICY, "w") as f:
    f.write('<?xml version="1.0"?>\n<policy xmlns="urn:kmsxchg:xml:ns:'
            'policy:1" name="weak-wrap-warns">\n  <severity rule="KX121" '
            'level="warning"/>\n</policy>\n')
FAILS = []
COUNT = [0]


def put(name, data):
    path = os.path.join(TMP, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    os.close(fd)
    return path


def put_key(name, data):
    """A key source file: hex text, which is never ambiguous (a short raw
    value could be hex digits or text and is refused, kmsxchg(1))."""
    if data.startswith(b"-----BEGIN "):
        return put(name, data)
    return put(name, data.hex().encode() + b"\n")


def kx(*args):
    r = subprocess.run([KX] + list(args), capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("kmsxchg %s: exit %d: %s" % (
            " ".join(args[:2]), r.returncode, r.stderr.decode().strip()))
    return r.stdout


def check(what, ok):
    COUNT[0] += 1
    if not ok:
        FAILS.append(what)
        print("FAIL:", what)


def ours_wrap(alg, kek, key):
    out = os.path.join(TMP, "wrapped")
    kx("wrap", "--alg", alg, "--kek", "file:" + put_key("kek", kek),
       "--key", "file:" + put_key("key", key), "--policy", POLICY,
       "--force", "-o", out)
    with open(out, "rb") as f:
        return f.read()


def ours_unwrap(alg, kek, blob):
    out = os.path.join(TMP, "unwrapped")
    if os.path.exists(out):
        os.unlink(out)
    kx("unwrap", "--alg", alg, "--kek", "file:" + put_key("kek", kek),
       "--in", put("in", blob), "-o", out)
    with open(out, "rb") as f:
        return f.read()


def ours_unwrap_fails(alg, kek, blob):
    try:
        ours_unwrap(alg, kek, blob)
    except RuntimeError:
        return True
    return False


def ecb(alg, key, data):
    e = Cipher(alg(key), modes.ECB()).encryptor()
    return e.update(data) + e.finalize()


def cmac(alg, key, data):
    c = CMAC(alg(key))
    c.update(data)
    return c.finalize()


def main():
    # AES-KW (RFC 3394) and AES-KWP (RFC 5649)
    for kl in (16, 24, 32):
        for n in (16, 24, 32, 40):
            kek, key = os.urandom(kl), os.urandom(n)
            w = ours_wrap("aes-kw", kek, key)
            check("aes-kw %d/%d theirs unwraps ours" % (kl, n),
                  aes_key_unwrap(kek, w) == key)
            check("aes-kw %d/%d same bytes" % (kl, n),
                  w == aes_key_wrap(kek, key))
            check("aes-kw %d/%d ours unwraps theirs" % (kl, n),
                  ours_unwrap("aes-kw", kek, aes_key_wrap(kek, key)) == key)
        for n in (1, 7, 8, 9, 16, 20, 31, 32, 33):
            kek, key = os.urandom(kl), os.urandom(n)
            w = ours_wrap("aes-kwp", kek, key)
            check("aes-kwp %d/%d theirs unwraps ours" % (kl, n),
                  aes_key_unwrap_with_padding(kek, w) == key)
            t = aes_key_wrap_with_padding(kek, key)
            check("aes-kwp %d/%d same bytes" % (kl, n), w == t)
            check("aes-kwp %d/%d ours unwraps theirs" % (kl, n),
                  ours_unwrap("aes-kwp", kek, t) == key)
        bad = bytearray(aes_key_wrap(kek, os.urandom(16)))
        bad[5] ^= 1
        check("aes-kw tampered refused", ours_unwrap_fails("aes-kw", kek,
                                                           bytes(bad)))

    # tdea-ecb (GP DEK encryption): TDEA-ECB without padding
    for kl in (16, 24):
        kek, key = os.urandom(kl), os.urandom(16)
        w = ours_wrap("tdea-ecb", kek, key)
        check("tdea-ecb %d same bytes" % kl, w == ecb(TripleDES, kek, key))
        check("tdea-ecb %d ours unwraps theirs" % kl,
              ours_unwrap("tdea-ecb", kek, ecb(TripleDES, kek, key)) == key)

    # RSA-OAEP-SHA256 and RSA-AES-KWP (CKM_RSA_AES_KEY_WRAP layout)
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv_pem = priv.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    pub_pem = priv.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                        algorithm=hashes.SHA256(), label=None)
    for n in (16, 32):
        key = os.urandom(n)
        w = ours_wrap("rsa-oaep-sha256", pub_pem, key)
        check("rsa-oaep %d theirs decrypts ours" % n,
              priv.decrypt(w, oaep) == key)
        t = priv.public_key().encrypt(key, oaep)
        check("rsa-oaep %d ours decrypts theirs" % n,
              ours_unwrap("rsa-oaep-sha256", priv_pem, t) == key)
        w = ours_wrap("rsa-aes-kwp", pub_pem, key)
        eph = priv.decrypt(w[:256], oaep)
        check("rsa-aes-kwp %d layout: OAEP(AES-256) || KWP" % n,
              len(eph) == 32 and
              aes_key_unwrap_with_padding(eph, w[256:]) == key)
        eph = os.urandom(32)
        t = (priv.public_key().encrypt(eph, oaep) +
             aes_key_wrap_with_padding(eph, key))
        check("rsa-aes-kwp %d ours unwraps theirs" % n,
              ours_unwrap("rsa-aes-kwp", priv_pem, t) == key)

    # KCVs
    for kl in (16, 24, 32):
        key = os.urandom(kl)
        src = "file:" + put_key("kcvkey", key)
        gp = kx("kcv", "--alg", "aes", "--method", "gp", "--key", src)
        check("kcv aes gp %d" % kl, gp.strip().decode() ==
              ecb(algorithms.AES, key, b"\x01" * 16)[:3].hex().upper())
        z = kx("kcv", "--alg", "aes", "--method", "zero", "--key", src)
        check("kcv aes zero %d" % kl, z.strip().decode() ==
              ecb(algorithms.AES, key, bytes(16))[:3].hex().upper())
        c = kx("kcv", "--alg", "aes", "--method", "cmac", "--key", src)
        check("kcv aes cmac %d" % kl, c.strip().decode() ==
              cmac(algorithms.AES, key, bytes(16))[:5].hex().upper())
    for kl in (16, 24):
        key = os.urandom(kl)
        src = "file:" + put_key("kcvkey", key)
        gp = kx("kcv", "--alg", "tdea", "--method", "gp", "--key", src)
        check("kcv tdea gp %d" % kl, gp.strip().decode() ==
              ecb(TripleDES, key, bytes(8))[:3].hex().upper())
        c = kx("kcv", "--alg", "tdea", "--method", "cmac", "--key", src)
        check("kcv tdea cmac %d" % kl, c.strip().decode() ==
              cmac(TripleDES, key, bytes(8))[:5].hex().upper())

    print("%d checks, %d failed" % (COUNT[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        for f in os.listdir(TMP):
            os.unlink(os.path.join(TMP, f))
        os.rmdir(TMP)
    sys.exit(rc)
