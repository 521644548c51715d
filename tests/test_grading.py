"""Tests of grading: the rubric contract, and ``nnlib grade`` on good and hostile notebooks.

The hostile notebooks (tests/grading_cases.py) are graded in one batch, once with --jobs 2
and once with --jobs 1, and every case is then checked row by row.
"""

import csv
import os
import re
import resource
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from instructor import grading, reports, runner
from instructor.commands import grade
from instructor.notebook_exercises import ANSWER_PLACEHOLDER, WrittenAnswer
from instructor.rubric import (
    CHAPTERS,
    Exercise,
    RubricError,
    grade_exercise,
    grade_namespace,
    load_exercises,
    rubric_modules,
)
from tests.grading_cases import (
    CASES,
    FULL_MARKS,
    GOOD,
    HUGE_OUTPUT,
    TOY_CHAPTER,
    install_toy_rubric,
    notebook_bytes,
)
from tests.grading_class import run_command

TIMEOUT = "10"


def run_grade(*argv: object) -> tuple[int, str]:
    """Run ``nnlib grade`` in this process; return its exit status and what it printed."""
    return run_command(grade, *argv)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        return reader.fieldnames, list(reader)


def file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# --- the rubric contract, without kernels ------------------------------------------------


def exercise(grade_function, max_points: int = 2) -> Exercise:
    return Exercise("1.1", "an exercise", max_points, grade_function)


def test_grade_exercise_keeps_points_and_feedback():
    row = grade_exercise(exercise(lambda namespace: (1.5, "half right")), {})
    assert row == {
        "exercise": "1.1",
        "title": "an exercise",
        "points": 1.5,
        "max_points": 2,
        "feedback": "half right",
    }


@pytest.mark.parametrize(
    ("grade_function", "feedback"),
    [
        (lambda ns: 1 / 0, "Not graded: the check raised ZeroDivisionError: division by zero"),
        (lambda ns: ns["Missing"], "Not graded: the check raised KeyError: 'Missing'"),
        (lambda ns: 2, "Not graded: the check raised TypeError: cannot unpack"),
        (lambda ns: exit(3), "Not graded: the check raised SystemExit: 3"),
        (lambda ns: (float("nan"), "odd"), "Not graded: the check computed nan points. odd"),
        (lambda ns: (float("inf"), "odd"), "Not graded: the check computed inf points."),
    ],
)
def test_grade_exercise_turns_failures_into_zero(grade_function, feedback):
    row = grade_exercise(exercise(grade_function), {})
    assert row["points"] == 0.0
    assert row["feedback"].startswith(feedback)


@pytest.mark.parametrize(("points", "expected"), [(7, 2.0), (-1, 0.0), ("1.25", 1.25)])
def test_grade_exercise_clamps_points(points, expected):
    assert grade_exercise(exercise(lambda namespace: (points, "")), {})["points"] == expected


def test_grade_exercise_truncates_huge_messages():
    def shout(namespace):
        raise ValueError("x" * 100_000)

    row = grade_exercise(exercise(shout), {})
    assert row["feedback"].startswith("Not graded: the check raised ValueError: xxx")
    assert row["feedback"].endswith("[...truncated]")
    assert len(row["feedback"]) < 400


def test_one_exercise_cannot_change_the_namespace_of_the_next():
    namespace = {"square": lambda x: x * x}
    grade_exercise(exercise(lambda ns: ns.clear() or (0, "")), namespace)
    row = grade_exercise(exercise(lambda ns: (ns["square"](1), "")), namespace)
    assert row["points"] == 1.0


def test_standard_chapters_have_their_rubric_modules(monkeypatch):
    monkeypatch.delenv("NNLIB_RUBRIC_MODULES", raising=False)
    assert CHAPTERS[0] == "01_dense_layer" and CHAPTERS[-1] == "09_fashion_mnist"
    assert rubric_modules() == {chapter: f"instructor.chapters.ch{chapter}" for chapter in CHAPTERS}


