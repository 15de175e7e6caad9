"""Issue 9: (being built)."""


def register() -> None:
    """Policy parameters, actions, sweeps, panels of this part (called from supervision.apps)."""


def seed_demo_records() -> None:
    """Demo records of this part (called from seed_demo)."""
