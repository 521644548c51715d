"""Marks for written answers: ``written_answers.csv``, filled by a person, read back.

``nnlib grade`` writes one row per written question of the rubric (``QUESTIONS``) per
submission, with the columns :data:`COLUMNS`: the learner's answer (empty when unanswered),
the question's maximum points, and empty ``points`` and ``comment`` cells for a person to
fill. ``nnlib marks`` reads the file back (:func:`read_marks`), checking every row against
the graded run, and folds the marks into the reports. A row whose ``points`` cell is empty
is not marked yet. A rerun of ``nnlib grade`` writes the file again, keeping each mark
whose submission, question and answer are unchanged (:func:`carry_over`).
"""

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from instructor.grading import Mark, Result, format_points
from instructor.notebook_exercises import ANSWER_PLACEHOLDER

WRITTEN_ANSWERS = "written_answers.csv"
COLUMNS = (
    "submission",
    "student",
    "chapter",
    "question",
    "answer",
    "max_points",
    "points",
    "comment",
)
# What a marks file needs; the other columns are there for the person marking.
REQUIRED_COLUMNS = ("submission", "question", "points")
MAX_PROBLEMS_SHOWN = 20


class MarksError(ValueError):
    """A marks file that cannot be used: every problem found, one per line."""

    def __init__(self, name: str, problems: list[str]):
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        lines = "\n".join(f"  {problem}" for problem in shown)
        super().__init__(f"{name}: {len(problems)} problem(s), nothing was changed:\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class MarkRow:
    """One row of a marks file: where it is, what it marks, the mark, and what is wrong."""

    line: int
    submission: str
    question: str
    answer: str
    points: float | None
    comment: str
    problem: str = ""  # points that are not a number


def label(key: str) -> str:
    """A written question's name in the CSV files: ``Q4.3``."""
    return f"Q{key}"


def answer_text(result: Result, key: str) -> str:
    """The learner's answer to question ``key`` ("" when unanswered), from every cell for it."""
    given = [answer.answer.strip() for answer in result.answers if answer.key == key]
    return "\n\n".join(text for text in given if text and text != ANSWER_PLACEHOLDER)


def written_rows(result: Result) -> list[dict]:
    """The written_answers.csv rows of ``result``: one per written question of its rubric."""
    rows = []
    for question in result.questions:
        mark = result.marks.get(question.key, Mark(None))
        rows.append(
            {
                "submission": result.submission.path,
                "student": result.submission.student,
                "chapter": result.submission.chapter,
                "question": label(question.key),
                "answer": answer_text(result, question.key),
                "max_points": question.max_points,
                "points": mark.points,
                "comment": mark.comment,
            }
        )
    return rows


def parse_marks(data: bytes, name: str) -> list[MarkRow]:
    """The rows of a marks file, each with the problem of its points if any (not a number).

    Checks the file on its own; MarksError when it is not the CSV :func:`written_rows` gave:
    not UTF-8 text, not CSV, a required column missing.
    """
    try:
        text = data.decode("utf-8-sig")  # spreadsheets may add a byte-order mark
    except UnicodeDecodeError as error:
        raise MarksError(name, [f"not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = reader.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in columns]
        if missing:
            raise MarksError(
                name,
                [
                    f"missing column(s) {', '.join(missing)}: expected the columns "
                    f"{','.join(COLUMNS)} (as nnlib grade wrote them), got "
                    f"{','.join(columns) if columns else 'an empty file'}"
                ],
            )
        rows, line = [], reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(
                (value or "").strip() for value in record.values() if isinstance(value, str)
            ):
                continue  # a blank line
            rows.append(_mark_row(record, start))
    except csv.Error as error:
        raise MarksError(name, [f"line {reader.line_num}: not valid CSV ({error})"]) from None
    return rows


def _mark_row(record: dict, line: int) -> MarkRow:
    """A parsed row."""

    def cell(column: str) -> str:
        value = record.get(column)
        return value if isinstance(value, str) else ""

    submission, question = cell("submission").strip(), cell("question").strip()
    written = cell("points").strip()
    points, problem = None, ""
    if written:
        try:
            points = float(written)
        except ValueError:
            points = math.nan
        if not math.isfinite(points):
            points = None
            problem = (
                f"line {line} ({submission}, {question}): points {written!r} is not a number: "
                f"expected a number such as 1.5, or an empty cell to leave it unmarked"
            )
    comment = cell("comment").strip()
    return MarkRow(line, submission, question, cell("answer"), points, comment, problem)


def read_marks(path: Path, results: list[Result]) -> dict[tuple[str, str], Mark]:
    """The marks of a filled written_answers.csv, checked against the graded ``results``.

    Returns {(submission path, question key): Mark}. Raises MarksError naming every problem:
    a file that cannot be read, a missing column, points that are not a number or outside
    [0, max_points], a submission or question that was not graded, a question marked twice.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MarksError(str(path), [f"cannot be read: {error.strerror or error}"]) from None
    by_path = {result.submission.path: result for result in results}
    marks, first, problems = {}, {}, []
    for row in parse_marks(data, str(path)):
        where = f"line {row.line} ({row.submission}, {row.question})"
        if row.problem:
            problems.append(row.problem)
        result = by_path.get(row.submission)
        if result is None:
            problems.append(
                f"{where}: unknown submission {row.submission!r}: expected one of the "
                f"{len(by_path)} submission(s) of the graded run (see summary.csv)"
            )
            continue
        questions = {question.key: question for question in result.questions}
        question = questions.get(_key(row.question))
        if question is None:
            known = ", ".join(label(key) for key in questions) or "none"
            problems.append(
                f"{where}: unknown question {row.question!r}: the written questions of "
                f"{result.submission.chapter} are: {known}"
            )
            continue
        identity = (row.submission, question.key)
        if identity in first:
            problems.append(f"{where}: marked twice (first on line {first[identity]})")
            continue
        first[identity] = row.line
        if row.problem:
            continue
        if row.points is not None and not 0 <= row.points <= question.max_points:
            problems.append(
                f"{where}: points {format_points(row.points)} is outside [0, "
                f"{question.max_points}]: {label(question.key)} is worth at most "
                f"{question.max_points} points"
            )
            continue
        marks[identity] = Mark(row.points, row.comment)
    if problems:
        raise MarksError(str(path), problems)
    return marks


def _key(question: str) -> str:
    """The rubric key of a question cell: ``Q4.3`` (or ``4.3``) -> ``4.3``."""
    return question[1:] if question[:1] in "Qq" and len(question) > 1 else question


def apply_marks(results: list[Result], marks: dict[tuple[str, str], Mark]) -> None:
    """Give each result its marks (replacing any it had)."""
    for result in results:
        result.marks = {
            question.key: marks[result.submission.path, question.key]
            for question in result.questions
            if (result.submission.path, question.key) in marks
        }


@dataclass
class PreviousMarks:
    """The marks of the written_answers.csv an earlier run left: its bytes, its marked rows."""

    data: bytes
    rows: list[MarkRow]


def read_previous(out: Path) -> PreviousMarks | None:
    """The marks already in ``out``'s written_answers.csv, None if there are none.

    Raises MarksError when the file holds marks that cannot be read, so that a rerun of
    ``nnlib grade`` never replaces them: the person fixes or moves the file first.
    """
    path = out / WRITTEN_ANSWERS
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise MarksError(str(path), [f"cannot be read: {error.strerror or error}"]) from None
    rows = parse_marks(data, str(path))
    problems = [row.problem for row in rows if row.problem]
    if problems:
        raise MarksError(str(path), problems)
    rows = [row for row in rows if row.points is not None or row.comment]
    return PreviousMarks(data, rows) if rows else None


def carry_over(previous: PreviousMarks | None, results: list[Result]) -> list[MarkRow]:
    """Give ``results`` the earlier run's marks that still apply; return those that do not.

    A mark still applies when its submission was graded again with the same question (and a
    maximum it fits) and the same answer, whitespace aside.
    """
    if previous is None:
        return []
    by_path = {result.submission.path: result for result in results}
    dropped = []
    for row in previous.rows:
        result = by_path.get(row.submission)
        questions = {question.key: question for question in (result.questions if result else [])}
        question = questions.get(_key(row.question))
        fits = question is not None and (
            row.points is None or 0 <= row.points <= question.max_points
        )
        if fits and _same_text(row.answer, answer_text(result, question.key)):
            result.marks[question.key] = Mark(row.points, row.comment)
        else:
            dropped.append(row)
    return dropped


def _same_text(first: str, second: str) -> bool:
    """Equal but for whitespace (a spreadsheet may change line endings or trim cells)."""
    return re.sub(r"\s+", " ", first).strip() == re.sub(r"\s+", " ", second).strip()
