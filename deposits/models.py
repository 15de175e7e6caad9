"""Models arrive with the issue that builds this app (SPEC D1–D4)."""
