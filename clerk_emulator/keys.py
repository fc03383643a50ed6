"""The emulator's RS256 signing keys and the JWKS that publishes them.

Keys live in ``keys.json`` in the data directory (PEM, mode 0600) so tokens
minted before a restart still verify after it. Rotation makes a new key
current and, unless asked to drop them, keeps the previous ones in the JWKS:
that is the window in which a verifier meets a token signed by a key it has
not cached yet, or one signed by the key just retired. Clerk itself publishes
only the current key; ``rotate(drop_old=True)`` reproduces that.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .ids import new_id
from .persist import JsonFile

#: Keys kept in the JWKS after rotations (current one included).
MAX_PUBLISHED_KEYS = 3


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    created_at: int

    @classmethod
    def generate(cls, key_size: int = 2048) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        return cls(kid=new_id("ins"), private_key=private, created_at=int(time.time()))

    def public_jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        # Clerk's JWKS entries carry exactly these members (no key_ops).
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": jwk["n"],
            "e": jwk["e"],
        }

    def to_json(self) -> dict[str, Any]:
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {"kid": self.kid, "created_at": self.created_at, "pem": pem.decode()}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> SigningKey:
        private = serialization.load_pem_private_key(doc["pem"].encode(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):  # pragma: no cover
            raise ValueError("keys.json holds a non-RSA key")
        return cls(kid=doc["kid"], private_key=private, created_at=doc["created_at"])


class KeyRing:
    """Current signing key plus recently retired ones; persisted when ``path`` is set."""

    def __init__(self, path: Path | None = None, *, key_size: int = 2048) -> None:
        self._file = JsonFile(path) if path else None
        self._key_size = key_size
        self._lock = threading.RLock()
        self._keys: list[SigningKey] = []  # newest (current) first
        with self._lock:
            if self._file:
                with self._file.locked():
                    self._reload()
                    if not self._keys:
                        self._keys = [SigningKey.generate(key_size)]
                        self._save()
            else:
                self._keys = [SigningKey.generate(key_size)]

    def _reload(self) -> None:
        doc = self._file.read() if self._file else None
        if doc:
            self._keys = [SigningKey.from_json(item) for item in doc["keys"]]

    def _save(self) -> None:
        if self._file:
            self._file.write({"keys": [key.to_json() for key in self._keys]})

    def _fresh(self) -> list[SigningKey]:
        # Another process (a CLI, a second worker) may have rotated the keys.
        if self._file and self._file.changed():
            self._reload()
        return self._keys

    @property
    def current(self) -> SigningKey:
        with self._lock:
            return self._fresh()[0]

    @property
    def kids(self) -> list[str]:
        with self._lock:
            return [key.kid for key in self._fresh()]

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._fresh()]}

    def rotate(self, *, drop_old: bool = False) -> SigningKey:
        """Make a new key current; keep the previous ones published unless ``drop_old``."""
        new_key = SigningKey.generate(self._key_size)
        with self._lock:
            if self._file:
                with self._file.locked():
                    self._reload()
                    self._rotate_in(new_key, drop_old)
                    self._save()
            else:
                self._rotate_in(new_key, drop_old)
        return new_key

    def _rotate_in(self, new_key: SigningKey, drop_old: bool) -> None:
        kept = [] if drop_old else self._keys[: MAX_PUBLISHED_KEYS - 1]
        self._keys = [new_key, *kept]

    def sign(self, claims: dict[str, Any], *, headers: dict[str, Any] | None = None) -> str:
        """An RS256 JWT over ``claims`` with the current key's ``kid``."""
        key = self.current
        header = {"kid": key.kid, "typ": "JWT", **(headers or {})}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers=header)
