"""The ``nnlib`` command: ``nnlib data``, and the subcommands other packages add to it.

A subcommand is a module providing ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). ``nnlib data`` is nnlib's own
(:mod:`nnlib.commands.data`). The others are found through the Python entry points of the
group ``nnlib.commands`` (this project declares ``exercises``, ``handout``, ``grade``,
``gradescope`` and ``marks``, the instructor's tools, and ``bench``, the benchmark), so nnlib
never imports them, and a subcommand whose packages are not installed is simply not offered.
"""

import argparse
import sys
from importlib.metadata import entry_points
from types import ModuleType

from nnlib.commands import data

ENTRY_POINT_GROUP = "nnlib.commands"
OWN_COMMANDS = {"data": data}


def subcommands() -> tuple[dict[str, ModuleType], dict[str, str]]:
    """The subcommands on offer (nnlib's own first, then by name), and those not on offer.

    Returns ``(offered, unavailable)``: name -> module, and name -> the module it misses.
    """
    offered = dict(OWN_COMMANDS)
    unavailable = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda entry: entry.name):
        if entry.name in offered:
            continue
        try:
            offered[entry.name] = entry.load()
        except ModuleNotFoundError as error:  # installed without the extra it needs
            unavailable[entry.name] = error.name
    return offered, unavailable


def build_parser() -> argparse.ArgumentParser:
    offered, unavailable = subcommands()
    epilog = None
    if unavailable:
        epilog = "not available here (a package is missing): " + ", ".join(
            f"{name} (needs {module})" for name, module in unavailable.items()
        )
    parser = argparse.ArgumentParser(
        prog="nnlib",
        description="Neural Networks from Scratch, the course: command-line tools.",
        epilog=epilog,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in offered.items():
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
