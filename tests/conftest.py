"""Shared fixtures: a real PostgreSQL (DATABASE_URL, or an embedded one) and the Graph API simulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from core import db, pages
from core.config import Settings
from core.db import Pool
from core.pages import Page
from sandbox import processes
from sandbox.services import embedded_postgres, embedded_redis, scratch_database

if TYPE_CHECKING:
    from sandbox.graph_sim import GraphSimulator, SimPage

# A fixed key for the tests' tokens at rest (a real deployment makes its own: `fbsync tokens new-key`).
ENCRYPTION_KEY = "6f2q5nAU8pIS3HF0ACDfoPpV7xoyCydKZyXI8lPVzEw="

TABLES = (
    "webhook_inbox, webhook_rejections, pending_work, webhook_events, contact_activities, sync_jobs, messages,"
    " conversation_contacts, conversations, contacts, facebook_pages, pipeline_stages, pipelines, organizations,"
    " slack_installations, slack_oauth_states"
)


def pytest_configure(config: pytest.Config) -> None:
    # A folder of this run's own: two suites side by side (a loaded CI machine) would otherwise share
    # /tmp/pytest-of-USER, and each one's clean-up could delete the other's embedded servers' data.
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="fbsync-pytest-")
        config.add_cleanup(lambda: shutil.rmtree(config.option.basetemp, ignore_errors=True))


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
def migrated_pool(database_url: str) -> Iterator[Pool]:
    pool = db.open_pool(database_url, max_size=10)
    db.migrate(pool)
    yield pool
    pool.close()


@pytest.fixture
def pool(migrated_pool: Pool) -> Pool:
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

    with GraphSimulator(pages=[], app_id=APP_ID, app_secret=APP_SECRET) as simulator:
        yield simulator


@pytest.fixture
def settings(sim: GraphSimulator, database_url: str) -> Settings:
    # Pacing stays real but fast; Meta's 2/s is the production default.
    return Settings(
        database_url=database_url,
        graph_url=sim.base_url,
        graph_calls_per_second=200.0,
        graph_page_size=25,
        encryption_keys=(ENCRYPTION_KEY,),
    )


@pytest.fixture
def connect_page(pool: Pool) -> Callable[..., Page]:
    """Stores a simulator page as a connected page of a workspace, with its real token encrypted."""
    from core.tokens import TokenCipher

    cipher = TokenCipher((ENCRYPTION_KEY,))

    def connect(sim_page: SimPage, team: str = pages.LOCAL_TEAM_ID) -> Page:
        with pool.connection() as conn, conn.transaction():
            org = pages.ensure_organization(conn, team)
            return pages.add_page(
                conn,
                organization_id=org,
                page_id=sim_page.page_id,
                name=sim_page.name,
                token_ciphertext=cipher.encrypt(sim_page.token),
                instagram_account_id=sim_page.instagram_account_id,
                instagram_username=sim_page.instagram_username,
            )

    return connect


@pytest.fixture
def fixture_json() -> Callable[[str], Any]:
    """Loads a real-shaped payload from tests/fixtures/."""
    return lambda name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))


FIXTURES = Path(__file__).parent / "fixtures"


SIGNING_SECRET = "test-signing-secret-8f7e6d"
APP_ID = "1234567890"
APP_SECRET = "test-meta-app-secret-5a4b3c"
VERIFY_TOKEN = "test-verify-token-1d2e3f"
BOT_TOKEN = "xoxb-test-bot-token-0000"
TEAM_ID = "T0FBSYNC"
ADMIN = "U0ADMIN"
MEMBER = "U0MEMBER"
SALES_CHANNEL = "C0SALES"
QUIET_CHANNEL = "C0QUIET"  # the bot is not a member


@pytest.fixture
def slack() -> Iterator[Any]:
    from sandbox.slack_stub import SlackStub

    with SlackStub(token=BOT_TOKEN, team_id=TEAM_ID) as stub:
        stub.add_user(ADMIN, "ada", is_admin=True)
        stub.add_user(MEMBER, "mel")
        stub.add_channel(SALES_CHANNEL, "sales")
        stub.add_channel(QUIET_CHANNEL, "quiet", bot_is_member=False)
        yield stub
        assert stub.errors == []


@pytest.fixture
def service_settings(settings: Settings, redis_url: str, slack: Any, sim: GraphSimulator) -> Settings:
    """Settings of a full deployment: database, Redis, simulated Meta and Slack."""
    return replace(
        settings,
        redis_url=redis_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        fb_app_id=APP_ID,
        fb_app_secret=APP_SECRET,
        fb_verify_token=VERIFY_TOKEN,
        fb_dialog_url=f"{sim.base_url}/dialog/oauth",
    )


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch, service_settings: Settings) -> None:
    """The environment a worker process has, so the job functions run exactly as under RQ."""
    for name, value in {
        "DATABASE_URL": service_settings.database_url,
        "REDIS_URL": service_settings.redis_url,
        "FB_GRAPH_URL": service_settings.graph_url,
        "FBSYNC_GRAPH_CALLS_PER_SECOND": "200",
        "SLACK_BOT_TOKEN": service_settings.slack_bot_token,
        "SLACK_API_URL": service_settings.slack_api_url,
        "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }.items():
        assert value is not None
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GEMINI_API_KEYS", raising=False)


@pytest.fixture
def sync_queue(redis_url: str) -> Iterator[Any]:
    """fbsync's sync queue on the test Redis, emptied around each test."""
    import redis
    from rq import Queue

    from core.redis_keys import DISPATCH_EPOCH
    from worker.queues import ANALYSIS_QUEUE, REFRESH_QUEUE, SYNC_QUEUE

    connection = redis.Redis.from_url(redis_url)
    queue = Queue(SYNC_QUEUE, connection=connection)
    others = [Queue(name, connection=connection) for name in (REFRESH_QUEUE, ANALYSIS_QUEUE)]

    def clear() -> None:
        for q in (queue, *others):
            q.empty()
            connection.delete(q.scheduled_job_registry.key)
        connection.delete(DISPATCH_EPOCH)

    clear()
    yield queue
    clear()


