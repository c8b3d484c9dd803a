"""The yardstick for the webhook bench: a Flask app that reads the body and answers 200, nothing else.

gunicorn 'bench.bare_app:app'
"""

from flask import Flask, Response, request

app = Flask("bare")


@app.post("/webhooks/facebook")
def receive() -> Response:
    request.get_data(cache=False)
    return Response("EVENT_RECEIVED", status=200, mimetype="text/plain")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", status=200, mimetype="text/plain")
