"""The canonical form of a request: what the signature covers."""
import hashlib
from urllib.parse import quote, urlsplit

CHUNK = 64 * 1024


def payload_hash(body):
    digest = hashlib.sha256()
    view = memoryview(body)
    for start in range(0, len(view), CHUNK):
        digest.update(view[start:start + CHUNK])
    return digest.hexdigest()


def canonical_request(method, url, headers, body_hash):
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/~")
    # Lower-cased, trimmed and sorted: the signature must not depend on how the caller spelled or
    # ordered its headers.
    normalised = sorted((name.strip().lower(), " ".join(str(value).split())) for name, value in headers.items())
    header_lines = "".join("%s:%s\n" % pair for pair in normalised)
    signed = ";".join(name for name, _ in normalised)
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    text = "\n".join([method.upper(), path, query, header_lines, signed, body_hash])
    return text, signed
