"""The one way a secret we hand out is kept: its SHA-256, hex.

Session tokens, single-use email tokens, invitation links and codes, calendar feed
tokens, recovery codes and browser markers are random values with 128 bits or more
(codes are rate-limited), so a fast unsalted hash is enough: the database only ever
holds the digest, and a lookup compares digests in SQL.
"""

import hashlib


def token_digest(value: str) -> str:
    """The stored form of a token, link, code or marker (normalise it first)."""
    return hashlib.sha256(value.encode()).hexdigest()
