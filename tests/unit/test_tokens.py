"""Page tokens at rest: authenticated encryption and key rotation."""

from __future__ import annotations

import pytest

from core.config import ConfigError, Settings
from core.tokens import TokenCipher, TokenUnreadable

TOKEN = "EAAGm0PX4ZCpsBAKrealLookingPageToken123"


def test_round_trip_without_the_token_in_the_ciphertext():
    cipher = TokenCipher((TokenCipher.new_key(),))
    sealed = cipher.encrypt(TOKEN)
    assert TOKEN not in sealed and sealed != cipher.encrypt(TOKEN)  # fresh IV each time
    assert cipher.decrypt(sealed) == TOKEN


def test_a_tampered_ciphertext_is_refused():
    cipher = TokenCipher((TokenCipher.new_key(),))
    sealed = cipher.encrypt(TOKEN)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(TokenUnreadable):
        cipher.decrypt(tampered)


def test_rotation_old_key_still_decrypts_new_writes_use_the_new_key():
    old, new = TokenCipher.new_key(), TokenCipher.new_key()
    sealed_under_old = TokenCipher((old,)).encrypt(TOKEN)
    both = TokenCipher((new, old))

    assert both.decrypt(sealed_under_old) == TOKEN
    assert TokenCipher((new,)).decrypt(both.encrypt(TOKEN)) == TOKEN
    rotated = both.rotate(sealed_under_old)
    assert TokenCipher((new,)).decrypt(rotated) == TOKEN
    with pytest.raises(TokenUnreadable) as caught:
        TokenCipher((new,)).decrypt(sealed_under_old)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("keys", [(), ("not-a-fernet-key",)])
def test_missing_or_malformed_keys_are_a_clear_configuration_error(keys):
    with pytest.raises(ConfigError, match="FBSYNC_ENCRYPTION_KEY"):
        TokenCipher(keys)


def test_keys_come_from_the_environment_and_stay_out_of_repr():
    key = TokenCipher.new_key()
    settings = Settings.from_env({"FBSYNC_ENCRYPTION_KEY": f"{key}, {TokenCipher.new_key()}"})
    assert settings.encryption_keys[0] == key and len(settings.encryption_keys) == 2
    assert key not in repr(settings)
