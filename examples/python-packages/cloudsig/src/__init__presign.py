"""cloudsig: sign HTTP requests to an object store with HMAC-SHA256."""
from .credentials import Credentials
from .presign import presign_url
from .signer import Signer

__version__ = "__VERSION__"
__all__ = ["Credentials", "Signer", "presign_url", "__version__"]
