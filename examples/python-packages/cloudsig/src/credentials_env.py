"""Access key and secret key used to sign requests."""
import os


class Credentials:
    def __init__(self, access_key, secret_key):
        if not access_key or not secret_key:
            raise ValueError("cloudsig: both access_key and secret_key are required")
        self.access_key = access_key
        self.secret_key = secret_key

    @classmethod
    def from_env(cls, environ=None):
        """Credentials from CLOUDSIG_ACCESS_KEY and CLOUDSIG_SECRET_KEY."""
        environ = os.environ if environ is None else environ
        return cls(environ.get("CLOUDSIG_ACCESS_KEY", ""), environ.get("CLOUDSIG_SECRET_KEY", ""))

    def __repr__(self):
        return "Credentials(access_key=%r, secret_key='***')" % self.access_key