@pytest.fixture
def dispatch(pool: Pool, redis_url: str, sync_queue: Any) -> Callable[[], int]:
    """What the dispatcher does at each tick once the webhooks are expanded: the pending work that is
    due, put on its queues. Returns how many jobs it queued."""
    import redis

    from worker.dispatch import Dispatcher

    dispatcher = Dispatcher(Settings(redis_url=redis_url), pool, redis.Redis.from_url(redis_url))
    return dispatcher.dispatch


@pytest.fixture
def run_analysis_jobs(redis_url: str, dispatch: Callable[[], int]) -> Callable[[], int]:
    """Runs the analysis owed so far (and the continuations it owes), in this process, as the
    dispatcher and a worker would; returns how many jobs ran."""
    import redis
    from rq import Queue, SimpleWorker

    from worker.queues import ANALYSIS_QUEUE

    connection = redis.Redis.from_url(redis_url)
    queue = Queue(ANALYSIS_QUEUE, connection=connection)

    def run() -> int:
        ran = 0
        while dispatch() or queue.count:
            ran += queue.count
            SimpleWorker([queue], connection=connection).work(burst=True)
        return ran

    return run


def expand_webhooks(pool: Pool, debounce_seconds: float = Settings.refresh_debounce) -> None:
    """What the dispatcher does within a second of a delivery's 200: the real drain expands what is waiting in
    the webhook inbox into events, contacts, messages and refreshes owed."""
    from core.webhook_store import expand_deliveries

    with pool.connection() as conn:
        assert not expand_deliveries(conn, debounce_seconds).busy


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """The Flask app for these settings on a real WSGI server (werkzeug, threaded); yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    from webhooks.app import create_app

    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, create_app(replace(settings, public_url=url)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join()


@dataclass(frozen=True)
class DoomedApp:
    base_url: str
    drop_database: Callable[[], None]


@pytest.fixture
def app_losing_its_database(postgres_server: str, service_settings: Settings) -> Iterator[DoomedApp]:
    """The web app on a database of its own, which the test can drop from under it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    with scratch_database(postgres_server, prefix="fbsync_doomed") as url:
        own = db.open_pool(url)
        db.migrate(own)
        own.close()
        with serve_app(replace(service_settings, database_url=url)) as base:

            def drop() -> None:
                with psycopg.connect(postgres_server, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE "{conninfo_to_dict(url)["dbname"]}" WITH (FORCE)')

            yield DoomedApp(base, drop)


@pytest.fixture
def web(service_settings: Settings, pool: Pool, sync_queue: Any) -> Iterator[str]:
    with serve_app(service_settings) as url:
        yield url


def signed_slack_post(base_url: str, form: dict[str, str], *, secret: str = SIGNING_SECRET) -> Any:
    from sandbox.slack_requests import post_signed

    return post_signed(base_url, form, secret)


@pytest.fixture
def slash(web: str, slack: Any) -> Callable[..., Any]:
    """Sends `/fbsync <text>` as Slack would; returns (ack response, the deferred reply or None)."""
    import time

    def send(
        text: str, *, user: str = ADMIN, channel: str = SALES_CHANNEL, team: str = TEAM_ID, expect_reply: bool = True
    ) -> tuple[Any, Any]:
        from sandbox.slack_requests import slash_command_form

        before = len(slack.responses)
        ack = signed_slack_post(
            web,
            slash_command_form(text, team_id=team, user_id=user, channel_id=channel, response_url=slack.response_url()),
        )
        if not expect_reply:
            return ack, None
        deadline = time.monotonic() + 10
        while len(slack.responses) == before and time.monotonic() < deadline:
            time.sleep(0.02)  # the listener answers through response_url after acking
        return ack, slack.responses[-1]["body"] if len(slack.responses) > before else None

    return send


# End to end: fbsync's real processes, started as a deployment starts them.


@pytest.fixture
def deployment_env(
    database_url: str, redis_url: str, sim: Any, slack: Any, pool: Pool, sync_queue: Any
) -> dict[str, str]:
    """What every fbsync process gets in production, pointed at the stand-ins."""
    env = processes.standin_env(
        database_url=database_url,
        redis_url=redis_url,
        graph_url=sim.base_url,
        slack_url=slack.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        encryption_key=ENCRYPTION_KEY,
    )
    return {**env, "FBSYNC_GRAPH_CALLS_PER_SECOND": "50", "FBSYNC_GRAPH_PAGE_SIZE": "25"}


@pytest.fixture
def start_process() -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
        process = processes.start(args, env, subprocess.PIPE)
        started.append(process)
        return process

    yield start
    for process in started:
        processes.stop(process)


@pytest.fixture
def gunicorn_web(deployment_env: dict[str, str], start_process: Callable[..., Any]) -> str:
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    start_process(processes.gunicorn(port), {**deployment_env, "FBSYNC_PUBLIC_URL": base})
    processes.wait_for(lambda: processes.serving(f"{base}/healthz"), 60, "gunicorn to serve /healthz")
    return base


def synced_page(
    pool: Pool, sim: GraphSimulator, settings: Settings, connect_page: Callable[..., Page], shop: SimPage
) -> Page:
    """`shop` on the simulator, connected, and synced once in this process with the rules analyzer."""
    from core import jobs
    from core.analysis.rules import RulesAnalyzer
    from core.jobs import JobStatus
    from core.qualify import Qualifier
    from core.sync import SyncEngine

    sim.add_page(shop)
    page = connect_page(shop)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    assert SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id).status is JobStatus.COMPLETED
    with pool.connection() as conn:
        return pages.get_page(conn, page.id)


def due_in(conn: Any, kind: Any, subject_id: int) -> Any:
    """How long until a pending_work row is due (zero or less: due now); None when nothing is owed."""
    row = conn.execute(
        "SELECT due_at - now() AS wait FROM pending_work WHERE kind = %s AND subject_id = %s", (kind.value, subject_id)
    ).fetchone()
    return None if row is None else row["wait"]
