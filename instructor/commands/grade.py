"""``nnlib grade``: run submitted notebooks in fresh kernels and grade them against the rubrics.

Exits 0 once grading completed, whatever the marks; 2 when the grader cannot run (no notebook,
a path that does not exist, an output folder that cannot be written); 1 when it ran but some
submission could not be graded through no fault of the learner (a rubric that cannot be
loaded, a kernel that cannot start).
"""

import argparse
import sys
from pathlib import Path

from instructor import grading, reports
from instructor.rubric import RubricError, rubric_modules
from nnlib.commands import positive

HELP = "Grade submitted notebooks: grades.csv, summary.csv and a feedback report for each."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a notebook, or a folder searched recursively for notebooks "
        "(submissions/<student>/<chapter>.ipynb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("grading-output"),
        metavar="DIR",
        help="folder for the results (default: ./grading-output)",
    )
    parser.add_argument(
        "--timeout",
        type=positive(float),
        default=300.0,
        metavar="SECONDS",
        help="time allowed per notebook, its grading included (default: 300)",
    )
    parser.add_argument(
        "--jobs",
        type=positive(int),
        default=1,
        metavar="N",
        help="notebooks graded in parallel (default: 1)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        rubric_modules()  # a malformed NNLIB_RUBRIC_MODULES is the grader's problem: say so now
        submissions = grading.find_submissions(args.paths)
        reports.prepare_output(args.out)
    except (grading.GradingError, RubricError) as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write to the output folder {args.out}: {error}")
    print(f"grading {len(submissions)} notebook(s) with {args.jobs} job(s)", file=sys.stderr)
    results = grading.grade_all(submissions, args.timeout, args.jobs)
    try:
        reports.write_reports(results, args.out)
    except OSError as error:
        return _fail(f"cannot write to the output folder {args.out}: {error}")
    print(reports.summary_table(results))
    print(f"results written to {args.out}", file=sys.stderr)
    failures = [result for result in results if result.status in grading.GRADER_FAILURES]
    for result in failures:
        print(f"nnlib grade: {result.submission.path}: {result.reason}", file=sys.stderr)
    return 1 if failures else 0


def _fail(message: str) -> int:
    print(f"nnlib grade: {message}", file=sys.stderr)
    return 2
