"""Written answers get marks: written_answers.csv, ``nnlib marks``, and marks kept on regrading.

The toy class of tests/grading_class.py is graded without kernels; its rubric has one
written question, Q1.4, worth 2 points, on top of 6 points of exercises.
"""

import csv
import io

import pytest

from instructor import grading, marks, reports
from instructor.notebook_exercises import WrittenAnswer
from instructor.rubric import CHAPTERS, Question, RubricError, load_questions
from tests.grading_cases import GOOD, TOY_CHAPTER, TOY_RUBRIC, notebook_bytes
from tests.grading_class import CLASS, EXERCISE_POINTS, make_toy_class, path_of

ANSWER = "Because a product of two equal signs is positive."
COLUMNS = ["submission", "student", "chapter", "question", "answer", "max_points", "points"]


@pytest.fixture
def toy(tmp_path, monkeypatch):
    return make_toy_class(tmp_path, monkeypatch)


@pytest.fixture
def graded(toy):
    """The toy class graded once into ``out``."""
    assert toy.grade()[0] == 0
    return toy


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def written(toy) -> list[dict]:
    return read_csv((toy.root / "out" / marks.WRITTEN_ANSWERS).read_text(encoding="utf-8"))


def fill(toy, points: dict, comments: dict | None = None, name: str = marks.WRITTEN_ANSWERS):
    """Fill the points (and comments) of written_answers.csv by student, as a person would."""
    rows = written(toy)
    for row in rows:
        row["points"] = points.get(row["student"], row["points"])
        row["comment"] = (comments or {}).get(row["student"], row["comment"])
    write_rows(toy, rows, name)


def write_rows(toy, rows: list[dict], name: str = marks.WRITTEN_ANSWERS, columns=None) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (toy.root / "out" / name).write_text(buffer.getvalue(), encoding="utf-8")


def summary(toy) -> dict:
    rows = read_csv((toy.root / "out/summary.csv").read_text(encoding="utf-8"))
    return {row["student"]: row for row in rows}


def question_rows(toy) -> dict:
    rows = read_csv((toy.root / "out/grades.csv").read_text(encoding="utf-8"))
    return {row["submission"].split("/")[1]: row for row in rows if row["exercise"] == "Q1.4"}


def feedback(toy, student: str) -> str:
    return (toy.root / "out/feedback" / f"{student}_{TOY_CHAPTER}.md").read_text()


# --- grading lists the written answers ------------------------------------------------------


def test_written_answers_csv_lists_every_question_of_every_submission(graded):
    rows = written(graded)
    assert list(rows[0]) == [*COLUMNS, "comment"]
    assert [row["student"] for row in rows] == sorted(CLASS)
    by_student = {row["student"]: row for row in rows}
    assert by_student["good"] == {
        "submission": path_of("good"),
        "student": "good",
        "chapter": TOY_CHAPTER,
        "question": "Q1.4",
        "answer": ANSWER,
        "max_points": "2",
        "points": "",
        "comment": "",
    }
    # Left as the placeholder, or no notebook to read: listed, with an empty answer.
    assert by_student["blank"]["answer"] == by_student["invalid_json"]["answer"] == ""
    assert by_student["broken"]["answer"] == ""  # no answer cell at all


def test_until_marked_the_written_points_count_in_the_maximum_only(graded):
    lines = summary(graded)
    for student, points in EXERCISE_POINTS.items():
        assert (lines[student]["points"], lines[student]["max_points"]) == (str(points), "8")
        assert lines[student]["unmarked"] == "1"
    rows = question_rows(graded)
    assert (rows["good"]["points"], rows["good"]["max_points"]) == ("", "2")
    assert rows["good"]["feedback"] == "Not marked yet."
    assert rows["blank"]["feedback"] == "Not marked yet (no answer given)."
    report = feedback(graded, "good")
    assert "- Total: **6 / 8** points; not marked yet: Q1.4 (2 points)" in report
    assert "### Q1.4: not marked yet (2 points)\n\n**Question**\n\n> Why does" in report
    assert f"**Answer**\n\n> {ANSWER}" in report


