"""``nnlib exercises``: generate the exercise notebooks from the solution notebooks.

The default folders, ``solutions`` and ``exercises``, are relative to the current directory:
run it from the repository root (as the Makefile does).
"""

import argparse
import sys
from pathlib import Path

from instructor import notebook_exercises

HELP = "Generate exercises/NN_name.ipynb from every solutions/NN_name.ipynb (or --check them)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--solutions",
        type=Path,
        default=Path("solutions"),
        metavar="DIR",
        help="folder of solution notebooks (default: ./solutions)",
    )
    parser.add_argument(
        "--exercises",
        type=Path,
        default=Path("exercises"),
        metavar="DIR",
        help="folder of exercise notebooks to write (default: ./exercises)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any exercise notebook is missing, extra or out of date",
    )


def run(args: argparse.Namespace) -> int:
    if not args.solutions.is_dir():
        print(f"nnlib exercises: no solutions folder {args.solutions}", file=sys.stderr)
        return 2
    try:
        expected = notebook_exercises.expected_exercises(args.solutions)
    except (ValueError, OSError) as error:
        print(f"nnlib exercises: {error}", file=sys.stderr)
        return 2
    problems = notebook_exercises.stale_exercises(expected, args.exercises)
    if args.check:
        return _report(problems, len(expected))
    args.exercises.mkdir(parents=True, exist_ok=True)
    for path, reason in problems:
        if reason == notebook_exercises.EXTRA:
            # Never delete: the file may be someone's work. Saying so is enough.
            print(f"nnlib exercises: warning: {path}: {reason}", file=sys.stderr)
        else:
            notebook_exercises.write_atomic(path, expected[path.name])
            print(f"wrote {path}")
    return 0


def _report(problems: list[tuple[Path, str]], count: int) -> int:
    """Print what --check found; the exit status says whether anything was stale."""
    for path, reason in problems:
        print(f"nnlib exercises --check: {path}: {reason}", file=sys.stderr)
    if problems:
        print("run `nnlib exercises` to regenerate the exercise notebooks", file=sys.stderr)
        return 1
    print(f"{count} exercise notebooks are up to date")
    return 0
