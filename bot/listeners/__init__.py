"""Slack listeners, one module per kind, each with its own `register(app)`."""

from slack_bolt import App

from bot.listeners import actions, commands, events, leads, merges


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
    leads.register(app)
    merges.register(app)
    events.register(app)
