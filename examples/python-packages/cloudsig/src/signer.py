"""Signer: adds the Authorization header of an HMAC-SHA256 signature to a request."""
import hashlib
import hmac
import os
import time

from .canonical import canonical_request, payload_hash
from .region import signing_region

ALGORITHM = "CS-HMAC-SHA256"


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class Signer:
    def __init__(self, credentials, region=None, service="storage", timeout=5.0):
        self.credentials = credentials
        self.region = region or os.environ.get("CLOUDSIG_REGION", "us-east-1")
        self.service = service
        self.timeout = timeout

    def _signing_key(self, day, region):
        key = _hmac(("CS" + self.credentials.secret_key).encode("utf-8"), day)
        key = _hmac(key, region)
        key = _hmac(key, self.service)
        return _hmac(key, "cs_request")

    def sign(self, method, url, headers=None, body=b""):
        """Returns a copy of `headers` with X-Cs-Date, X-Cs-Content-Sha256 and Authorization added."""
        signed_headers = dict(headers or {})
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        day = stamp[:8]
        body_hash = payload_hash(body)
        signed_headers["X-Cs-Date"] = stamp
        signed_headers["X-Cs-Content-Sha256"] = body_hash
        region = signing_region(self, url)
        canonical, signed_names = canonical_request(method, url, signed_headers, body_hash)
        scope = "/".join([day, region, self.service, "cs_request"])
        to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
        signature = hmac.new(self._signing_key(day, region), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        signed_headers["Authorization"] = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            ALGORITHM,
            self.credentials.access_key,
            scope,
            signed_names,
            signature,
        )
        return signed_headers
