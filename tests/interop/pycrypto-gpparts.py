"""pycrypto-gpparts.py KMSXCHG SRCDIR - GP named public parts and the
profile's SubjectPublicKeyInfo, judged by python-cryptography.

For every GP sample with public parts (ECC_CURVE_OID + ECC_QX + ECC_QY,
MODULUS + EXPONENT): python builds the public key from the parts itself
(EllipticCurvePublicNumbers, RSAPublicNumbers) and its DER SPKI; the
PublicKey kmsxchg writes in the native document must be that SPKI and the
Kcv its SHA-256 (spki-sha256).  Known answer: for the samples made from
samples/keys/test-ec-p256.pem and test-rsa-2048.pem, the SPKI is the one
python gives for the PEM key.  Then GP -> XML -> GP gives the sample back
byte for byte, and the native document without its value (the SPKI alone)
goes to GP as parts that python turns back into the same public key."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gpxml import components

KX, SRC = sys.argv[1], sys.argv[2]
SAMPLES = {
    "samples/gp/ec-p256-public.xml": "samples/keys/test-ec-p256.pem",
    "samples/gp/rsa2048-public.xml": "samples/keys/test-rsa-2048.pem",
    "samples/gp/openscdp-ec-public.xml": None,
    "samples/gp/jaxb-112-ec-public.xml": None,
}
FAILS = []
DER = serialization.Encoding.DER
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


def fail(msg):
    FAILS.append(msg)


def oid_text(der):
    """Dotted text of an OID's DER content octets."""
    arcs, n = [], 0
    for b in der:
        n = n << 7 | (b & 0x7F)
        if not b & 0x80:
            arcs.append(n)
            n = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def parts(path):
    """{Name: bytes} of a GP document's named components."""
    return components(ET.parse(path).getroot())


def spki_of_parts(c):
    """The DER SPKI python builds from the named parts."""
    num = lambda b: int.from_bytes(b, "big")
    if "MODULUS" in c:
        key = rsa.RSAPublicNumbers(num(c["EXPONENT"]),
                                   num(c["MODULUS"])).public_key()
    else:
        curve = ec.get_curve_for_oid(
            ec.ObjectIdentifier(oid_text(c["ECC_CURVE_OID"])))
        key = ec.EllipticCurvePublicNumbers(
            num(c["ECC_QX"]), num(c["ECC_QY"]), curve()).public_key()
    return key.public_bytes(DER, SPKI)


def kx(*args):
    subprocess.run([KX, *args], check=True, stderr=subprocess.DEVNULL)


def field(xml, el):
    m = re.search(r"<%s>([0-9A-F]+)</%s>" % (el, el), xml)
    return bytes.fromhex(m.group(1)) if m else None


for rel, pem in SAMPLES.items():
    src = os.path.join(SRC, rel)
    want = spki_of_parts(parts(src))
    if pem is not None:
        with open(os.path.join(SRC, pem), "rb") as f:
            k = serialization.load_pem_private_key(f.read(), None)
        if k.public_key().public_bytes(DER, SPKI) != want:
            fail("%s: the parts are not the public key of %s" % (rel, pem))
    with tempfile.TemporaryDirectory() as t:
        x, g = os.path.join(t, "k.xml"), os.path.join(t, "k.gp")
        kx("convert", "--to", "xml", "-o", x, src)
        with open(x) as f:
            native = f.read()
        if field(native, "PublicKey") != want:
            fail("%s: PublicKey is not the SPKI of the parts" % rel)
        if field(native, "Kcv") != hashlib.sha256(want).digest():
            fail("%s: Kcv is not the spki-sha256 fingerprint" % rel)
        kx("convert", "--to", "gp", "-o", g, x)
        with open(g, "rb") as f, open(src, "rb") as o:
            if rel.startswith("samples/gp/openscdp") or \
                    rel.startswith("samples/gp/jaxb"):
                same = parts(g) == parts(src)
            else:
                same = f.read() == o.read()
        if not same:
            fail("%s: GP -> XML -> GP changed the document" % rel)
        # the SPKI alone (no value): written as parts, the same key
        bare = re.sub(r"\n    <Value>.*?\n    </Value>", "", native,
                      flags=re.S)
        bare = re.sub(r"\n        <Form>clear</Form>", "", bare)
        with open(x, "w") as f:
            f.write(bare)
        os.unlink(g)
        kx("convert", "--to", "gp", "-o", g, x)
        if spki_of_parts(parts(g)) != want:
            fail("%s: the SPKI written as parts is another key" % rel)

for m in FAILS:
    print("FAIL:", m)
print("%d GP public-part samples checked, %d failures"
      % (len(SAMPLES), len(FAILS)))
sys.exit(1 if FAILS else 0)
