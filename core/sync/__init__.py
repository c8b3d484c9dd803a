"""The sync engine and the reporter interface it talks through."""

from core.sync.engine import SyncEngine
from core.sync.reporter import SilentReporter, SyncProgress, SyncReporter

__all__ = ["SyncEngine", "SyncProgress", "SyncReporter", "SilentReporter"]
