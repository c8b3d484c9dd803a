"""The migration runner on real PostgreSQL: checksums recorded, backfilled for databases migrated before
them, and a changed or missing shipped migration refused before anything is applied."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import db
from core.db import MigrationChanged, MigrationMissing, Pool
from sandbox.services import scratch_database

FBSYNC = str(Path(sys.executable).with_name("fbsync"))

# sha256 of 008_webhook_reliability.sql as first committed (b5f8895), before it was edited: what a
# database that applied that version would have recorded.
FIRST_008 = "33a94d59ab0b879f0fb3c80bb5fd5d9546e6d65519ee521f09db932c0d36d46b"
BEFORE_012 = "011_sync_run_marks"


@pytest.fixture
def empty_database(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, prefix="fbsync_migrations") as url:
        yield url


@pytest.fixture
def fresh_pool(empty_database: str) -> Iterator[Pool]:
    pool = db.open_pool(empty_database, max_size=2)
    yield pool
    pool.close()


def recorded(pool: Pool) -> dict[str, str | None]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT version, checksum FROM schema_migrations ORDER BY version").fetchall()
    return {row["version"]: row["checksum"] for row in rows}


def file_checksums(up_to: str | None = None) -> dict[str, str]:
    found = {m.version: m.checksum for m in db.migration_files()}
    return {version: sha for version, sha in found.items() if up_to is None or version <= up_to}


def has_table(pool: Pool, name: str) -> bool:
    with pool.connection() as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (name,)).fetchone()
    assert row is not None
    return bool(row["found"])


def record_first_008(pool: Pool) -> None:
    with pool.connection() as conn:
        conn.execute(
            "UPDATE schema_migrations SET checksum = %s WHERE version = '008_webhook_reliability'", (FIRST_008,)
        )


def migrate_like_the_old_runner(pool: Pool, up_to: str) -> None:
    """What `migrate` did before checksums: the table without the column, names recorded alone."""
    with pool.connection() as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in db.migration_files():
            if migration.version > up_to:
                break
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,))


def test_every_applied_migration_is_recorded_with_its_files_checksum(fresh_pool):
    applied = db.migrate(fresh_pool)

    assert applied == sorted(file_checksums())
    assert recorded(fresh_pool) == file_checksums()
    assert db.migrate(fresh_pool) == []


def test_up_to_stops_after_the_named_migration(fresh_pool):
    assert db.migrate(fresh_pool, up_to=BEFORE_012)[-1] == BEFORE_012
    assert recorded(fresh_pool) == file_checksums(up_to=BEFORE_012)
    assert not has_table(fresh_pool, "webhook_inbox")

    with pytest.raises(ValueError, match="no migration named 011_typo"):
        db.migrate(fresh_pool, up_to="011_typo")


def test_a_changed_migration_is_refused_and_nothing_is_applied(fresh_pool):
    db.migrate(fresh_pool, up_to=BEFORE_012)
    record_first_008(fresh_pool)
    current = file_checksums()["008_webhook_reliability"]

    with pytest.raises(MigrationChanged) as refused:
        db.migrate(fresh_pool)

    assert str(refused.value) == (
        f"migration 008_webhook_reliability was changed after it was applied to this database"
        f" (recorded sha256 {FIRST_008[:12]}…, file now {current[:12]}…): ship the change as a new migration instead"
    )
    assert "012_webhook_inbox" not in recorded(fresh_pool) and not has_table(fresh_pool, "webhook_inbox")
    assert recorded(fresh_pool)["008_webhook_reliability"] == FIRST_008


def test_an_old_runner_database_is_backfilled_then_held_to_its_checksums(fresh_pool):
    migrate_like_the_old_runner(fresh_pool, up_to=BEFORE_012)

    applied = db.migrate(fresh_pool)

    # Trust on first use: the files as they are now are taken as what was applied.
    assert applied == sorted(v for v in file_checksums() if v > BEFORE_012)
    assert recorded(fresh_pool) == file_checksums()
    assert db.migrate(fresh_pool) == []
    record_first_008(fresh_pool)
    with pytest.raises(MigrationChanged, match="migration 008_webhook_reliability was changed"):
        db.migrate(fresh_pool)


def test_an_old_runner_row_written_after_the_upgrade_is_backfilled_too(fresh_pool):
    """An old release rolled back to after the upgrade records names only, in the table that now has
    the column; the next new run fills them in."""
    db.migrate(fresh_pool, up_to=BEFORE_012)
    with fresh_pool.connection() as conn:
        conn.execute("UPDATE schema_migrations SET checksum = NULL WHERE version = %s", (BEFORE_012,))

    db.migrate(fresh_pool)

    assert recorded(fresh_pool) == file_checksums()


def test_an_applied_migration_whose_file_is_gone_is_refused(fresh_pool):
    db.migrate(fresh_pool, up_to=BEFORE_012)
    with fresh_pool.connection() as conn:
        conn.execute("INSERT INTO schema_migrations (version, checksum) VALUES ('009_removed', 'abc')")

    with pytest.raises(MigrationMissing) as refused:
        db.migrate(fresh_pool)

    assert str(refused.value).startswith(
        "migration 009_removed was applied to this database but its file is gone from core/migrations"
    )
    assert not has_table(fresh_pool, "webhook_inbox")


def test_a_newer_releases_migration_is_left_alone_with_a_warning(fresh_pool, caplog):
    """After a rollback the database holds migrations this code does not ship; its release still runs."""
    db.migrate(fresh_pool, up_to=BEFORE_012)
    with fresh_pool.connection() as conn:
        conn.execute("INSERT INTO schema_migrations (version, checksum) VALUES ('999_from_a_newer_release', 'abc')")

    with caplog.at_level(logging.WARNING, logger="core.db"):
        applied = db.migrate(fresh_pool)

    assert "012_webhook_inbox" in applied
    assert any("999_from_a_newer_release" in r.getMessage() for r in caplog.records)


def test_line_endings_do_not_change_a_checksum():
    assert db.checksum("SELECT 1;\r\nSELECT 2;\r") == db.checksum("SELECT 1;\nSELECT 2;\n")
    assert db.checksum("SELECT 1;\n") != db.checksum("SELECT  1;\n")


def test_fbsync_migrate_prints_the_refusal_and_exits_non_zero(fresh_pool, empty_database):
    db.migrate(fresh_pool, up_to=BEFORE_012)
    record_first_008(fresh_pool)

    result = subprocess.run(
        [FBSYNC, "migrate"],
        env={**os.environ, "DATABASE_URL": empty_database},
        text=True,
        capture_output=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("fbsync: error: migration 008_webhook_reliability was changed after it was applied")
    assert "ship the change as a new migration instead" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not has_table(fresh_pool, "webhook_inbox")