def test_unknown_chapter_names_the_chapters(monkeypatch):
    monkeypatch.delenv("NNLIB_RUBRIC_MODULES", raising=False)
    with pytest.raises(RubricError, match="no chapter '42_nothing'; the chapters are: 01_dense"):
        load_exercises("42_nothing")


def test_malformed_registration_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLIB_RUBRIC_MODULES", "99_toy")
    with pytest.raises(RubricError, match="expected CHAPTER=MODULE"):
        rubric_modules()
    (tmp_path / "99_toy.ipynb").write_bytes(notebook_bytes(GOOD))
    code, _ = run_grade("--out", tmp_path / "out", tmp_path)
    assert code == 2


# --- the toy chapter, registered as a course author would -------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The current folder: submissions/<student>/<chapter>.ipynb for every case."""
    root = tmp_path_factory.mktemp("course")
    rubrics = tmp_path_factory.mktemp("rubrics")
    entry = install_toy_rubric(rubrics)
    for case in CASES:
        path = root / case.path
        path.parent.mkdir(parents=True)
        path.write_bytes(case.content)
    # An editor's autosave is not a submission.
    checkpoint = root / "submissions/good/.ipynb_checkpoints/99_toy-checkpoint.ipynb"
    checkpoint.parent.mkdir()
    checkpoint.write_bytes(notebook_bytes(["raise SystemExit"]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNLIB_RUBRIC_MODULES", entry)
        # The kernels import the rubric too: they inherit PYTHONPATH.
        paths = [str(rubrics), *filter(None, [os.environ.get("PYTHONPATH")])]
        patch.setenv("PYTHONPATH", os.pathsep.join(paths))
        patch.syspath_prepend(str(rubrics))
        patch.chdir(root)
        yield root


def test_grade_namespace_grades_every_exercise(course):
    rows = grade_namespace(TOY_CHAPTER, {"square": lambda x: x * x})
    assert [(row["exercise"], row["points"]) for row in rows] == [
        ("1.1", 2.0),
        ("1.2", 0.0),
        ("1.3", 0.0),
    ]
    assert rows[1]["feedback"] == "Not graded: the check raised KeyError: 'Counter'"
    assert all(
        set(row) == {"exercise", "title", "points", "max_points", "feedback"} for row in rows
    )


@dataclass
class Batch:
    code: int
    table: str
    before: dict
    out: Path


@pytest.fixture(scope="module")
def batch(course):
    """Every case graded in one ``nnlib grade --jobs 2`` call."""
    before = {case.path: file_state(course / case.path) for case in CASES}
    code, table = run_grade("--out", "out", "--timeout", TIMEOUT, "--jobs", "2", "submissions")
    return Batch(code, table, before, course / "out")


@pytest.mark.slow
def test_batch_completes_with_exit_0_and_a_table(batch):
    assert batch.code == 0
    lines = batch.table.splitlines()
    assert lines[0].split() == ["student", "chapter", "points", "status"]
    assert ["good", "99_toy", "6/6", "graded"] in [line.split() for line in lines]
    assert len(lines) == 1 + len(CASES)


@pytest.mark.slow
def test_csv_files_have_exactly_the_columns(batch):
    columns, rows = read_csv(batch.out / "grades.csv")
    assert columns == ["submission", "chapter", "exercise", "points", "max_points", "feedback"]
    assert len(rows) == 3 * (len(CASES) - 1) + 1
    columns, rows = read_csv(batch.out / "summary.csv")
    assert columns[:6] == ["submission", "student", "chapter", "points", "max_points", "status"]
    assert len(rows) == len(CASES)


@pytest.mark.slow
def test_rows_are_sorted_by_submission_then_exercise(batch):
    _, rows = read_csv(batch.out / "grades.csv")
    order = [(row["submission"], row["exercise"]) for row in rows]
    assert [row["submission"] for row in rows] == sorted(row["submission"] for row in rows)
    assert order[:3] == [("submissions/broken/99_toy.ipynb", key) for key in FULL_MARKS]


@pytest.mark.slow
def test_checkpoints_are_not_graded(batch):
    _, rows = read_csv(batch.out / "summary.csv")
    assert not [row for row in rows if "checkpoint" in row["submission"]]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.student)
def test_each_case_gets_its_grades(batch, case):
    _, rows = read_csv(batch.out / "grades.csv")
    mine = [row for row in rows if row["submission"] == case.path]
    assert [row["chapter"] for row in mine] == [case.chapter] * len(case.points)
    assert {row["exercise"]: float(row["points"]) for row in mine} == case.points
    for key, text in case.feedback.items():
        [row] = [row for row in mine if row["exercise"] == key]
        assert text in row["feedback"]
    _, summary = read_csv(batch.out / "summary.csv")
    [line] = [line for line in summary if line["submission"] == case.path]
    assert (line["student"], line["status"]) == (case.student, case.status)
    assert float(line["points"]) == sum(case.points.values())
    assert int(line["cell_errors"]) == len(case.errors)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.student)
