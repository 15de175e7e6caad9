"""Models arrive with the issue that builds this app (SPEC C1–C6)."""
