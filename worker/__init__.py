"""RQ adapter: job functions and enqueue helpers around core.sync."""
