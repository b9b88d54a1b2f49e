"""Small secrets kept encrypted in the database (the TOTP secrets), keyed from SECRET_KEY.

Why not plain: with the secret, anyone holding a copy of the database (a backup, a dump sent
for debugging) could make valid codes, and two-factor login would protect nothing.

Fernet (``cryptography``: AES-128-CBC with HMAC-SHA256, encrypt-then-MAC) with keys derived
from SECRET_KEY by HKDF with a purpose label, so they are never the key that signs sessions.
Values sealed under a key listed in SECRET_KEY_FALLBACKS still open, so SECRET_KEY can be
rotated the way Flask rotates it for sessions.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretBoxError(ValueError):
    """The value was not sealed by this portal's keys, or it was changed."""


def _fernet(secret_key: str | bytes, purpose: str) -> Fernet:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=f"huquq-secretbox:{purpose}".encode()).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def _box(purpose: str) -> MultiFernet:
    config = current_app.config
    if not config.get("SECRET_KEY"):
        raise SecretBoxError("SECRET_KEY is not set")
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([_fernet(key, purpose) for key in keys if key])


def seal(plaintext: str, purpose: str) -> str:
    """Encrypt and authenticate *plaintext* with the current SECRET_KEY."""
    return _box(purpose).encrypt(plaintext.encode()).decode("ascii")


def open_(sealed: str, purpose: str) -> str:
    """The plaintext of :func:`seal`'s *sealed*; raises SecretBoxError when it does not open."""
    try:
        return _box(purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SecretBoxError("sealed with another key, or changed") from exc
