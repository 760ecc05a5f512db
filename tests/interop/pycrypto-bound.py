"""pycrypto-bound.py KMSXCHG SRCDIR - the bound values of the sample
exchange documents, opened by python-cryptography from the DER alone, by
doc/bound-wrap.md: the associated data rebuilt from the DER (version 2: a
BoundContext of the header's id, created, sender, recipients and the
KeyProfile; version 1: the KeyProfile), K_siv by the SP 800-108 formula
with CMAC written out here, AES-SIV decryption, the documented key values
(samples/README.md) and the AadDigest = SHA-256(AD)."""
import hashlib
import os
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.cmac import CMAC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kxder import bound_values  # noqa: E402

KX, SRC = sys.argv[1], sys.argv[2]
TK = bytes([0x77]) * 32                   # samples/README.md
VALUES = {
    b"ISD-KVN30-ENC": bytes.fromhex("404142434445464748494A4B4C4D4E4F"),
    b"ISD-KVN30-MAC": bytes.fromhex("505152535455565758595A5B5C5D5E5F"),
    b"ISD-KVN30-DEK": bytes.fromhex("606162636465666768696A6B6C6D6E6F"),
}
METHODS = {b"header-profile-der-v2": 2, b"profile-der-v1": 1}
FAILS = []


def k_siv(kek, version):
    label = b"kmsxchg aes-siv-bound v%d" % version
    L = 2 * len(kek) * 8
    out = b""
    for i in range(1, L // 128 + 1):
        c = CMAC(algorithms.AES(kek))
        c.update(i.to_bytes(4, "big") + label + b"\0" + L.to_bytes(4, "big"))
        out += c.finalize()
    return out


def check(what, ok):
    if not ok:
        FAILS.append(what)
        print("FAIL:", what)


def verify(path, want_version):
    with open(path, "rb") as f:
        data = f.read()
    n = 0
    for kid, val, bind, ad2, ad1 in bound_values(data):
        v = METHODS.get(bind[0x80])
        check("%s %s: binding version %s" % (path, kid, v),
              v == want_version)
        ad = ad2 if v == 2 else ad1
        check("%s %s: AadDigest" % (path, kid),
              bind.get(0x81) == hashlib.sha256(ad).digest())
        p = AESSIV(k_siv(TK, v)).decrypt(val[0x84], [ad])
        check("%s %s: value" % (path, kid), p == VALUES[kid])
        n += 1
    check("%s: three keys" % path, n == 3)


def main():
    verify(os.path.join(SRC, "samples/exchange/manufacturer-to-issuer.der"),
           2)
    with tempfile.TemporaryDirectory(prefix="kx-bound-") as tmp:
        v1 = os.path.join(tmp, "v1.der")
        subprocess.run([KX, "convert", "--to", "der", "-o", v1, os.path.join(
            SRC, "samples/exchange/manufacturer-to-issuer-v1.xml")],
            check=True)
        verify(v1, 1)
    if FAILS:
        sys.exit(1)
    print("bound values of both sample versions verified independently")


main()
