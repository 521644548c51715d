"""What grading writes: grades.csv, summary.csv, written_answers.csv, a report per submission.

Every file is written atomically. Rows follow the results' order (sorted by submission path)
and, within a submission, the rubric's exercise order, then its written questions' order.
Written questions are marked by a person in written_answers.csv (see :mod:`instructor.marks`);
until then they count in ``max_points`` but not in ``points``, and say "not marked yet".
"""

import csv
import io
import tempfile
import time
from pathlib import Path

from instructor import marks
from instructor.grading import Mark, Result, format_points
from instructor.notebook_exercises import ANSWER_PLACEHOLDER, write_atomic
from instructor.rubric import Question

GRADES_COLUMNS = ("submission", "chapter", "exercise", "points", "max_points", "feedback")
SUMMARY_COLUMNS = (
    "submission",
    "student",
    "chapter",
    "points",
    "max_points",
    "status",
    "cell_errors",
    "report",
    "unmarked",
    "sandbox",
)
NOT_MARKED = "Not marked yet"
NOT_SANDBOXED = "none: graded with --no-sandbox, the notebook's code ran unconfined"


def prepare_output(out: Path) -> None:
    """Create ``out/feedback`` and prove it writable before any grading time is spent.

    Raises OSError when it is not.
    """
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out / "feedback"):
        pass


def write_run(
    results: list[Result], out: Path, store, previous: marks.PreviousMarks | None
) -> str | None:
    """Write all that a grading run leaves in ``out`` besides the results it kept as it went.

    The index of ``store`` (an :class:`instructor.store.ResultStore`), the reports with the
    marks of the earlier written_answers.csv (``previous``) that still apply, and a new
    written_answers.csv. Returns a warning when some earlier marks no longer apply; the
    earlier file is then kept under another name, so that no mark is ever lost.
    """
    dropped = marks.carry_over(previous, results)
    warning = None
    if dropped:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = out / f"written_answers.before-{stamp}.csv"
        number = 1
        while backup.exists():
            number += 1
            backup = out / f"written_answers.before-{stamp}-{number}.csv"
        write_atomic(backup, previous.data)
        warning = (
            f"{len(dropped)} mark(s) of the earlier {marks.WRITTEN_ANSWERS} no longer apply "
            f"(an answer changed, or a submission or question was not graded this time); "
            f"that file is kept as {backup}"
        )
    store.write_index(results)
    write_reports(results, out)
    write_written_answers(results, out)
    return warning


def write_reports(results: list[Result], out: Path) -> None:
    """Write grades.csv, summary.csv and feedback/<student>_<chapter>.md into ``out``."""
    named = list(zip(results, report_names(results), strict=True))
    grades = [
        {"submission": result.submission.path, "chapter": result.submission.chapter, **row}
        for result in results
        for row in result.rows + written_grade_rows(result)
    ]
    write_atomic(out / "grades.csv", csv_bytes(GRADES_COLUMNS, grades))
    summary = [summary_row(result, f"feedback/{name}") for result, name in named]
    write_atomic(out / "summary.csv", csv_bytes(SUMMARY_COLUMNS, summary))
    for result, name in named:
        write_atomic(out / "feedback" / name, feedback_markdown(result).encode("utf-8"))


def write_written_answers(results: list[Result], out: Path) -> None:
    """Write written_answers.csv: every written question to mark, with its mark if it has one."""
    rows = [row for result in results for row in marks.written_rows(result)]
    write_atomic(out / marks.WRITTEN_ANSWERS, csv_bytes(marks.COLUMNS, rows))


def written_grade_rows(result: Result) -> list[dict]:
    """The grades.csv rows of a result's written questions: ``Q4.3``, empty points if unmarked."""
    rows = []
    for question in result.questions:
        mark = result.marks.get(question.key, Mark(None))
        if mark.points is None:
            unanswered = "" if marks.answer_text(result, question.key) else " (no answer given)"
            feedback = " ".join(filter(None, [f"{NOT_MARKED}{unanswered}.", mark.comment]))
        else:
            feedback = mark.comment
        row = {"exercise": marks.label(question.key), "title": "", "points": mark.points}
        rows.append({**row, "max_points": question.max_points, "feedback": feedback})
    return rows