def test_each_report_lists_the_cell_errors(batch, case):
    report = (batch.out / "feedback" / f"{case.student}_{case.chapter}.md").read_text()
    errors = [line for line in report.splitlines() if line.startswith("- Cell ")]
    assert len(errors) == len(case.errors)
    for line, (cell, text) in zip(errors, case.errors, strict=True):
        assert line.startswith(f"- Cell {cell}: `") and text in line
    if not case.errors:
        assert "No cell raised an error." in report


@pytest.mark.slow
def test_report_shows_marks_and_written_answers(batch):
    report = (batch.out / "feedback" / "good_99_toy.md").read_text()
    assert "- Total: **6 / 6** points" in report
    assert "### 1.2 Counter: 3 / 3 points\n\nCounter adds up." in report
    assert (
        "### Q1.4\n\n**Question**\n\n> Why does `square` never return a negative number?\n\n"
        "**Answer**\n\n> Because a product of two equal signs is positive." in report
    )


@pytest.mark.slow
def test_huge_output_stays_out_of_the_results(batch):
    sizes = [path.stat().st_size for path in batch.out.rglob("*") if path.is_file()]
    assert max(sizes) < 20_000


@pytest.mark.slow
def test_submissions_and_current_folder_are_untouched(batch, course):
    assert {case.path: file_state(course / case.path) for case in CASES} == batch.before
    # Only the output folders (this batch's and the --jobs 1 rerun's) are new.
    assert {path.name for path in course.iterdir()} - {"out", "out1"} == {"submissions"}
    files = {path.name for path in (course / "submissions").rglob("*") if path.is_file()}
    assert files == {"99_toy.ipynb", "42_nothing.ipynb", "99_toy-checkpoint.ipynb"}


@pytest.mark.slow
def test_no_temporary_files_are_left(batch):
    names = sorted(path.relative_to(batch.out).as_posix() for path in batch.out.rglob("*"))
    reports = [f"feedback/{case.student}_{case.chapter}.md" for case in CASES]
    kept = [name for name in names if re.fullmatch(r"results/[\w.]+-[0-9a-f]{12}\.json", name)]
    assert len(kept) == len(CASES)
    assert names == sorted(
        ["feedback", "grades.csv", "summary.csv", "written_answers.csv", *reports]
        + ["results", "results/index.json", *kept]
    )


@pytest.mark.slow
def test_one_job_gives_the_same_results_as_two(batch, course):
    # Every outcome but the slow ones (time limits, huge output), regraded one at a time.
    slow = {"infinite_loop", "grading_loops", "huge_output"}
    cases = [case for case in CASES if case.student not in slow]
    paths = [case.path for case in cases]
    code, table = run_grade("--out", "out1", "--timeout", TIMEOUT, *paths)
    assert code == 0
    assert {tuple(line.split()) for line in table.splitlines()} <= {
        tuple(line.split()) for line in batch.table.splitlines()
    }
    again = course / "out1"
    for name in ("grades.csv", "summary.csv"):
        _, rows = read_csv(again / name)
        _, batch_rows = read_csv(batch.out / name)
        assert rows == [row for row in batch_rows if row["submission"] in paths]
    for case in cases:
        report = f"feedback/{case.student}_{case.chapter}.md"
        assert (again / report).read_bytes() == (batch.out / report).read_bytes()


