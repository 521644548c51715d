"""``nnlib gradescope CHAPTER OUT.zip``: build a chapter's Gradescope autograder bundle.

Exits 0 once the zip is written; 2 when it is refused (an unknown chapter, a course that is
not fit for it, a file that cannot be written): then nothing was written. The default
``--source``, ``.``, is the current directory: run it from the repository root.
"""

import argparse
import sys
from pathlib import Path

from instructor import gradescope, sandbox
from instructor.commands import handout
from nnlib.commands import positive

HELP = "Build a chapter's Gradescope autograder (a zip: setup.sh, run_autograder, the grader)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chapter", metavar="CHAPTER", help="the chapter graded (04_momentum...)")
    parser.add_argument("out", type=Path, metavar="OUT.zip", help="the zip to write")
    parser.add_argument(
        "--timeout",
        type=positive(float),
        default=gradescope.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time allowed per notebook, its grading included (default: 300); keep it "
        "under the Gradescope assignment's own time limit",
    )
    parser.add_argument(
        "--memory",
        default=sandbox.DEFAULT_MEMORY,
        metavar="SIZE",
        help=f"memory cap of the sandbox (default: {sandbox.DEFAULT_MEMORY}); keep it under "
        "the memory of the Gradescope machine chosen",
    )
    handout.add_source_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        files = gradescope.build_bundle(
            args.source, args.chapter, args.out, args.timeout, args.memory
        )
    except gradescope.BundleError as error:
        print(f"nnlib gradescope: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"nnlib gradescope: cannot write {args.out}: {error}", file=sys.stderr)
        return 2
    size = args.out.stat().st_size
    print(
        f"Gradescope autograder for {args.chapter} written to {args.out}: {len(files)} files, "
        f"{size / 1e6:.1f} MB zipped"
    )
    print(
        "upload it as the autograder of a programming assignment (Ubuntu image); students "
        f"submit {args.chapter}.ipynb"
    )
    return 0
