"""The ``nnlib`` command: ``nnlib data``, ``nnlib exercises``, ``nnlib grade``, ``nnlib bench``.

Each subcommand lives in its own module under ``nnlib.commands`` and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int`` (the exit status).
"""

import argparse
import importlib
import sys

COMMANDS = ("data", "exercises", "grade", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnlib", description="Neural Networks from Scratch, the course: command-line tools."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"nnlib.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