@pytest.mark.slow
def test_huge_output_never_reaches_the_grading_process(course, tmp_path):
    notebook = nbformat.reads(notebook_bytes([HUGE_OUTPUT, HUGE_OUTPUT]), as_version=4)
    (tmp_path / "work").mkdir()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    questioner = grading.Questioner(tmp_path / "grader.sock", load_exercises(TOY_CHAPTER), 60)
    execution = runner.run_submission(notebook, tmp_path / "work", str(questioner.address), 60)
    rows = questioner.finish()
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert execution.status == runner.GRADED
    assert [row["exercise"] for row in rows] == ["1.1", "1.2", "1.3"]
    assert growth_mb < 100


def test_a_rubric_that_cannot_load_fails_the_run(course, tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_RUBRIC_MODULES", "98_broken=toy_rubrics.not_there")
    (tmp_path / "98_broken.ipynb").write_bytes(notebook_bytes(GOOD))
    code, table = run_grade("--out", tmp_path / "out", tmp_path / "98_broken.ipynb")
    assert code == 1
    assert table.splitlines()[1].split()[1:] == ["98_broken", "0/0", "rubric-error"]
    _, [row] = read_csv(tmp_path / "out" / "grades.csv")
    assert "could not be loaded: ModuleNotFoundError" in row["feedback"]


# --- the grader itself cannot run ---------------------------------------------------------


def test_a_missing_path_exits_2(tmp_path, capsys):
    code, _ = run_grade("--out", tmp_path / "out", tmp_path / "nowhere")
    assert code == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_folder_without_notebooks_exits_2(tmp_path, capsys):
    code, _ = run_grade("--out", tmp_path / "out", tmp_path)
    assert code == 2
    assert "no notebooks found" in capsys.readouterr().err


def test_an_unwritable_output_folder_exits_2(tmp_path, capsys):
    (tmp_path / "04_momentum.ipynb").write_bytes(notebook_bytes(GOOD))
    (tmp_path / "taken").write_text("a file, not a folder")
    code, _ = run_grade("--out", tmp_path / "taken", tmp_path)
    assert code == 2
    assert "cannot write to the output folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["--jobs", "0", "x.ipynb"], ["--timeout", "-1", "x.ipynb"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        run_grade(*argv)
    assert exit_info.value.code == 2


# --- reports, without kernels --------------------------------------------------------------


def result_for(student: str, answers: list) -> grading.Result:
    submission = grading.Submission(f"{student}/99_toy.ipynb", TOY_CHAPTER, student)
    row = {"exercise": "1.1", "title": "square", "points": 1 / 3, "max_points": 2}
    return grading.Result(submission, "graded", [{**row, "feedback": "a third"}], answers=answers)


def test_report_names_never_collide():
    results = [result_for("ann", []), result_for("bob", []), result_for("ann", [])]
    assert reports.report_names(results) == ["ann_99_toy.md", "bob_99_toy.md", "ann_99_toy_2.md"]


def test_report_marks_unanswered_questions_and_rounds_points():
    answers = [WrittenAnswer("1.4", "Why?\n# Not a heading", ANSWER_PLACEHOLDER)]
    report = reports.feedback_markdown(result_for("ann", answers))
    assert "- Total: **0.33 / 2** points" in report
    assert "### 1.1 square: 0.33 / 2 points\n\na third" in report
    assert "> Why?\n> # Not a heading\n\n**Answer**\n\n_No answer given._" in report
