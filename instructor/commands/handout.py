"""``nnlib handout``: build the folder a class gets, with no solution and no hidden check in it.

Exits 0 once the handout is built; 2 when it is refused (the course is not fit to hand out,
or the folder is not new, empty or an untouched earlier handout): then nothing was written.
The default ``--source``, ``.``, is the current directory: run it from the repository root.
"""

import argparse
import sys
from pathlib import Path

from instructor import handout

HELP = "Build the handout for a class: chapters, exercises, nnlib and `make lab`; no answers."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "out", type=Path, metavar="OUT_DIR", help="the folder to create (new or empty)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace OUT_DIR if it is a handout built before and left untouched "
        "(any other content is never deleted)",
    )
    add_source_argument(parser)


def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """``--source DIR``, the course repository (``nnlib gradescope`` has it too)."""
    parser.add_argument(
        "--source",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the course repository (default: the current directory)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        built = handout.build(args.source, args.out, force=args.force)
    except handout.HandoutError as error:
        print(f"nnlib handout: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"nnlib handout: cannot write the handout to {args.out}: {error}", file=sys.stderr)
        return 2
    print(f"handout built in {built.path}: {len(built.files)} files, {_megabytes(built.size)}")
    for line in summary(built.files):
        print(f"  {line}")
    print("learners run `make lab` in that folder; its README.md says the rest")
    return 0


def summary(files: dict[str, int]) -> list[str]:
    """One line per handed-out folder (files, size), then the generated files."""
    lines = []
    for folder in handout.HANDED_OUT:
        sizes = [size for name, size in files.items() if name.startswith(f"{folder}/")]
        lines.append(f"{folder + '/':<12} {len(sizes):>3} files  {_megabytes(sum(sizes))}")
    top = sorted(name for name in files if "/" not in name and name != handout.MANIFEST)
    lines.append(f"{'':<12} and {', '.join(top)}")
    return lines


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
