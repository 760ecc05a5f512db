"""kxder.py - the few DER helpers the interop scripts share: walk the TLVs
of a kmsxchg DER document and rebuild the bound data (doc/bound-wrap.md
sections 1 and 8) from it."""


def tlv(b, i):
    """(tag, header length, content length) of the DER TLV at b[i]."""
    tag, n = b[i], b[i + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")


def children(b):
    """The TLVs inside content b: list of (tag, whole TLV, content)."""
    out, i = [], 0
    while i < len(b):
        tag, h, n = tlv(b, i)
        out.append((tag, b[i:i + h + n], b[i + h:i + h + n]))
        i += h + n
    return out


def der(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + content


def bound_values(data):
    """For every key of DER document data: (key id, the value's fields by
    tag, the binding's fields by tag, AD of version 2, AD of version 1)."""
    top = children(children(data)[0][2])
    head = [t for t in top if t[0] in (0x80, 0x81, 0x82, 0xA3)]
    keys = [t for t in top if t[0] == 0xA6][0][2]
    for _, _, key in children(keys):
        parts = {t[0]: t[2] for t in children(key)}
        prof, val = parts[0xA0], {t[0]: t[2] for t in children(parts[0xA1])}
        kid = children(prof)[0][2]
        bind = {t[0]: t[2] for t in children(val[0xA5])}
        ad2 = der(0x30, b"".join(t[1] for t in head) + der(0xA4, prof))
        yield kid, val, bind, ad2, der(0x30, prof)
