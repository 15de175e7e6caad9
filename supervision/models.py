"""Supervision reads every app below it (SPEC V, and P6 accountability); it owns no tables yet."""
