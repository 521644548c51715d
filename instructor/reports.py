"""What grading writes: grades.csv, summary.csv and one markdown report per submission.

Every file is written atomically. Rows follow the results' order (sorted by submission path)
and, within a submission, the rubric's exercise order.
"""

import csv
import io
import tempfile
from pathlib import Path

from instructor.grading import Result
from instructor.notebook_exercises import ANSWER_PLACEHOLDER, write_atomic

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
)


def prepare_output(out: Path) -> None:
    """Create ``out/feedback`` and prove it writable before any grading time is spent.

    Raises OSError when it is not.
    """
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out / "feedback"):
        pass


def write_reports(results: list[Result], out: Path) -> None:
    """Write grades.csv, summary.csv and feedback/<student>_<chapter>.md into ``out``."""
    named = list(zip(results, report_names(results), strict=True))
    grades = [
        {"submission": result.submission.path, "chapter": result.submission.chapter, **row}
        for result in results
        for row in result.rows
    ]
    write_atomic(out / "grades.csv", csv_bytes(GRADES_COLUMNS, grades))
    summary = [summary_row(result, f"feedback/{name}") for result, name in named]
    write_atomic(out / "summary.csv", csv_bytes(SUMMARY_COLUMNS, summary))
    for result, name in named:
        write_atomic(out / "feedback" / name, feedback_markdown(result).encode("utf-8"))


def report_names(results: list[Result]) -> list[str]:
    """``<student>_<chapter>.md`` per result, numbered ``_2``, ``_3``... when names collide."""
    names, seen = [], {}
    for result in results:
        stem = f"{result.submission.student}_{result.submission.chapter}"
        seen[stem] = seen.get(stem, 0) + 1
        names.append(f"{stem}.md" if seen[stem] == 1 else f"{stem}_{seen[stem]}.md")
    return names


def format_points(points: float) -> str:
    """Points for people: at most two decimals, no trailing zeros (``7.5``, ``10``)."""
    return f"{round(points, 2):g}"


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """CSV text with a header row; points formatted by :func:`format_points`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "points": format_points(row["points"])})
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
    }


def feedback_markdown(result: Result) -> str:
    """The readable report of one submission."""
    submission = result.submission
    lines = [
        f"# Feedback for {submission.student}: {submission.chapter}",
        "",
        f"- Submission: `{submission.path}`",
        f"- Total: **{format_points(result.points)} / {result.max_points}** points",
        f"- Status: {result.status}" + (f" ({result.reason})" if result.reason else ""),
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
    lines += ["", "## Written answers (for a person to mark)"]
    for answer in result.answers:
        given = answer.answer if answer.answer != ANSWER_PLACEHOLDER else ""
        lines += ["", f"### Q{answer.key}", "", "**Question**", "", quote(answer.question)]
        lines += ["", "**Answer**", "", quote(given) if given else "_No answer given._"]
    if not result.answers:
        lines += ["", "This notebook has no written answers."]
    return "\n".join(lines) + "\n"


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
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