# --- nnlib marks ------------------------------------------------------------------------------


def test_marks_are_folded_into_grades_summary_and_feedback(graded, capsys):
    fill(graded, {"good": "1.5", "broken": "0"}, {"good": "Say why for zero too."})
    before = (graded.root / "out" / marks.WRITTEN_ANSWERS).read_bytes()
    calls = len(graded.grader.calls)
    code, table = graded.marks()
    assert code == 0, capsys.readouterr().err
    assert len(graded.grader.calls) == calls  # no notebook was graded again
    assert "2 of 4 written answer(s) marked" in capsys.readouterr().err
    assert ["good", "99_toy", "7.5/8", "graded"] in [line.split() for line in table.splitlines()]
    lines = summary(graded)
    assert {student: lines[student]["points"] for student in CLASS} == {
        "blank": "6",
        "broken": "4",
        "good": "7.5",
        "invalid_json": "0",
    }
    assert {student: lines[student]["unmarked"] for student in CLASS} == {
        "blank": "1",
        "broken": "0",
        "good": "0",
        "invalid_json": "1",
    }
    rows = question_rows(graded)
    assert (rows["good"]["points"], rows["good"]["feedback"]) == ("1.5", "Say why for zero too.")
    assert (rows["broken"]["points"], rows["blank"]["points"]) == ("0", "")
    report = feedback(graded, "good")
    assert "- Total: **7.5 / 8** points\n" in report
    assert "### Q1.4: 1.5 / 2 points" in report
    assert "**Comment**\n\n> Say why for zero too." in report
    assert "- Total: **6 / 8** points; not marked yet: Q1.4" in feedback(graded, "blank")
    # The person's file is theirs: nnlib marks reads it, never writes it.
    assert (graded.root / "out" / marks.WRITTEN_ANSWERS).read_bytes() == before


def test_marks_again_after_changing_a_mark(graded):
    fill(graded, {"good": "2"})
    graded.marks()
    fill(graded, {"good": ""})
    assert graded.marks()[0] == 0
    assert summary(graded)["good"]["points"] == "6"
    assert "not marked yet" in feedback(graded, "good")


def test_marks_from_another_file(graded):
    fill(graded, {"good": "1"}, name="marked.csv")
    assert graded.marks("--file", graded.root / "out/marked.csv")[0] == 0
    assert summary(graded)["good"]["points"] == "7"


