"""fbsync domain: the sync engine and everything it stands on. Imports no Slack, Flask or RQ code."""
