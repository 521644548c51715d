"""``nnlib data`` (see :mod:`nnlib.cli`), and what every ``nnlib`` subcommand may share.

The subcommands that other packages add (``instructor.commands``, ``benchmark.command``) use
:func:`positive` from here: they build on nnlib, never the other way round.
"""

import argparse
from collections.abc import Callable


def positive(kind: type) -> Callable[[str], float]:
    """An argparse type converting to ``kind`` (int or float) and refusing values not above 0."""
    requirement = "a positive integer" if kind is int else "above 0"

    def convert(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its error messages
    return convert
