"""Shared fixtures: a real PostgreSQL (DATABASE_URL, or an embedded one) and the Graph API simulator."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest
from psycopg_pool import ConnectionPool

from core import db, pages
from core.config import Settings
from core.pages import Page
from sandbox.services import embedded_postgres, embedded_redis, scratch_database

if TYPE_CHECKING:
    from sandbox.graph_sim import GraphSimulator, SimPage

TABLES = (
    "webhook_events, contact_activities, sync_jobs, messages, conversations, contacts, facebook_pages,"
    " pipeline_stages, pipelines, organizations"
)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    with embedded_postgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(postgres_server: str) -> Iterator[str]:
    with scratch_database(postgres_server, prefix="fbsync_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = db.open_pool(database_url, max_size=10)
    db.migrate(pool)
    yield pool
    pool.close()


@pytest.fixture
def pool(migrated_pool: ConnectionPool) -> ConnectionPool:
    """The migrated database, emptied before each test."""
    with migrated_pool.connection() as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    return migrated_pool


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Tests keep their Redis keys under their own namespaces, so a shared REDIS_URL is not wiped."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with embedded_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    from sandbox.graph_sim import GraphSimulator

    with GraphSimulator(pages=[]) as simulator:
        yield simulator


@pytest.fixture
def settings(sim: GraphSimulator, database_url: str) -> Settings:
    # Pacing stays real but fast; Meta's 2/s is the production default.
    return Settings(database_url=database_url, graph_url=sim.base_url, graph_calls_per_second=200.0, graph_page_size=25)


@pytest.fixture
def connect_page(pool: ConnectionPool) -> Callable[[SimPage], Page]:
    """Stores a simulator page as a connected page, with its real token."""

    def connect(sim_page: SimPage) -> Page:
        with pool.connection() as conn, conn.transaction():
            org = pages.ensure_organization(conn, pages.LOCAL_TEAM_ID)
            return pages.add_page(
                conn,
                organization_id=org,
                page_id=sim_page.page_id,
                name=sim_page.name,
                token=sim_page.token,
                instagram_account_id=sim_page.instagram_account_id,
                instagram_username=sim_page.instagram_username,
            )

    return connect


@pytest.fixture
def fixture_json() -> Callable[[str], Any]:
    """Loads a real-shaped payload from tests/fixtures/."""
    return lambda name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))


FIXTURES = Path(__file__).parent / "fixtures"
