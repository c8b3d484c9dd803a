"""Tokens at rest (Meta page tokens, Slack bot tokens): authenticated encryption with rotatable keys.

FBSYNC_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated: the first encrypts, all of them
decrypt, so a new key goes first and the old one stays until `fbsync tokens rotate` has run.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.config import ConfigError, Settings
from core.db import Conn


class TokenUnreadable(RuntimeError):
    """A stored token none of the configured keys opens; the message never contains the token."""


class TokenCipher:
    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ConfigError("FBSYNC_ENCRYPTION_KEY is not set: page tokens cannot be stored or read")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError):
            raise ConfigError(
                "FBSYNC_ENCRYPTION_KEY must hold Fernet keys (`fbsync tokens new-key` makes one)"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        return cls(settings.encryption_keys)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenUnreadable(
                "a stored page token cannot be decrypted with FBSYNC_ENCRYPTION_KEY (wrong or retired key,"
                " or stored before encryption): restore the key or reconnect the page"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same token, encrypted under the current (first) key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenUnreadable("a stored page token cannot be decrypted with FBSYNC_ENCRYPTION_KEY") from None


def check_startup(conn: Conn, settings: Settings) -> None:
    """Refuse to start when tokens are stored but there is no key to read them."""
    if settings.encryption_keys:
        TokenCipher.from_settings(settings)  # malformed keys fail here, at start
        return
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM facebook_pages) OR EXISTS (SELECT 1 FROM slack_installations) AS stored"
    ).fetchone()
    if row and row["stored"]:
        raise ConfigError("page tokens are stored but FBSYNC_ENCRYPTION_KEY is not set")


# Every table and column holding an encrypted token.
ENCRYPTED_COLUMNS = (("facebook_pages", "page_token_ciphertext"), ("slack_installations", "bot_token_ciphertext"))


def rotate_all(conn: Conn, cipher: TokenCipher) -> dict[str, int]:
    """Re-encrypt every stored token under the current key, in one transaction; how many, per table."""
    rotated: dict[str, int] = {}
    with conn.transaction():
        for table, column in ENCRYPTED_COLUMNS:
            rows = conn.execute(f"SELECT id, {column} AS ciphertext FROM {table} FOR UPDATE").fetchall()
            conn.execute(
                f"UPDATE {table} t SET {column} = u.ciphertext, updated_at = now()"
                " FROM unnest(%s::bigint[], %s::text[]) AS u(id, ciphertext) WHERE t.id = u.id",
                ([row["id"] for row in rows], [cipher.rotate(row["ciphertext"]) for row in rows]),
            )
            rotated[table] = len(rows)
    return rotated
