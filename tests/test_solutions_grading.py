"""``nnlib grade`` on the course's own notebooks.

The solutions folder is graded as an instructor would, timed: full marks, in under two
minutes with two jobs. Then one batch holds every untouched exercise notebook and every
mutation of tests/mutations.py: exercises get 0 without any grader error, and each mutation
loses points on the exercise it breaks and nothing else. Last, the rubrics on hand-made
namespaces: partial credit, missing names, nnlib's own classes.
"""

import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.book as book
from instructor.notebook_exercises import written_answers
from instructor.rubric import CHAPTERS, grade_namespace, load_exercises, load_questions
from tests.mutations import all_mutations, mutated_notebook

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
TIME_LIMIT = 120.0  # seconds to grade the whole solutions folder with --jobs 2
# "## Exercise 4.1: Title (core, 3 points)": every exercise says its level, core or stretch.
HEADING = re.compile(r"^## Exercise (\d+\.\d+): .* \((?:core|stretch), (\d+) points?\)$", re.M)
MUTATIONS = all_mutations()
QUESTION_HEADING = re.compile(r"^## Question (\d+\.\d+) \((\d+) points?\)$", re.M)


def grade(out: Path, *paths: Path) -> float:
    """Run ``nnlib grade --jobs 2`` in a fresh process; return its wall time in seconds."""
    environment = {key: value for key, value in os.environ.items() if key != "NNLIB_RUBRIC_MODULES"}
    command = [sys.executable, "-m", "nnlib.cli", "grade", "--jobs", "2", "--out", str(out)]
    start = time.monotonic()
    finished = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, env=environment
    )
    elapsed = time.monotonic() - start
    assert finished.returncode == 0, finished.stderr
    return elapsed


def read_results(out: Path) -> tuple[dict, dict, dict]:
    """The machine-graded rows, the summary and the written questions of a graded folder.

    ({(student, chapter): {exercise: grades.csv row}}, {(student, chapter): summary row},
    {(student, chapter): {"Q1.4": grades.csv row plus the answer of written_answers.csv}}).
    """
    with (out / "grades.csv").open(newline="", encoding="utf-8") as file:
        grades = list(csv.DictReader(file))
    with (out / "summary.csv").open(newline="", encoding="utf-8") as file:
        summary = {(row["student"], row["chapter"]): row for row in csv.DictReader(file)}
    with (out / "written_answers.csv").open(newline="", encoding="utf-8") as file:
        answers = {(row["submission"], row["question"]): row for row in csv.DictReader(file)}
    rows, written = {}, {}
    for row in grades:
        where = (Path(row["submission"]).parent.name, row["chapter"])
        if row["exercise"].startswith("Q"):  # a written question, marked by a person
            answer = answers[row["submission"], row["exercise"]]["answer"]
            written.setdefault(where, {})[row["exercise"]] = {**row, "answer": answer}
        else:
            rows.setdefault(where, {})[row["exercise"]] = row
    return rows, summary, written


