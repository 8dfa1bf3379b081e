"""Helpers for logs: what a signed request's Authorization header says."""


def explain(headers):
    """{'algorithm', 'access_key', 'scope', 'signed_headers'} of an Authorization header, without the signature."""
    value = headers.get("Authorization", "")
    algorithm, _, rest = value.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    access_key, _, scope = fields.get("Credential", "").partition("/")
    return {"algorithm": algorithm, "access_key": access_key, "scope": scope, "signed_headers": fields.get("SignedHeaders", "")}
