"""gpxml.py - what the GP interop checks read from a KeyProfile."""
import base64


def local(tag):
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def components(root):
    """{Name: bytes} of the Value's named components, by their Encoding."""
    out = {}
    for el in root.iter():
        if local(el.tag) != "Component" or "Name" not in el.attrib:
            continue
        v, enc = el.attrib["Value"], el.attrib.get("Encoding", "HEX")
        out[el.attrib["Name"]] = (base64.b64decode(v) if enc == "BASE64"
                                  else bytes.fromhex(v))
    return out
