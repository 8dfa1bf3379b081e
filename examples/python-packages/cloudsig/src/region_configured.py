"""The region a signature is scoped to."""


def signing_region(signer, url):
    """The region the Signer was configured with (CLOUDSIG_REGION or us-east-1 by default)."""
    return signer.region
