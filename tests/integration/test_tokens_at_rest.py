"""Page tokens are encrypted in PostgreSQL; a missing key stops the service at start; keys rotate."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import TEAM_ID
from core.config import ConfigError
from core.tokens import TokenCipher
from sandbox.graph_sim import SimPage

FBSYNC = str(Path(sys.executable).with_name("fbsync"))
SHOP = SimPage(
    page_id="930000000000001", name="Tide Surf School", token="EAAtide-surf-token-77e1a9", messenger_count=12, seed=23
)


@pytest.fixture
def cli(pool, sim, database_url):
    sim.add_page(SHOP)

    def fbsync(*args: str, key: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FB_GRAPH_URL": sim.base_url,
            "FBSYNC_GRAPH_CALLS_PER_SECOND": "200",
            "FBSYNC_ENCRYPTION_KEY": key,
        }
        return subprocess.run([FBSYNC, *args], env=env, input=stdin, text=True, capture_output=True, timeout=60)

    return fbsync


def stored_ciphertext(pool) -> str:
    with pool.connection() as conn:
        return conn.execute("SELECT page_token_ciphertext FROM facebook_pages").fetchone()["page_token_ciphertext"]


def test_the_token_is_stored_encrypted_and_still_works(cli, pool):
    key = TokenCipher.new_key()
    assert cli("pages", "add", SHOP.page_id, SHOP.name, key=key, stdin=SHOP.token + "\n").returncode == 0

    assert SHOP.token not in stored_ciphertext(pool)
    synced = cli("sync", SHOP.page_id, key=key)
    assert synced.returncode == 0 and "COMPLETED - 12 contacts synced" in synced.stdout


def test_rotation_moves_every_token_to_the_new_key(cli, pool):
    old, new = TokenCipher.new_key(), TokenCipher.new_key()
    cli("pages", "add", SHOP.page_id, SHOP.name, key=old, stdin=SHOP.token + "\n")
    before = stored_ciphertext(pool)

    rotated = cli("tokens", "rotate", key=f"{new},{old}")

    assert rotated.returncode == 0 and "re-encrypted 1 page token(s) and 0 Slack bot token(s)" in rotated.stdout
    assert stored_ciphertext(pool) != before
    assert cli("sync", SHOP.page_id, key=new).returncode == 0  # the old key can be retired


def test_a_retired_key_fails_the_sync_clearly(cli, pool):
    cli("pages", "add", SHOP.page_id, SHOP.name, key=TokenCipher.new_key(), stdin=SHOP.token + "\n")
    result = cli("sync", SHOP.page_id, key=TokenCipher.new_key())
    assert result.returncode == 1
    assert "cannot be decrypted with FBSYNC_ENCRYPTION_KEY" in result.stdout
    assert SHOP.token not in result.stdout + result.stderr


def test_no_key_with_tokens_stored_is_a_start_up_error(pool, connect_page, service_settings):
    from webhooks.app import create_app

    connect_page(SHOP, team=TEAM_ID)
    with pytest.raises(ConfigError, match="page tokens are stored but FBSYNC_ENCRYPTION_KEY is not set"):
        create_app(replace(service_settings, encryption_keys=(), public_url="http://127.0.0.1:9"))


def test_adding_a_page_without_a_key_is_refused(cli, pool):
    result = cli("pages", "add", SHOP.page_id, SHOP.name, key="", stdin=SHOP.token + "\n")
    assert result.returncode == 2 and "FBSYNC_ENCRYPTION_KEY is not set" in result.stderr
    assert cli("pages", "list", key="").stdout.startswith("no pages connected")
