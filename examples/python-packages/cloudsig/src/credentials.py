"""Access key and secret key used to sign requests."""


class Credentials:
    def __init__(self, access_key, secret_key):
        if not access_key or not secret_key:
            raise ValueError("cloudsig: both access_key and secret_key are required")
        self.access_key = access_key
        self.secret_key = secret_key

    def __repr__(self):
        return "Credentials(access_key=%r, secret_key='***')" % self.access_key
