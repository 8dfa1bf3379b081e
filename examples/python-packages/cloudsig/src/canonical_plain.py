"""The canonical form of a request: what the signature covers."""
import hashlib
from urllib.parse import quote, urlsplit


def payload_hash(body):
    return hashlib.sha256(body).hexdigest()


def canonical_request(method, url, headers, body_hash):
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/~")
    names = list(headers)
    header_lines = "".join("%s:%s\n" % (name, headers[name]) for name in names)
    signed = ";".join(names)
    text = "\n".join([method.upper(), path, parts.query, header_lines, signed, body_hash])
    return text, signed
