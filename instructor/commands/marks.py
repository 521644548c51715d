"""``nnlib marks``: fold the marks of written answers into a graded run's reports.

Reads ``OUT/written_answers.csv`` (or ``--file``), filled by a person, and rewrites
``OUT/grades.csv``, ``OUT/summary.csv`` and ``OUT/feedback/`` from the results that
``nnlib grade`` kept in ``OUT/results``: no notebook is run again. Exits 0 when the marks
were folded in; 2 when nothing was written: no graded run in OUT, or a marks file with
problems (every one is listed: a missing column, points that are not a number or outside
[0, max_points], an unknown submission or question).
"""

import argparse
import sys
from pathlib import Path

from instructor import marks, reports
from instructor.store import StoreError, load_results

HELP = "Fold the marks of written answers (written_answers.csv) into grades, summary, feedback."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "out",
        type=Path,
        metavar="OUT_DIR",
        help="the output folder of `nnlib grade`",
    )
    parser.add_argument(
        "--file",
        type=Path,
        metavar="CSV",
        help=f"the marks (default: OUT_DIR/{marks.WRITTEN_ANSWERS}, filled in place)",
    )


def run(args: argparse.Namespace) -> int:
    path = args.file or args.out / marks.WRITTEN_ANSWERS
    try:
        results = load_results(args.out)
        given = marks.read_marks(path, results)
    except (StoreError, marks.MarksError) as error:
        return _fail(str(error))
    marks.apply_marks(results, given)
    try:
        reports.write_reports(results, args.out)
    except OSError as error:
        return _fail(f"cannot write to the output folder {args.out}: {error}")
    print(reports.summary_table(results))
    written = [question for result in results for question in result.questions]
    marked = [question for result in results for question in result.marked_questions]
    print(
        f"{len(marked)} of {len(written)} written answer(s) marked; grades.csv, summary.csv "
        f"and feedback/ rewritten in {args.out}",
        file=sys.stderr,
    )
    return 0


def _fail(message: str) -> int:
    print(f"nnlib marks: {message}", file=sys.stderr)
    return 2
