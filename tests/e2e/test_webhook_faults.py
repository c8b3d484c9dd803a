"""Faults on real processes: gunicorn, an `rq worker`, the dispatcher and a Redis server of the test's own,
killed (-9) and restarted empty while Meta keeps delivering. PostgreSQL holds the deliveries and the
refreshes owed, so every delivery is acknowledged and every contact is refreshed once the processes
are back; under the production command (`make run`) they come back by themselves."""

from __future__ import annotations

import os
import signal
import time

import pytest

from conftest import APP_SECRET, TEAM_ID
from sandbox import meta_webhooks, processes
from sandbox.graph_sim import SimPage
from sandbox.run import RELEASE, procfile_processes

SHOP = SimPage(
    page_id="930000000000001", name="Harbour Bikes", token="harbour-faults-token-8", messenger_count=5, seed=23
)


@pytest.fixture
def own_redis(tmp_path):
    server = processes.RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(deployment_env, own_redis, sim, connect_page):
    sim.add_page(SHOP)
    connect_page(SHOP, team=TEAM_ID)
    env = {
        **deployment_env,
        "REDIS_URL": own_redis.url,
        "FBSYNC_REFRESH_DEBOUNCE": "0.5",
        "FBSYNC_REFRESH_REQUEUE_AFTER": "5",
    }
    env.pop("GEMINI_API_KEYS", None)  # the rules analyzer: the faults, not the AI, are under test
    return env


class Deployment:
    """web, worker and dispatcher as the Procfile runs them; `supervise()` restarts what has exited, as the
    platform running the Procfile does."""

    def __init__(self, env: dict[str, str], start_process) -> None:
        port = processes.free_port()
        self.web = f"http://127.0.0.1:{port}"
        self._env = {**env, "FBSYNC_PUBLIC_URL": self.web}
        self._start = start_process
        self.commands = {
            "web": processes.gunicorn(port),
            "worker": processes.rq_worker(env["REDIS_URL"], "refresh", "analysis"),
            "dispatcher": processes.dispatcher(),
        }
        self.running = {name: self._start(args, self._env) for name, args in self.commands.items()}
        processes.wait_for(lambda: processes.serving(f"{self.web}/healthz"), 60, "gunicorn")

    def kill(self, name: str) -> None:
        os.killpg(self.running[name].pid, signal.SIGKILL)
        self.running[name].wait()

    def supervise(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                self.running[name] = self._start(self.commands[name], self._env)

    def wait_for(self, predicate, timeout: float, what: str) -> None:
        """Waits as the platform would run things meanwhile: a process that exits is started again."""

        def supervised() -> bool:
            self.supervise()
            return predicate()

        processes.wait_for(supervised, timeout, what)


def new_sender_writes(sim, web: str, n: int) -> int:
    return deliver(web, new_sender_delivery(sim, n))


def deliver(web: str, body: dict) -> int:
    return meta_webhooks.post(f"{web}/webhooks/facebook", body, APP_SECRET).status_code


def accepted_within(web: str, body: dict, seconds: float) -> bool:
    """Posts the delivery again, as Meta does, until it is answered 200."""
    deadline = time.monotonic() + seconds
    while deliver(web, body) != 200:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def new_sender_delivery(sim, n: int) -> dict:
    sender = str(24511277770000 + n)
    sent = sim.new_sender(
        SHOP.page_id, "messenger", sender, f"Hi, is the blue bike {n} still for sale?", name=f"Rider Number{n}"
    )
    item = meta_webhooks.messenger_message(
        SHOP.page_id,
        sender,
        f"Hi, is the blue bike {n} still for sale?",
        mid=sent["mid"],
        timestamp_ms=sent["timestamp_ms"],
    )
    return meta_webhooks.delivery("page", [(SHOP.page_id, [item])])


def refreshed(pool, senders: int) -> bool:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE ai_context IS NOT NULL AND first_name IS NOT NULL) AS done,"
            " (SELECT count(*) FROM pending_work WHERE kind = 'refresh') AS owed"
            " FROM contacts WHERE messenger_psid LIKE '2451127777%%'"
        ).fetchone()
    return row["done"] == senders and row["owed"] == 0


def test_redis_killed_mid_delivery_and_restarted_empty_loses_no_refresh(env, own_redis, sim, pool, start_process):
    deployment = Deployment(env, start_process)
    acks = [new_sender_writes(sim, deployment.web, n) for n in range(6)]

    own_redis.kill()  # queued refreshes and the dispatcher's mark are gone with it
    acks += [new_sender_writes(sim, deployment.web, n) for n in range(6, 12)]
    own_redis.start()  # empty
    deployment.supervise()

    assert acks == [200] * 12  # Redis down costs nothing at acknowledgement
    deployment.wait_for(lambda: refreshed(pool, 12), 120, "every contact to be refreshed")
    with pool.connection() as conn:
        events = conn.execute("SELECT count(*) AS n, count(processed_at) AS done FROM webhook_events").fetchone()
    assert events["n"] == events["done"] == 12


def test_the_dispatcher_killed_then_back_still_refreshes_everyone(env, sim, pool, start_process):
    deployment = Deployment(env, start_process)
    deployment.kill("dispatcher")
    acks = [new_sender_writes(sim, deployment.web, n) for n in range(5)]
    with pool.connection() as conn:
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_inbox").fetchone()["n"]
    assert acks == [200] * 5 and waiting == 5  # in PostgreSQL, whatever runs or not: the drain is the dispatcher's

    deployment.wait_for(lambda: refreshed(pool, 5), 120, "every contact to be refreshed")


