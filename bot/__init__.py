"""Slack adapter (Bolt): the /fbsync command, Block Kit views and the Slack progress reporter."""
