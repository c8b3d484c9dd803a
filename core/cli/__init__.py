"""The `fbsync` command (core/cli/main.py), one module per family of commands."""

from core.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
