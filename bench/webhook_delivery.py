"""Webhook acknowledgement latency: signed deliveries of 1, 10 and 1000 items through the Flask app.

    python -m bench.webhook_delivery

Meta wants a 200 within seconds; the goal is milliseconds. Uses DATABASE_URL / REDIS_URL when set.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from werkzeug.serving import make_server

from core import db, pages
from core.config import Settings
from core.tokens import TokenCipher
from sandbox import meta_webhooks
from sandbox.services import embedded_postgres, embedded_redis, scratch_database
from webhooks.app import create_app

PAGE_ID, APP_SECRET = "100000000000777", "bench-app-secret"


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fbsync-bench-"))
    with ExitStack() as stack:
        server_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir))
        database_url = stack.enter_context(scratch_database(server_url, prefix="fbsync_bench"))
        pool = db.open_pool(database_url)
        stack.callback(pool.close)
        db.migrate(pool)
        key = TokenCipher.new_key()
        with pool.connection() as conn, conn.transaction():
            pages.add_page(conn, organization_id=pages.ensure_organization(conn, "T0BENCH"), page_id=PAGE_ID,
                           name="Bench Page", token_ciphertext=TokenCipher((key,)).encrypt("bench-token"))
        settings = Settings(database_url=database_url, redis_url=redis_url, slack_bot_token="xoxb-bench",
                            slack_signing_secret="bench", fb_app_id="1", fb_app_secret=APP_SECRET,
                            fb_verify_token="bench", public_url="http://127.0.0.1", encryption_keys=(key,))
        server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.shutdown)
        url = f"http://127.0.0.1:{server.server_port}/webhooks/facebook"
        for size in (1, 10, 1000):
            items = [meta_webhooks.messenger_message(PAGE_ID, str(24511230000000 + i % 200), f"message {i}")
                     for i in range(size)]
            began = time.perf_counter()
            answer = meta_webhooks.post(url, meta_webhooks.delivery("page", [(PAGE_ID, items)]), APP_SECRET)
            print(f"{size:>5} items: HTTP {answer.status_code} in {(time.perf_counter() - began) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
