"""Grading submissions: finding them, running each in its own kernel, and scoring the result.

A submission's chapter is its file name stem (``04_momentum.ipynb``); its student is the name
of the folder holding it (``submissions/alice/04_momentum.ipynb``), or the stem when the path
has no folder part. Every failure of a learner's notebook still yields one row per exercise
(0 points, feedback saying why) so that one broken notebook never stops a batch.
"""

import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from nbformat import NotebookNode

from instructor import runner
from instructor.notebook_exercises import WrittenAnswer, read_notebook, written_answers
from instructor.rubric import (
    Exercise,
    RubricError,
    clamp_points,
    describe_exception,
    load_exercises,
    rubric_modules,
)

# Result.status values besides the runner's graded / timeout / kernel-died / not-graded.
UNKNOWN_CHAPTER = "unknown-chapter"
INVALID_NOTEBOOK = "invalid-notebook"
# The grader's own failures: a rubric that cannot be loaded, a kernel that cannot start.
RUBRIC_ERROR = "rubric-error"
GRADER_ERROR = "grader-error"
GRADER_FAILURES = (RUBRIC_ERROR, GRADER_ERROR)


class GradingError(Exception):
    """The grader cannot run at all (no notebooks, a path that does not exist...)."""


@dataclass(frozen=True)
class Submission:
    """A notebook to grade: its path as given or found, its chapter and its student."""

    path: str
    chapter: str
    student: str


@dataclass
class Result:
    """The outcome of grading one submission.

    ``rows`` has one dict per exercise (``exercise, title, points, max_points, feedback``);
    ``reason`` says why the notebook could not be graded normally ("" if it was).
    """

    submission: Submission
    status: str
    rows: list[dict]
    reason: str = ""
    errors: list[runner.CellError] = field(default_factory=list)
    answers: list[WrittenAnswer] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(row["points"] for row in self.rows)

    @property
    def max_points(self) -> int:
        return sum(row["max_points"] for row in self.rows)


def find_submissions(paths: list[str]) -> list[Submission]:
    """The notebooks named by ``paths`` (files, or folders searched recursively), sorted.

    Raises GradingError for a path that does not exist or when there is no notebook at all.
    """
    found = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            notebooks = [
                notebook
                for notebook in path.rglob("*.ipynb")
                if ".ipynb_checkpoints" not in notebook.parts and notebook.is_file()
            ]
        elif path.is_file():
            notebooks = [path]
        else:
            raise GradingError(f"{given}: no such file or folder")
        for notebook in notebooks:
            # The same notebook reached twice (a file inside a folder also given) counts once.
            found.setdefault(notebook.resolve(), notebook)
    if not found:
        raise GradingError(f"no notebooks found in {', '.join(paths)}")
    return sorted((submission_for(path) for path in found.values()), key=lambda s: s.path)


def submission_for(path: Path) -> Submission:
    """Chapter and student of the notebook at ``path``, as the module docstring describes."""
    student = path.parent.name or path.stem
    return Submission(str(path), path.stem, student)


def grade_all(submissions: list[Submission], timeout: float, jobs: int = 1) -> list[Result]:
    """Grade every submission, ``jobs`` at a time, returning results in the same order."""
    if jobs <= 1 or len(submissions) <= 1:
        return [grade_submission(submission, timeout) for submission in submissions]
    # Spawned, not forked, workers: each starts clean instead of copying the caller's state
    # (event loops, open kernels, a test runner's plugins).
    context = multiprocessing.get_context("spawn")
    workers = min(jobs, len(submissions))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(grade_submission, submissions, repeat(timeout)))


def grade_submission(submission: Submission, timeout: float) -> Result:
    """Grade one submission in a fresh kernel; never raises for a learner's mistake."""
    try:
        exercises = load_exercises(submission.chapter)
    except RubricError as error:
        known = submission.chapter in rubric_modules()
        status = RUBRIC_ERROR if known else UNKNOWN_CHAPTER
        row = {"exercise": "-", "title": "", "points": 0.0, "max_points": 0}
        return Result(submission, status, [{**row, "feedback": str(error)}], str(error))
    try:
        data = Path(submission.path).read_bytes()
        notebook = read_notebook(data, submission.path)
    except (OSError, ValueError) as error:
        return _failed(submission, exercises, INVALID_NOTEBOOK, str(error))
    try:
        execution = _execute_copy(submission, notebook, data, timeout)
    except Exception as error:
        reason = f"the grader could not run the notebook: {describe_exception(error)}"
        return _failed(submission, exercises, GRADER_ERROR, reason)
    if execution.status != runner.GRADED:
        result = _failed(submission, exercises, execution.status, execution.reason)
    else:
        result = Result(submission, runner.GRADED, exercise_rows(exercises, execution.grades))
    result.errors = execution.errors
    result.answers = written_answers(notebook)
    return result


def _execute_copy(
    submission: Submission, notebook: NotebookNode, data: bytes, timeout: float
) -> runner.Execution:
    """Run a copy of the submission in a fresh temporary folder, so the original is untouched."""
    with tempfile.TemporaryDirectory(prefix="nnlib-grade-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp, "work")
        workdir.mkdir()
        (workdir / Path(submission.path).name).write_bytes(data)
        # The results file sits next to, not in, the folder the learner's code may wreck.
        result_path = Path(tmp, "grades.json")
        return runner.run_submission(notebook, submission.chapter, workdir, result_path, timeout)


def exercise_rows(exercises: list[Exercise], grades: list[dict]) -> list[dict]:
    """One row per rubric exercise from the kernel's grades, re-checked against the rubric."""
    graded = {row.get("exercise"): row for row in grades if isinstance(row, dict)}
    rows = []
    for exercise in exercises:
        row = graded.get(exercise.key)
        if row is None:
            rows.append(_row(exercise, 0.0, "Not graded: the grading call returned no result"))
            continue
        points = clamp_points(row.get("points", 0.0), exercise.max_points)
        rows.append(_row(exercise, points, str(row.get("feedback", ""))))
    return rows


def _failed(submission: Submission, exercises: list[Exercise], status: str, reason: str) -> Result:
    """A result giving 0 on every exercise, with the reason as each exercise's feedback."""
    rows = [_row(exercise, 0.0, f"Not graded: {reason}") for exercise in exercises]
    return Result(submission, status, rows, reason)


def _row(exercise: Exercise, points: float, feedback: str) -> dict:
    return {
        "exercise": exercise.key,
        "title": exercise.title,
        "points": points,
        "max_points": exercise.max_points,
        "feedback": feedback,
    }
