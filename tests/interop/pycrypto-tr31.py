"""pycrypto-tr31.py KMSXCHG SRCDIR - the TDEA binding (tr31-b-bound,
doc/bound-wrap.md section 10) judged by python-cryptography: kmsxchg
exports the SCP02 sample profiles under a 2-key and a 3-key TDEA transport
key; this script opens every TR-31 version B key block from the DER alone
(KBEK/KBMK by TDEA-CMAC of the X9.143 derivation data written out here,
TDEA-CBC with the MAC as IV, the CMAC checked), checks the optional block
0K = "KX2" || SHA-256(BoundContext) rebuilt from the DER, then writes
fresh blocks of its own (new padding) that kmsxchg import must accept."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kxder import bound_values  # noqa: E402

KX, SRC = sys.argv[1], sys.argv[2]
PROFILE = os.path.join(SRC, "samples/exchange/isd-keys-scp02.profile.xml")
VALUES = {
    b"ISD-KVN20-ENC": bytes.fromhex("404142434445464748494A4B4C4D4E4F"),
    b"ISD-KVN20-MAC": bytes.fromhex("505152535455565758595A5B5C5D5E5F"),
    b"ISD-KVN20-DEK": bytes.fromhex("606162636465666768696A6B6C6D6E6F"),
}
FAILS = []


def check(what, ok):
    if not ok:
        FAILS.append(what)
        print("FAIL:", what)


def cmac(key, data):
    c = CMAC(algorithms.TripleDES(key))
    c.update(data)
    return c.finalize()


def derive(kbpk):
    alg, bits = (b"\0\0", 128) if len(kbpk) == 16 else (b"\0\1", 192)
    keys = []
    for usage in (b"\0\0", b"\0\1"):
        k = b""
        for i in range(1, len(kbpk) // 8 + 1):
            k += cmac(kbpk, bytes([i]) + usage + b"\0" + alg +
                      bits.to_bytes(2, "big"))
        keys.append(k)
    return keys


def tdea_cbc(key, iv, data, enc):
    c = Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    op = c.encryptor() if enc else c.decryptor()
    return op.update(data) + op.finalize()


def header_len(blk):
    pos, nopt = 16, int(blk[12:14])
    for _ in range(nopt):
        pos += int(blk[pos + 2:pos + 4], 16)
    return pos


def opt_blocks(blk):
    pos, out = 16, {}
    for _ in range(int(blk[12:14])):
        n = int(blk[pos + 2:pos + 4], 16)
        out[blk[pos:pos + 2]] = blk[pos + 4:pos + n]
        pos += n
    return out


def open_block(kbpk, blk):
    kbek, kbmk = derive(kbpk)
    h = header_len(blk)
    body = bytes.fromhex(blk[h:])
    ct, mac = body[:-8], body[-8:]
    pl = tdea_cbc(kbek, mac, ct, False)
    ok = cmac(kbmk, blk[:h].encode() + pl) == mac
    n = int.from_bytes(pl[:2], "big") // 8
    return ok, pl[2:2 + n]


def make_block(kbpk, header, key):
    kbek, kbmk = derive(kbpk)
    pl = (len(key) * 8).to_bytes(2, "big") + key
    pl += os.urandom(-len(pl) % 8)
    mac = cmac(kbmk, header.encode() + pl)
    return header + (tdea_cbc(kbek, mac, pl, True) + mac).hex().upper()


def run(*args):
    subprocess.run([KX] + list(args), check=True, stdout=subprocess.DEVNULL)


def one(tmp, kek_hex):
    kbpk = bytes.fromhex(kek_hex)
    tk = os.path.join(tmp, "tk")
    with open(tk, "w") as f:
        f.write(kek_hex + "\n")
    os.chmod(tk, 0o600)
    args = []
    for kid, v in VALUES.items():
        p = os.path.join(tmp, kid.decode())
        with open(p, "w") as f:
            f.write(v.hex() + "\n")
        os.chmod(p, 0o600)
        args += ["--key", "%s=file:%s" % (kid.decode(), p)]
    xml, dr = os.path.join(tmp, "x.xml"), os.path.join(tmp, "x.der")
    run("export", "--profile", PROFILE, *args, "--kek", "file:" + tk,
        "--kek-alg", "tdea", "--kek-id", "TK-TDEA", "--recipient",
        "Example Issuer Bank", "--now", "2026-02-01", "--force", "-o", xml)
    run("convert", "--to", "der", "--force", "-o", dr, xml)
    with open(dr, "rb") as f:
        data = f.read()
    text = open(xml).read()
    n = 0
    for kid, val, bind, ad2, _ in bound_values(data):
        blk = val[0x84].decode("ascii")
        what = "%d-byte KEK %s" % (len(kbpk), kid.decode())
        check(what + ": version B", blk[0] == "B")
        ok, key = open_block(kbpk, blk)
        check(what + ": MAC", ok)
        check(what + ": value", key == VALUES[kid])
        md = hashlib.sha256(ad2).hexdigest().upper()
        check(what + ": AadDigest", bind.get(0x81) == bytes.fromhex(md))
        check(what + ": block 0K", opt_blocks(blk).get("0K") == "KX2" + md)
        # our own block with the same header: kmsxchg must accept it
        mine = make_block(kbpk, blk[:header_len(blk)], key)
        check(what + ": fresh block differs", mine != blk)
        text = text.replace(blk.encode().hex().upper(),
                            mine.encode().hex().upper())
        n += 1
    check("three keys", n == 3)
    with open(xml, "w") as f:
        f.write(text)
    out = os.path.join(tmp, "clear-%d" % len(kbpk))
    run("import", "--kek", "file:" + tk, "--now", "2026-02-01",
        "--insecure-clear-output", out, "--insecure-clear-production", xml)
    for kid, v in VALUES.items():
        with open(os.path.join(out, kid.decode() + ".key")) as f:
            got = f.read().strip()
        check("import of python's block %s" % kid.decode(),
              bytes.fromhex(got) == v)


def main():
    with tempfile.TemporaryDirectory(prefix="kx-tr31-") as tmp:
        one(tmp, "0123456789ABCDEFFEDCBA9876543210")
        one(tmp, "0123456789ABCDEFFEDCBA987654321089ABCDEF01234567")
    if FAILS:
        sys.exit(1)
    print("tr31-b-bound values verified and written independently")


main()
