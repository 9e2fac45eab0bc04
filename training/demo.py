"""Demo training (placeholder, filled below)."""


def load_training_demo() -> None:
    return None
