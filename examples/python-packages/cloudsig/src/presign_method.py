"""Presigned links: the signature travels in the query string."""
import hashlib
import hmac
import time
from urllib.parse import urlencode


def presign_url(signer, url, expires=3600, method="GET"):
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    query = {"cs-credential": signer.credentials.access_key, "cs-date": stamp, "cs-expires": str(int(expires))}
    to_sign = "\n".join([method.upper(), url, urlencode(sorted(query.items()))])
    key = signer._signing_key(stamp[:8], signer.region)
    query["cs-signature"] = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return url + ("&" if "?" in url else "?") + urlencode(query)
