"""``nnlib grade``: run submitted notebooks in fresh kernels and grade them against the rubrics.

Each notebook runs in its own sandbox (:mod:`instructor.sandbox`) unless ``--no-sandbox``.
Exits 0 once grading completed, whatever the marks; 2 when the grader cannot run (no notebook,
a path that does not exist, an output folder that cannot be written, an earlier
written_answers.csv whose marks cannot be read, no sandbox can be made); 1 when it ran but
some submission could not be graded through no fault of the learner (a rubric that cannot be
loaded, a kernel that cannot start); 130 when Ctrl-C stopped it (the results finished so far
are kept and reported).
"""

import argparse
import logging
import sys
from pathlib import Path

from instructor import grading, marks, reports, sandbox
from instructor.rubric import RubricError, rubric_modules
from instructor.store import ResultStore
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
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the results kept in DIR/results for notebooks, rubrics and grader "
        "unchanged since (an interrupted run's, or an earlier run's); grade only the rest",
    )
    parser.add_argument(
        "--memory",
        type=_size,
        default=sandbox.DEFAULT_MEMORY,
        metavar="SIZE",
        help=f"memory cap of each notebook's sandbox (default: {sandbox.DEFAULT_MEMORY})",
    )
    parser.add_argument(
        "--processes",
        type=positive(int),
        default=sandbox.DEFAULT_PROCESSES,
        metavar="N",
        help="cap on the processes and threads of each notebook's sandbox "
        f"(default: {sandbox.DEFAULT_PROCESSES})",
    )
    parser.add_argument(
        "--cpu-time",
        type=positive(float),
        metavar="SECONDS",
        help="CPU time cap of each notebook's sandbox, all its processes together "
        f"(default: {sandbox.CPU_TIME_PER_TIMEOUT} times --timeout)",
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the notebooks without a sandbox: unconfined, with the grader's rights, "
        "no caps (only for notebooks you trust; the reports say so)",
    )


def _size(text: str) -> int:
    try:
        return sandbox.parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _sandbox(
    args: argparse.Namespace, submissions: list[grading.Submission]
) -> sandbox.Sandbox | None:
    """The run's sandbox, None with --no-sandbox; SandboxError when none can be made."""
    if args.no_sandbox:
        return None
    cpu_time = args.cpu_time or sandbox.CPU_TIME_PER_TIMEOUT * args.timeout
    limits = sandbox.Limits(args.memory, args.processes, cpu_time)
    hidden = [*args.paths, *(submission.path for submission in submissions), args.out]
    return sandbox.prepare(limits, hidden)


def run(args: argparse.Namespace) -> int:
    try:
        rubric_modules()  # a malformed NNLIB_RUBRIC_MODULES is the grader's problem: say so now
        submissions = grading.find_submissions(args.paths)
        reports.prepare_output(args.out)
        box = _sandbox(args, submissions)  # after the output folder: it is hidden from it
        described = box.describe() if box is not None else None
        options = {"timeout": args.timeout, "sandbox": described}
        store = ResultStore(args.out, options, resume=args.resume)
        store.prepare()
        previous = marks.read_previous(args.out)
    except (grading.GradingError, RubricError, sandbox.SandboxError) as error:
        return _fail(str(error))
    except marks.MarksError as error:
        return _fail(
            f"{error}\nits marks would be lost: fix the file (`nnlib marks {args.out}` checks "
            f"it) or move it away, then grade again"
        )
    except OSError as error:
        return _fail(f"cannot write to the output folder {args.out}: {error}")
    print(f"sandbox: {described or reports.NOT_SANDBOXED}", file=sys.stderr)
    interrupted = False
    try:
        results = grading.grade_all(submissions, args.timeout, args.jobs, store=store, sandbox=box)
    except grading.GradingInterrupted as stop:
        results, interrupted = stop.results, True
        # The interrupted kernel client's pending tasks would log tracebacks as they go.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    except OSError as error:
        return _fail(
            f"cannot keep a result in {store.folder}: {error}; the results finished before "
            f"are kept there: make room, then rerun with --resume"
        )
    try:
        warning = reports.write_run(results, args.out, store, previous)
    except OSError as error:
        return _fail(f"cannot write to the output folder {args.out}: {error}")
    print(reports.summary_table(results))
    print(f"results written to {args.out}", file=sys.stderr)
    if warning:
        print(f"nnlib grade: warning: {warning}", file=sys.stderr)
    if interrupted:
        print(
            f"nnlib grade: interrupted: {len(results)} of {len(submissions)} notebook(s) "
            f"graded and reported; their results are kept in {store.folder}: rerun with "
            f"--resume to grade only the rest",
            file=sys.stderr,
        )
        return 130
    failures = [result for result in results if result.status in grading.GRADER_FAILURES]
    for result in failures:
        print(f"nnlib grade: {result.submission.path}: {result.reason}", file=sys.stderr)
    return 1 if failures else 0


def _fail(message: str) -> int:
    print(f"nnlib grade: {message}", file=sys.stderr)
    return 2