def test_a_spreadsheet_saved_file_is_accepted(graded):
    """A byte-order mark, CRLF line ends, extra columns, reordered columns and rows."""
    rows = list(reversed(written(graded)))
    for row in rows:
        row["points"] = "2" if row["student"] == "good" else ""
        row["checked by"] = "me"
    columns = ["points", *COLUMNS[:-1], "comment", "checked by"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (graded.root / "out" / marks.WRITTEN_ANSWERS).write_bytes(buffer.getvalue().encode("utf-8-sig"))
    assert graded.marks()[0] == 0
    assert summary(graded)["good"]["points"] == "8"


def replace_cell(student: str, column: str, value: str):
    def change(rows):
        for row in rows:
            if row["student"] == student:
                row[column] = value
        return rows

    return change


BAD_MARKS = {
    "too_many_points": (
        replace_cell("good", "points", "3"),
        "line 4 (submissions/good/99_toy.ipynb, Q1.4): points 3 is outside [0, 2]",
    ),
    "negative_points": (replace_cell("blank", "points", "-1"), "points -1 is outside [0, 2]"),
    "not_a_number": (
        replace_cell("good", "points", "two"),
        "line 4 (submissions/good/99_toy.ipynb, Q1.4): points 'two' is not a number",
    ),
    "decimal_comma": (replace_cell("good", "points", "1,5"), "points '1,5' is not a number"),
    "nan": (replace_cell("good", "points", "nan"), "points 'nan' is not a number"),
    "unknown_submission": (
        replace_cell("good", "submission", "submissions/nobody/99_toy.ipynb"),
        "unknown submission 'submissions/nobody/99_toy.ipynb': expected one of the 4",
    ),
    "unknown_question": (
        replace_cell("good", "question", "Q1.9"),
        "unknown question 'Q1.9': the written questions of 99_toy are: Q1.4",
    ),
    "marked_twice": (
        lambda rows: [*rows, {**rows[0], "points": "1"}],
        "line 6 (submissions/blank/99_toy.ipynb, Q1.4): marked twice (first on line 2)",
    ),
}


@pytest.mark.parametrize("case", BAD_MARKS, ids=str)
def test_bad_marks_are_refused_and_nothing_is_written(graded, capsys, case):
    change, message = BAD_MARKS[case]
    fill(graded, {"broken": "1"})  # a good mark among the bad: it is not folded in either
    write_rows(graded, change(written(graded)))
    before = {name: (graded.root / "out" / name).stat().st_mtime_ns for name in graded.tree()}
    contents = graded.tree()
    code, _ = graded.marks()
    assert code == 2
    err = capsys.readouterr().err
    assert "nnlib marks: out/written_answers.csv: 1 problem(s), nothing was changed" in err
    assert message in err
    assert graded.tree() == contents
    assert {name: (graded.root / "out" / name).stat().st_mtime_ns for name in contents} == before


def test_every_problem_is_listed_at_once(graded, capsys):
    rows = written(graded)
    rows[0]["points"], rows[1]["points"], rows[2]["question"] = "x", "9", "Q7"
    write_rows(graded, rows)
    assert graded.marks()[0] == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    assert err.index("line 2 ") < err.index("line 3 ") < err.index("line 4 ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"submission,student,chapter,question,answer,max_points,comment\n",
            "missing column(s) points: expected the columns submission,student,chapter,"
            "question,answer,max_points,points,comment (as nnlib grade wrote them), got "
            "submission,student,chapter,question,answer,max_points,comment",
        ),
        (b"", "missing column(s) submission, question, points"),
        (b"submission,question,points\n\xff\xfe,Q1.4,1\n", "not UTF-8 text"),
    ],
    ids=["missing_column", "empty_file", "not_utf8"],
)
def test_an_unusable_marks_file_is_refused(graded, capsys, content, message):
    (graded.root / "out" / marks.WRITTEN_ANSWERS).write_bytes(content)
    contents = graded.tree()
    assert graded.marks()[0] == 2
    assert message in capsys.readouterr().err
    assert graded.tree() == contents


def test_a_missing_marks_file_is_refused(graded, capsys):
    (graded.root / "out" / marks.WRITTEN_ANSWERS).unlink()
    assert graded.marks()[0] == 2
    assert "written_answers.csv: 1 problem(s)" in capsys.readouterr().err


def test_marks_need_a_graded_run(toy, capsys):
    (toy.root / "out").mkdir()
    assert toy.marks()[0] == 2
    assert "holds no graded run (run nnlib grade first)" in capsys.readouterr().err


# --- grading again keeps the marks ------------------------------------------------------------


def test_grading_again_keeps_the_marks(graded, capsys):
    fill(graded, {"good": "1.5", "blank": "0"}, {"good": "Nearly."})
    graded.marks()
    reports_before = {name: data for name, data in graded.tree().items() if "results" not in name}
    for argv in ([], ["--resume"]):
        assert graded.grade(*argv)[0] == 0
        assert "warning" not in capsys.readouterr().err
        by_student = {row["student"]: row for row in written(graded)}
        assert (by_student["good"]["points"], by_student["good"]["comment"]) == ("1.5", "Nearly.")
        assert by_student["blank"]["points"] == "0"
        again = {name: data for name, data in graded.tree().items() if "results" not in name}
        assert again == reports_before


