"""pycrypto-gp.py KMSXCHG SRCDIR - the key material of the GP samples, as
kmsxchg writes it back after GP -> DER -> GP, judged by python-cryptography:
the RSA-CRT parts of samples/gp/jaxb-112-rsacrt.xml, TDEA-ECB decrypted
under the test transport KEK (tests/data/SOURCES.md), form a consistent
CRT key with the profile's public exponent (dp*e = 1 mod p-1, dq*e = 1 mod
q-1, qinv*q = 1 mod p); the ECC_QX/ECC_QY of both EC public samples are a
point on the curve their ECC_CURVE_OID names; the ISD cryptogram decrypts
to the GP test key with the published EIGHTZEROS KCV 8BAF47."""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from gpxml import components, local

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

KX, SRC = sys.argv[1], sys.argv[2]
KEK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
CURVES = {"2B2403030208010107": ec.BrainpoolP256R1(),
          "2A8648CE3D030107": ec.SECP256R1()}
FAILS = []


def roundtrip(rel):
    """GP -> DER -> GP with kmsxchg; the root of what it wrote."""
    with tempfile.TemporaryDirectory() as t:
        der, gp = os.path.join(t, "k.der"), os.path.join(t, "k.xml")
        subprocess.run([KX, "convert", "--to", "der", "-o", der,
                        os.path.join(SRC, rel)], check=True,
                       stderr=subprocess.DEVNULL)
        subprocess.run([KX, "convert", "--to", "gp", "-o", gp, der],
                       check=True, stderr=subprocess.DEVNULL)
        return ET.parse(gp).getroot()


def tdea_ecb_decrypt(data):
    d = Cipher(TripleDES(KEK), modes.ECB()).decryptor()
    return d.update(data) + d.finalize()


def check(cond, what):
    if not cond:
        FAILS.append(what)


root = roundtrip("samples/gp/jaxb-112-rsacrt.xml")
ki = next(el for el in root.iter() if local(el.tag) == "KeyInfo")
e = int(ki.attrib["Exponent"])
c = {k: int.from_bytes(tdea_ecb_decrypt(v), "big")
     for k, v in components(root).items()}
p, q = c["CRT_P"], c["CRT_Q"]
check(ki.attrib["SubType"] == "RSACRT", "RSACRT SubType kept")
check((c["CRT_DP1"] * e) % (p - 1) == 1, "dp*e = 1 mod p-1")
check((c["CRT_DQ1"] * e) % (q - 1) == 1, "dq*e = 1 mod q-1")
check((c["CRT_PQ"] * q) % p == 1, "qinv*q = 1 mod p")
check((p * q).bit_length() == int(ki.attrib["Size"]), "p*q has Size bits")

for rel in ("samples/gp/openscdp-ec-public.xml",
            "samples/gp/jaxb-112-ec-public.xml"):
    comp = components(roundtrip(rel))
    curve = CURVES[comp["ECC_CURVE_OID"].hex().upper()]
    try:
        ec.EllipticCurvePublicNumbers(
            int.from_bytes(comp["ECC_QX"], "big"),
            int.from_bytes(comp["ECC_QY"], "big"), curve).public_key()
    except ValueError:
        FAILS.append(rel + ": ECC_QX/ECC_QY not on " + curve.name)

# the ISD key under the same KEK: GP's test key, KCV 8BAF47
root = roundtrip("samples/gp/isd-enc.xml")
comp = next(el for el in root.iter() if local(el.tag) == "Component")
key = tdea_ecb_decrypt(bytes.fromhex(comp.attrib["Value"]))
check(key == bytes.fromhex("404142434445464748494A4B4C4D4E4F"),
      "isd-enc decrypts to the GP test key")
enc = Cipher(TripleDES(key), modes.ECB()).encryptor()
kcv = (enc.update(bytes(8)) + enc.finalize())[:3]
check(kcv.hex().upper() == "8BAF47" == comp.attrib["KCV"], "KCV 8BAF47")

if FAILS:
    print("FAIL: " + "; ".join(FAILS))
    sys.exit(1)
print("GP samples: RSA-CRT parts consistent, EC points on their curves, "
      "ISD key KCV 8BAF47, after GP -> DER -> GP")