@pytest.fixture(scope="module")
def solutions_run(tmp_path_factory):
    """The solutions folder graded once: (wall time, rows, summary, written questions)."""
    out = tmp_path_factory.mktemp("solutions") / "out"
    elapsed = grade(out, SOLUTIONS)
    return elapsed, *read_results(out)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Untouched exercises (student "exercise") and mutations (student = mutation name)."""
    root = tmp_path_factory.mktemp("batch")
    for chapter in CHAPTERS:
        (root / "exercise").mkdir(exist_ok=True)
        (root / "exercise" / f"{chapter}.ipynb").write_bytes(
            (EXERCISES / f"{chapter}.ipynb").read_bytes()
        )
    for mutation in MUTATIONS:
        folder = root / mutation.name
        folder.mkdir()
        (folder / f"{mutation.chapter}.ipynb").write_bytes(mutated_notebook(SOLUTIONS, mutation))
    grade(root / "out", *(path for path in sorted(root.iterdir()) if path.name != "out"))
    return read_results(root / "out")


@pytest.mark.slow
def test_grading_the_solutions_takes_under_two_minutes(solutions_run):
    elapsed, *_ = solutions_run
    assert elapsed < TIME_LIMIT, f"grading solutions/ took {elapsed:.0f} s"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_gets_full_marks(solutions_run, chapter):
    _, rows, summary, written = solutions_run
    row = summary["solutions", chapter]
    assert (row["status"], row["cell_errors"]) == ("graded", "0")
    exercises, questions = load_exercises(chapter), load_questions(chapter)
    assert list(rows["solutions", chapter]) == [exercise.key for exercise in exercises]
    for exercise, graded in rows["solutions", chapter].items():
        assert graded["points"] == graded["max_points"], (exercise, graded["feedback"])
    # Full marks on what the grader marks; the written answers wait for a person, answered.
    assert {
        key: (graded["points"], graded["max_points"], bool(graded["answer"]))
        for key, graded in written["solutions", chapter].items()
    } == {f"Q{question.key}": ("", str(question.max_points), True) for question in questions}
    machine = sum(exercise.max_points for exercise in exercises)
    total = machine + sum(question.max_points for question in questions)
    assert (row["points"], row["max_points"], row["unmarked"]) == (
        str(machine),
        str(total),
        str(len(questions)),
    )


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_unmodified_exercise_gets_zero(batch, chapter):
    rows, summary, written = batch
    assert summary["exercise", chapter]["status"] == "graded"
    assert list(rows["exercise", chapter]) == [exercise.key for exercise in load_exercises(chapter)]
    for exercise, graded in rows["exercise", chapter].items():
        assert graded["points"] == "0", (exercise, graded["feedback"])
        assert not graded["feedback"].startswith("Not graded"), graded["feedback"]
    # The placeholder is no answer: listed for the person marking, empty.
    unanswered = {key: graded["answer"] for key, graded in written["exercise", chapter].items()}
    assert unanswered == {f"Q{question.key}": "" for question in load_questions(chapter)}


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation.name)
def test_mutation_loses_points_on_its_exercise_only(batch, mutation):
    rows, summary, _ = batch
    assert summary[mutation.name, mutation.chapter]["status"] == "graded"
    for exercise, graded in rows[mutation.name, mutation.chapter].items():
        full = graded["points"] == graded["max_points"]
        if exercise == mutation.exercise:
            assert not full, f"{mutation.name} kept full marks on {exercise}"
        else:
            assert full, f"{mutation.name} lost points on {exercise}: {graded['feedback']}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_headings_give_the_rubric_points_and_questions_follow(chapter):
    notebook = nbformat.read(SOLUTIONS / f"{chapter}.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    stated = {key: int(points) for key, points in HEADING.findall(text)}
    assert stated == {exercise.key: exercise.max_points for exercise in load_exercises(chapter)}
    assert 3 <= len(stated) <= 6
    answers = written_answers(notebook)
    assert 1 <= len(answers) <= 2
    assert all(answer.question and answer.answer for answer in answers)
    assert not {answer.key for answer in answers} & set(stated)
    # Each written question states its points, the rubric's, right above its answer cell.
    asked = {key: int(points) for key, points in QUESTION_HEADING.findall(text)}
    assert asked == {question.key: question.max_points for question in load_questions(chapter)}
    for answer in answers:
        assert QUESTION_HEADING.match(answer.question).group(1) == answer.key


# --- the rubrics on namespaces, without kernels ---------------------------------------------


class HardcodedAdam(book.Optimizer_Adam):
    """Adam's moments with the default betas written in: right only for the defaults."""

    def update_moments(self, layer):
        for name, gradient in (("weight", layer.dweights), ("bias", layer.dbiases)):
            momentums = 0.9 * getattr(layer, f"{name}_momentums", 0) + 0.1 * gradient
            cache = 0.999 * getattr(layer, f"{name}_cache", 0) + 0.001 * gradient**2
            setattr(layer, f"{name}_momentums", momentums)
            setattr(layer, f"{name}_cache", cache)

    def update_params(self, layer):
        """Adam's corrected step on the moments above (nnlib's own would bypass them)."""
        self.update_moments(layer)
        step = self.iterations + 1
        for parameters, momentums, cache in (
            (layer.weights, layer.weight_momentums, layer.weight_cache),
            (layer.biases, layer.bias_momentums, layer.bias_cache),
        ):
            corrected_cache = cache / (1 - self.beta_2**step)
            parameters -= (
                self.current_learning_rate
                * momentums
                / (1 - self.beta_1**step)
                / (np.sqrt(corrected_cache) + self.epsilon)
            )


def rows_by_exercise(chapter: str, namespace: dict) -> dict:
    return {row["exercise"]: row for row in grade_namespace(chapter, namespace)}


def test_hidden_checks_give_partial_credit():
    row = rows_by_exercise("07_adam", {"Optimizer_Adam": HardcodedAdam})["7.1"]
    assert (row["points"], row["max_points"]) == (1.0, 3)
    first, second = row["feedback"].splitlines()
    assert first.startswith("- ✓ self-check (1/1): passed")
    assert second.startswith(
        "- ✗ beta_1=0.8, beta_2=0.99, decay=0.01 over 10 updates, other seeds (0/2): failed"
    )


def test_missing_names_are_named():
    rows = rows_by_exercise("03_learning_rate_decay", {})
    assert rows["3.1"]["points"] == 0
    assert rows["3.1"]["feedback"] == "Optimizer_SGD is not defined: run the cell that defines it."


def test_nnlibs_own_classes_earn_nothing():
    rows = rows_by_exercise("01_dense_layer", {"Layer_Dense": book.Layer_Dense})
    assert rows["1.1"]["points"] == 0
    assert rows["1.1"]["feedback"].startswith("Layer_Dense is nnlib's own, not yours")