def test_a_changed_answer_loses_its_mark_and_the_old_file_is_kept(graded, capsys):
    fill(graded, {"good": "1.5", "blank": "0"})
    marked = (graded.root / "out" / marks.WRITTEN_ANSWERS).read_bytes()
    changed = [*GOOD[:-1], "md:**Written answer (Q1.4):**\nA different answer."]
    (graded.root / path_of("good")).write_bytes(notebook_bytes(changed))
    assert graded.grade("--resume")[0] == 0
    err = capsys.readouterr().err
    assert "warning: 1 mark(s) of the earlier written_answers.csv no longer apply" in err
    [backup] = (graded.root / "out").glob("written_answers.before-*.csv")
    assert backup.read_bytes() == marked
    assert f"kept as out/{backup.name}" in err
    by_student = {row["student"]: row for row in written(graded)}
    assert (by_student["good"]["answer"], by_student["good"]["points"]) == (
        "A different answer.",
        "",
    )
    assert by_student["blank"]["points"] == "0"


def test_grading_refuses_to_replace_marks_it_cannot_read(graded, capsys):
    fill(graded, {"good": "lots"})
    before = graded.tree()
    graded.grader.calls.clear()
    assert graded.grade()[0] == 2
    err = capsys.readouterr().err
    assert "points 'lots' is not a number" in err and "or move it away" in err
    assert graded.grader.calls == []
    assert graded.tree() == before


# --- the rubric's written questions -------------------------------------------------------------


@pytest.mark.parametrize(
    "questions",
    [
        '["1.4"]',
        '[Question("1.4", 2), Question("1.4", 1)]',
        '[Question("1.4", 0)]',
        '[Question("1.4", 1.5)]',
        '[Question("1.1", 2)]',
    ],
    ids=["not_a_question", "twice", "no_points", "fractional_points", "an_exercise_key"],
)
def test_malformed_questions_are_a_rubric_error(toy, questions):
    toy.rubric.write_text(
        TOY_RUBRIC + f"\nfrom instructor.rubric import Question\n\nQUESTIONS = {questions}\n"
    )
    with pytest.raises(RubricError, match="QUESTIONS must|both an exercise and a written"):
        load_questions(TOY_CHAPTER)
    # Grading says so, as for any rubric that cannot be used.
    code, table = toy.grade()
    assert code == 1
    assert {line.split()[-1] for line in table.splitlines() if "99_toy" in line} == {"rubric-error"}


def test_every_course_chapter_has_its_written_questions():
    for chapter in CHAPTERS:
        questions = load_questions(chapter)
        assert 1 <= len(questions) <= 2 and all(q.max_points in (1, 2) for q in questions)


# --- reports on their own -------------------------------------------------------------------------


def test_feedback_shows_marks_comments_and_unscored_answers():
    submission = grading.Submission("ann/99_toy.ipynb", TOY_CHAPTER, "ann")
    answers = [WrittenAnswer("1.4", "Why?", "Because."), WrittenAnswer("1.5", "How?", "So.")]
    row = {"exercise": "1.1", "title": "square", "points": 2.0, "max_points": 2, "feedback": ""}
    result = grading.Result(submission, "graded", [row], answers=answers)
    result.questions = [Question("1.4", 3), Question("1.6", 1)]
    result.marks = {"1.4": grading.Mark(2.5, "Good.")}
    report = reports.feedback_markdown(result)
    assert "- Total: **4.5 / 6** points; not marked yet: Q1.6 (1 point)" in report
    assert (
        "### Q1.4: 2.5 / 3 points\n\n**Question**\n\n> Why?\n\n**Answer**\n\n> Because." in report
    )
    assert "**Comment**\n\n> Good." in report
    assert "### Q1.6: not marked yet (1 point)" in report
    assert "_The notebook has no answer cell for it._" in report
    # An answer the rubric does not score is shown as it was before questions had points.
    assert "### Q1.5\n\n**Question**\n\n> How?\n\n**Answer**\n\n> So." in report
