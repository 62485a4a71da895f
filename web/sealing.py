"""Values sealed into opaque, tamper-proof tokens with the service's key.

Two uses: search criteria travel in links as `/search?s=TOKEN`, so the names and ID numbers an officer
types never reach a URL, a browser history or a proxy log (Decree 13/2023); and the login form's
CSRF token is one the service minted itself, not any value an attacker managed to set as a cookie.
Fernet (AES with an HMAC, from `cryptography`) does both: encrypted, authenticated, time-stamped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "secret.key"


class Sealer:
    """Seal JSON values into URL-safe tokens and open them again within a lifetime."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")

    def open(self, token: str, max_age: timedelta) -> Any | None:
        """The sealed value, or None for a token that is forged, damaged or older than `max_age`."""
        try:
            return json.loads(self._fernet.decrypt(token.encode("ascii"), ttl=int(max_age.total_seconds())))
        except (InvalidToken, UnicodeError, ValueError):
            return None


def service_key(secret: str, folder: Path) -> bytes:
    """The sealing key: derived from the configured secret (the same on every machine of a province
    deployment), or else made once and kept in `folder` (0600), shared by the workers of one machine."""
    if secret:
        return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        # Written aside, then linked into place: a concurrent worker either wins or reads the winner's.
        handle, draft = tempfile.mkstemp(dir=folder, prefix=".key-")
        try:
            os.write(handle, Fernet.generate_key())
            os.close(handle)
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_bytes().strip()