def stored_message(pool, n: int) -> bool:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.messenger_psid = %s",
            (str(24511277770000 + n),),
        ).fetchone()
    return row["n"] == 1


def test_with_redis_stopped_a_delivery_is_in_messages_within_seconds(env, own_redis, sim, pool, start_process):
    deployment = Deployment(env, start_process)
    own_redis.kill()
    acks = []
    for n in range(3):
        acks.append(new_sender_writes(sim, deployment.web, n))
        # The guarantee: expanded by the dispatcher, which needs only PostgreSQL, within 5 s of the 200.
        processes.wait_for(lambda n=n: stored_message(pool, n), 5, f"message {n} in messages with Redis down")
    assert acks == [200] * 3
    with pool.connection() as conn:
        owed = conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'refresh'").fetchone()["n"]
    assert owed == 3  # refreshes wait for Redis, in PostgreSQL
    own_redis.start()
    deployment.wait_for(lambda: refreshed(pool, 3), 60, "every contact to be refreshed once Redis is back")


def test_a_continuation_due_during_a_redis_outage_runs_soon_after_redis_returns(
    env, own_redis, sim, pool, start_process
):
    deployment = Deployment(env, start_process)
    new_sender_writes(sim, deployment.web, 0)
    deployment.wait_for(lambda: refreshed(pool, 1), 60, "the contact to be refreshed")
    with pool.connection() as conn:
        page_pk = conn.execute("SELECT id FROM facebook_pages WHERE page_id = %s", (SHOP.page_id,)).fetchone()["id"]
        # A deferred analysis slice (as after an AI quota ran out), due while Redis is away.
        conn.execute(
            "INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at)"
            " VALUES ('analysis', %s, %s, now() + interval '3 seconds')",
            (page_pk, page_pk),
        )
    own_redis.kill()
    time.sleep(6)
    own_redis.start()  # empty: RQ's scheduled registry, had there been one, would be gone

    def done() -> bool:
        with pool.connection() as conn:
            return conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'analysis'").fetchone()["n"] == 0

    deployment.wait_for(done, 30, "the continuation to run within 30 s of Redis's return")


@pytest.fixture
def postgres_gate(database_url):
    gate = processes.PostgresGate(database_url)
    gate.restore()
    yield gate
    gate.cut()


def test_a_postgresql_outage_is_waited_out_and_what_was_acknowledged_is_kept(
    env, postgres_gate, sim, pool, start_process
):
    deployment = Deployment({**env, "DATABASE_URL": postgres_gate.url}, start_process)
    before = [new_sender_writes(sim, deployment.web, n) for n in range(3)]
    deployment.wait_for(lambda: refreshed(pool, 3), 60, "the first contacts to be refreshed")

    postgres_gate.cut()  # every connection dropped, new ones refused
    refused = [new_sender_delivery(sim, n) for n in range(3, 6)]
    during = [deliver(deployment.web, body) for body in refused]
    time.sleep(3)  # the outage goes on while the dispatcher and the worker poll
    assert {name: process.poll() for name, process in deployment.running.items()} == dict.fromkeys(
        deployment.running
    )  # nobody exited: each waits it out
    postgres_gate.restore()
    # Meta resends what was refused until it is accepted, as it does what comes after: a pooled
    # connection that died with the outage costs its request one 503 before it is replaced.
    later = [new_sender_delivery(sim, n) for n in range(6, 9)]
    accepted = [accepted_within(deployment.web, body, 30) for body in refused + later]

    assert before == [200] * 3 and during == [503] * 3 and accepted == [True] * 6
    deployment.wait_for(lambda: refreshed(pool, 9), 60, "every contact to be refreshed after the outage")
    with pool.connection() as conn:
        stored = conn.execute(
            "SELECT count(*) AS n FROM messages m JOIN contacts c ON c.id = m.contact_id"
            " WHERE c.messenger_psid LIKE '2451127777%%'"
        ).fetchone()["n"]
    assert stored == 9


def test_make_run_outlives_a_redis_outage_and_refreshes_once_redis_is_back_empty(env, own_redis, sim, pool, tmp_path):
    port = processes.free_port()
    env = {**env, "PORT": str(port), "FBSYNC_PUBLIC_URL": f"http://127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    expected = set(procfile_processes(processes.ROOT / "Procfile")) - {RELEASE}
    with processes.make_run(env, tmp_path / "run.log", expected) as run:
        own_redis.kill()
        ack = new_sender_writes(sim, run.base_url, 0)
        time.sleep(8)  # the outage: every RQ process meets it (the dispatcher ticks twice a second)
        own_redis.start()  # empty

        processes.wait_for(lambda: refreshed(pool, 1), 45, "the contact to be refreshed after the outage")
        output = run.log.read_text()
        assert ack == 200  # stored while Redis was down
        assert {name: processes.alive(pid) for name, pid in run.pids.items()} == dict.fromkeys(run.pids, True), output
        assert ".1 stopped" not in output, output  # honcho stops everything when one exits
        # The supervisors and what they run (each in a session of its own, out of honcho's reach).
        supervised = [child for pid in run.pids.values() for child in processes.children_of(pid)]
        supervised += [child for pid in supervised for child in processes.children_of(pid)]
    # honcho is done when the shells it started are; what they run may still be finishing a warm shutdown.
    processes.wait_for(
        lambda: not [pid for pid in [*run.pids.values(), *supervised] if processes.alive(pid)],
        20,
        "Ctrl-C to stop every process and what it supervises",
    )
