"""A small class of toy submissions, graded without kernels, for the marks and resume tests.

The toy rubric of tests/grading_cases.py gets a written question (``QUESTIONS``) and is
registered under a package name of its own per test, so that a test may edit it. The
kernel-free grader (:class:`FakeGrader`) runs the code cells in this process and counts its
calls; it replaces ``grading.grade_submission`` (with ``--jobs 1``).
"""

import argparse
import contextlib
import io
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from instructor import grading
from instructor.commands import grade, marks
from instructor.notebook_exercises import ANSWER_PLACEHOLDER, read_notebook, written_answers
from instructor.rubric import RubricError, grade_namespace, load_exercises
from tests.grading_cases import (
    CASES,
    COUNTER,
    GOOD,
    QUESTION,
    SCORE,
    SQUARE,
    TOY_CHAPTER,
    TOY_RUBRIC,
    notebook_bytes,
)

QUESTION_POINTS = 2
WRITTEN_RUBRIC = TOY_RUBRIC + (
    f"\nfrom instructor.rubric import Question\n\n"
    f'QUESTIONS = [Question("1.4", {QUESTION_POINTS})]\n'
)
UNANSWERED = [
    SQUARE,
    COUNTER,
    SCORE,
    QUESTION,
    f"md:**Written answer (Q1.4):**\n{ANSWER_PLACEHOLDER}",
]
CASE_CONTENT = {case.student: case.content for case in CASES}
# Student -> notebook: an answered question, an unanswered one, a wrong Counter, no notebook.
CLASS = {
    "good": notebook_bytes(GOOD),
    "blank": notebook_bytes(UNANSWERED),
    "broken": CASE_CONTENT["broken"],
    "invalid_json": CASE_CONTENT["invalid_json"],
}
# The exercises' points of each (the toy rubric's 1.1, 1.2, 1.3 are worth 2, 3 and 1).
EXERCISE_POINTS = {"good": 6, "blank": 6, "broken": 4, "invalid_json": 0}
TIMEOUT = "10"
_packages = itertools.count()


def path_of(student: str) -> str:
    return f"submissions/{student}/{TOY_CHAPTER}.ipynb"


@dataclass
class ToyClass:
    """The current folder: ``submissions/<student>/99_toy.ipynb`` for every student of CLASS."""

    root: Path
    rubric: Path  # the rubric module's file
    grader: "FakeGrader"

    def grade(self, *argv: object) -> tuple[int, str]:
        """``nnlib grade --out out --timeout 10 ARGV... submissions``: (status, stdout)."""
        return run_command(grade, "--out", "out", "--timeout", TIMEOUT, *argv, "submissions")

    def marks(self, *argv: object) -> tuple[int, str]:
        return run_command(marks, "out", *argv)

    def tree(self, folder: str = "out") -> dict[str, bytes]:
        """{relative path: bytes} of every file under ``folder``."""
        base = self.root / folder
        return {
            path.relative_to(base).as_posix(): path.read_bytes()
            for path in sorted(base.rglob("*"))
            if path.is_file()
        }


@dataclass
class FakeGrader:
    """grading.grade_submission without a kernel; ``calls`` lists the students graded.

    ``interrupt_at``: the call (counting from 1) that raises KeyboardInterrupt, as Ctrl-C
    would; ``fail``: students whose grading raises RuntimeError, as a grader bug would.
    """

    calls: list[str] = field(default_factory=list)
    interrupt_at: int | None = None
    fail: set[str] = field(default_factory=set)

    def __call__(self, submission: grading.Submission, *options) -> grading.Result:
        self.calls.append(submission.student)
        if len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        if submission.student in self.fail:
            raise RuntimeError("the grader broke")
        try:
            exercises = load_exercises(submission.chapter)
        except RubricError as error:
            row = {"exercise": "-", "title": "", "points": 0.0, "max_points": 0, "feedback": ""}
            return grading.Result(submission, grading.RUBRIC_ERROR, [row], str(error))
        try:
            notebook = read_notebook(Path(submission.path).read_bytes(), submission.path)
        except ValueError as error:
            return grading._failed(submission, exercises, grading.INVALID_NOTEBOOK, str(error))
        namespace = {}
        for cell in notebook.cells:
            if cell.cell_type == "code":
                with contextlib.suppress(Exception):
                    exec(cell.source, namespace)
        rows = grade_namespace(submission.chapter, namespace)
        return grading.Result(submission, "graded", rows, answers=written_answers(notebook))


def run_command(module, *argv: object) -> tuple[int, str]:
    """Run an ``nnlib`` subcommand in this process; return its exit status and its stdout."""
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = module.run(parser.parse_args([str(arg) for arg in argv]))
    return code, printed.getvalue()


def install_written_rubric(root: Path) -> tuple[str, Path]:
    """The toy rubric with its written question, in a package of its own under ``root``.

    Returns the NNLIB_RUBRIC_MODULES entry and the module's file.
    """
    package = f"written_rubrics_{os.getpid()}_{next(_packages)}"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    module = root / package / f"ch{TOY_CHAPTER}.py"
    module.write_text(WRITTEN_RUBRIC)
    return f"{TOY_CHAPTER}={package}.ch{TOY_CHAPTER}", module


def make_toy_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToyClass:
    """CLASS in ``tmp_path`` (the current folder), its rubric registered, graded by FakeGrader."""
    entry, module = install_written_rubric(tmp_path / "rubrics")
    for student, content in CLASS.items():
        path = tmp_path / path_of(student)
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    monkeypatch.setenv("NNLIB_RUBRIC_MODULES", entry)
    # Kernels, when a test starts them, import the rubric too: they inherit PYTHONPATH.
    paths = [str(tmp_path / "rubrics"), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.syspath_prepend(str(tmp_path / "rubrics"))
    monkeypatch.chdir(tmp_path)
    grader = FakeGrader()
    monkeypatch.setattr(grading, "grade_submission", grader)
    return ToyClass(tmp_path, module, grader)
