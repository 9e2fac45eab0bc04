"""Demo 典型案例 (placeholder, filled below)."""


def load_showcase_demo() -> None:
    return None