def report_names(results: list[Result]) -> list[str]:
    """``<student>_<chapter>.md`` per result, numbered ``_2``, ``_3``... when names collide."""
    names, seen = [], {}
    for result in results:
        stem = f"{result.submission.student}_{result.submission.chapter}"
        seen[stem] = seen.get(stem, 0) + 1
        names.append(f"{stem}.md" if seen[stem] == 1 else f"{stem}_{seen[stem]}.md")
    return names


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """CSV text with a header row; points formatted by :func:`format_points`, None as ""."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        points = "" if row["points"] is None else format_points(row["points"])
        writer.writerow({**row, "points": points})
    return buffer.getvalue().encode("utf-8")


def summary_row(result: Result, report: str) -> dict:
    """The summary.csv row of one result."""
    return {
        "submission": result.submission.path,
        "student": result.submission.student,
        "chapter": result.submission.chapter,
        "points": result.points,
        "max_points": result.max_points,
        "status": result.status,
        "cell_errors": len(result.errors),
        "report": report,
        "unmarked": len(result.questions) - len(result.marked_questions),
        "sandbox": "bubblewrap" if result.sandbox else "none",
    }


def feedback_markdown(result: Result) -> str:
    """The readable report of one submission."""
    submission = result.submission
    unmarked = [
        question for question in result.questions if question not in result.marked_questions
    ]
    waiting = ", ".join(f"{marks.label(q.key)} ({_points(q.max_points)})" for q in unmarked)
    lines = [
        f"# Feedback for {submission.student}: {submission.chapter}",
        "",
        f"- Submission: `{submission.path}`",
        f"- Total: **{format_points(result.points)} / {result.max_points}** points"
        + (f"; not marked yet: {waiting}" if unmarked else ""),
        f"- Status: {result.status}" + (f" ({result.reason})" if result.reason else ""),
        f"- Sandbox: {result.sandbox or NOT_SANDBOXED}",
        "",
        "## Exercises",
    ]
    for row in result.rows:
        title = f"{row['exercise']} {row['title']}".strip()
        points = f"{format_points(row['points'])} / {row['max_points']} points"
        lines += ["", f"### {title}: {points}", "", row["feedback"] or "_No feedback._"]
    lines += ["", "## Errors raised by cells", ""]
    lines += [f"- Cell {error.cell}: `{error.message}`" for error in result.errors] or [
        "No cell raised an error."
    ]
    lines += ["", "## Written answers"]
    for question in result.questions:
        lines += ["", f"### {marks.label(question.key)}: {_mark_text(result, question)}"]
        asked = [answer.question for answer in result.answers if answer.key == question.key]
        lines += ["", "**Question**", ""]
        lines += [quote(asked[0]) if asked else "_The notebook has no answer cell for it._"]
        given = marks.answer_text(result, question.key)
        lines += ["", "**Answer**", "", quote(given) if given else "_No answer given._"]
        comment = result.marks.get(question.key, Mark(None)).comment
        lines += ["", "**Comment**", "", quote(comment)] if comment else []
    scored = {question.key for question in result.questions}
    for answer in result.answers:
        if answer.key in scored:
            continue
        # Not in the rubric's QUESTIONS: shown, not scored.
        given = answer.answer if answer.answer != ANSWER_PLACEHOLDER else ""
        lines += ["", f"### Q{answer.key}", "", "**Question**", "", quote(answer.question)]
        lines += ["", "**Answer**", "", quote(given) if given else "_No answer given._"]
    if not result.answers and not result.questions:
        lines += ["", "This notebook has no written answers."]
    return "\n".join(lines) + "\n"


def _mark_text(result: Result, question: Question) -> str:
    """``1.5 / 2 points``, or ``not marked yet (2 points)``."""
    points = result.marks.get(question.key, Mark(None)).points
    if points is None:
        return f"{NOT_MARKED.lower()} ({_points(question.max_points)})"
    return f"{format_points(points)} / {question.max_points} points"


def _points(count: int) -> str:
    return f"{count} point" if count == 1 else f"{count} points"


def quote(text: str) -> str:
    """``text`` as a markdown block quote, so its own headings cannot break the report."""
    return "\n".join(f"> {line}".rstrip() for line in (text or "(none)").splitlines())


def summary_table(results: list[Result]) -> str:
    """A plain-text table: student, chapter, points/max and status of each submission."""
    rows = [("student", "chapter", "points", "status")] + [
        (
            result.submission.student,
            result.submission.chapter,
            f"{format_points(result.points)}/{result.max_points}",
            result.status,
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    unconfined = sum(not result.sandbox for result in results)
    if unconfined:
        lines.append(f"NOT SANDBOXED: {unconfined} notebook(s) graded with --no-sandbox")
    return "\n".join(lines)
