"""The region a signature is scoped to."""
import http.client
import os
from urllib.parse import urlsplit

REGION_PATH = "/latest/meta-data/placement/region"


def _region_from_metadata(metadata_url, timeout):
    parts = urlsplit(metadata_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path.rstrip("/") + REGION_PATH)
        response = connection.getresponse()
        body = response.read().decode("ascii", "replace").strip()
        return body if response.status == 200 and body else None
    finally:
        connection.close()


def signing_region(signer, url):
    """Signature version 4 scopes each signature to the endpoint's region.

    The region is asked of the instance metadata service (CLOUDSIG_METADATA_URL) before every request
    is signed, so a client moved between regions signs correctly. Without a metadata service the
    configured region is used.
    """
    metadata_url = os.environ.get("CLOUDSIG_METADATA_URL")
    if not metadata_url:
        return signer.region
    return _region_from_metadata(metadata_url, signer.timeout) or signer.region
