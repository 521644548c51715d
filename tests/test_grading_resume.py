"""Long runs: progress lines, results kept as they are graded, Ctrl-C, and ``--resume``.

Most tests grade a small toy class without kernels (tests/grading_class.py), counting the
notebooks graded; the slow ones start kernels: a resumed run, and Ctrl-C with two jobs.
"""

import json
import re
import time
from pathlib import Path

import pytest

from instructor import grading, store
from instructor.grading import Progress, format_duration
from tests.grading_cases import GOOD, TOY_CHAPTER, notebook_bytes
from tests.grading_class import CLASS, EXERCISE_POINTS, make_toy_class, path_of

STUDENTS = sorted(CLASS)  # the order of grading: by submission path
REAL_GRADE_SUBMISSION = grading.grade_submission
PROGRESS = re.compile(
    r"\[(\d+)/(\d+)\] (\w+) 99_toy (\d+)/6 ([\w-]+) \d+\.\d s, "
    r"(about \d+ (?:s|min) left|done in \d+ (?:s|min))"
)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    return make_toy_class(tmp_path, monkeypatch)


def progress_lines(err: str) -> list[tuple]:
    return [match.groups() for match in map(PROGRESS.fullmatch, err.splitlines()) if match]


def results_folder(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "out" / "results").glob("*.json"))


# --- progress -----------------------------------------------------------------------------


def test_each_notebook_prints_a_progress_line(toy, capsys):
    code, _ = toy.grade()
    assert code == 0
    err = capsys.readouterr().err
    assert f"grading {len(CLASS)} notebook(s) with 1 job(s)" in err
    lines = progress_lines(err)
    assert [(int(line[0]), int(line[1]), line[2]) for line in lines] == [
        (number, len(CLASS), student) for number, student in enumerate(STUDENTS, start=1)
    ]
    assert [int(line[3]) for line in lines] == [EXERCISE_POINTS[s] for s in STUDENTS]
    statuses = {line[2]: line[4] for line in lines}
    assert statuses["invalid_json"] == "invalid-notebook" and statuses["good"] == "graded"
    assert all(line[5].startswith("about ") for line in lines[:-1])
    assert lines[-1][5].startswith("done in ")


def test_the_estimate_follows_the_rate_so_far():
    now = [100.0]
    lines = []
    progress = Progress(4, lines.append, clock=lambda: now[0])
    result = grading.Result(grading.Submission("ann/99_toy.ipynb", "99_toy", "ann"), "graded", [])
    for elapsed in (10, 130, 131, 200):
        now[0] = 100.0 + elapsed
        progress.finished(result, 1.25)
    assert lines == [
        "[1/4] ann 99_toy 0/0 graded 1.2 s, about 30 s left",
        "[2/4] ann 99_toy 0/0 graded 1.2 s, about 2 min left",
        "[3/4] ann 99_toy 0/0 graded 1.2 s, about 44 s left",
        "[4/4] ann 99_toy 0/0 graded 1.2 s, done in 3 min",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 s"), (42.4, "42 s"), (59.6, "1 min"), (660, "11 min"), (7500, "2 h 5 min")],
)
def test_durations_read_naturally(seconds, text):
    assert format_duration(seconds) == text


# --- results kept as they are graded ------------------------------------------------------


def test_every_result_is_kept_and_indexed(toy):
    toy.grade()
    names = results_folder(toy.root)
    assert len(names) == len(CLASS) + 1 and "index.json" in names
    index = json.loads((toy.root / "out/results/index.json").read_text())
    assert len(index["results"]) == len(CLASS)
    assert [result.submission.student for result in store.load_results(toy.root / "out")] == (
        STUDENTS
    )


def test_results_round_trip_through_json(toy):
    toy.grade()
    for result in store.load_results(toy.root / "out"):
        again = grading.result_from_json(json.loads(json.dumps(grading.result_to_json(result))))
        assert again == result
    assert [q.key for q in result.questions] == ["1.4"]


def test_an_interrupted_run_keeps_and_reports_what_it_finished(toy, capsys):
    toy.grader.interrupt_at = 3
    code, table = toy.grade()
    assert code == 130
    err = capsys.readouterr().err
    assert "interrupted: 2 of 4 notebook(s) graded and reported" in err
    assert "rerun with --resume" in err
    assert toy.grader.calls == STUDENTS[:3]
    kept = [name.split("_99_toy-")[0] for name in results_folder(toy.root)]
    assert kept == [*STUDENTS[:2], "index.json"]
    summary = (toy.root / "out/summary.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in summary[1:]] == STUDENTS[:2]
    assert [line.split()[0] for line in table.splitlines() if "99_toy" in line] == STUDENTS[:2]


def test_a_resumed_run_grades_only_the_rest_and_ends_as_a_clean_run(toy, capsys):
    toy.grader.interrupt_at = 3
    assert toy.grade()[0] == 130
    toy.grader.calls.clear()
    toy.grader.interrupt_at = None
    code, _ = toy.grade("--resume")
    assert code == 0
    assert toy.grader.calls == STUDENTS[2:]
    assert "2 result(s) kept from an earlier run" in capsys.readouterr().err
    resumed = toy.tree()
    (toy.root / "out").rename(toy.root / "resumed")
    toy.grader.calls.clear()
    assert toy.grade()[0] == 0
    assert toy.grader.calls == STUDENTS
    assert toy.tree() == resumed


def test_deleted_results_are_graded_again(toy):
    toy.grade()
    clean = toy.tree()
    for student in ("blank", "good"):
        [path] = (toy.root / "out/results").glob(f"{student}_*.json")
        path.unlink()
    (toy.root / "out/results/index.json").unlink()
    toy.grader.calls.clear()
    toy.grade("--resume")
    assert toy.grader.calls == ["blank", "good"]
    assert toy.tree() == clean


def test_without_resume_everything_is_graded_again(toy):
    toy.grade()
    toy.grader.calls.clear()
    toy.grade()
    assert toy.grader.calls == STUDENTS


def test_a_changed_notebook_is_graded_again(toy):
    toy.grade()
    (toy.root / path_of("broken")).write_bytes(notebook_bytes(GOOD))
    toy.grader.calls.clear()
    toy.grade("--resume")
    assert toy.grader.calls == ["broken"]
    summary = (toy.root / "out/summary.csv").read_text()
    assert f"{path_of('broken')},broken,{TOY_CHAPTER},6,8,graded" in summary


def test_a_changed_rubric_grades_its_chapter_again(toy):
    toy.grade()
    toy.rubric.write_text(toy.rubric.read_text() + "\n# a hidden check more\n")
    toy.grader.calls.clear()
    toy.grade("--resume")
    assert toy.grader.calls == STUDENTS


def test_another_time_limit_grades_again(toy):
    toy.grade()
    toy.grader.calls.clear()
    code, _ = toy.grade("--resume", "--timeout", "20")
    assert code == 0
    assert toy.grader.calls == STUDENTS


def test_the_grader_version_covers_its_own_source_and_the_rubric(toy):
    version = store.grader_version(TOY_CHAPTER)
    assert store.grader_version(TOY_CHAPTER) == version
    toy.rubric.write_text(toy.rubric.read_text() + "\n")
    assert store.grader_version(TOY_CHAPTER) != version
    assert store.grader_version("04_momentum") != store.grader_version("05_adagrad")


def test_a_damaged_result_is_graded_again(toy):
    toy.grade()
    [path] = (toy.root / "out/results").glob("good_*.json")
    path.write_text('{"format": 1, "key": ')
    toy.grader.calls.clear()
    toy.grade("--resume")
    assert toy.grader.calls == ["good"]


def test_grader_failures_cost_one_submission_and_are_never_reused(toy, capsys):
    toy.grader.fail = {"broken"}
    code, table = toy.grade()
    assert code == 1
    assert ["broken", "99_toy", "0/8", "grader-error"] in [
        line.split() for line in table.splitlines()
    ]
    assert "the grader failed: RuntimeError: the grader broke" in capsys.readouterr().err
    toy.grader.fail = set()
    toy.grader.calls.clear()
    assert toy.grade("--resume")[0] == 0
    assert toy.grader.calls == ["broken"]


def test_a_full_disk_stops_the_run_and_keeps_what_was_kept(toy, monkeypatch, capsys):
    keep = store.ResultStore.keep
    kept = []

    def keep_two(self, result):
        if len(kept) == 2:
            raise OSError(28, "No space left on device")
        keep(self, result)
        kept.append(result.submission.student)

    monkeypatch.setattr(store.ResultStore, "keep", keep_two)
    code, _ = toy.grade()
    assert code == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "rerun with --resume" in err
    monkeypatch.setattr(store.ResultStore, "keep", keep)
    toy.grader.calls.clear()
    assert toy.grade("--resume")[0] == 0
    assert toy.grader.calls == STUDENTS[2:]


def test_marks_need_a_graded_run(tmp_path, capsys):
    with pytest.raises(store.StoreError, match="holds no graded run"):
        store.load_results(tmp_path)


# --- with kernels ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_resumed_run_with_kernels_starts_only_the_missing_kernels(toy, monkeypatch):
    graded = []

    def count(submission, *options):
        graded.append(submission.student)
        return REAL_GRADE_SUBMISSION(submission, *options)

    monkeypatch.setattr(grading, "grade_submission", count)
    code, _ = toy.grade()
    assert code == 0 and graded == STUDENTS
    clean = toy.tree()
    assert b"Because a product of two equal signs is positive." in clean["written_answers.csv"]
    for student in ("broken", "good"):
        [path] = (toy.root / "out/results").glob(f"{student}_*.json")
        path.unlink()
    graded.clear()
    assert toy.grade("--resume")[0] == 0
    assert graded == ["broken", "good"]
    assert toy.tree() == clean


@pytest.mark.slow
def test_ctrl_c_with_two_jobs_stops_the_workers_and_keeps_the_finished(toy, monkeypatch, capsys):
    # Graded first, by one worker, while the other grades blank, broken, good...
    path = toy.root / path_of("aa_sleepy")
    path.parent.mkdir()
    path.write_bytes(notebook_bytes([*GOOD, "import time\ntime.sleep(40)"]))
    monkeypatch.setattr(grading, "grade_submission", REAL_GRADE_SUBMISSION)
    keep = store.ResultStore.keep
    interrupted = []

    def keep_then_interrupt(self, result):
        if len(interrupted) == 0 and result.submission.student == "good":
            interrupted.append(time.monotonic())
            raise KeyboardInterrupt  # Ctrl-C while the sleepy notebook runs
        keep(self, result)

    monkeypatch.setattr(store.ResultStore, "keep", keep_then_interrupt)
    code, _ = toy.grade("--jobs", "2", "--timeout", "60")
    stopped = time.monotonic() - interrupted[0]
    assert code == 130
    assert stopped < 15, f"the workers took {stopped:.0f} s to stop"
    kept = {name.split("_99_toy-")[0] for name in results_folder(toy.root)} - {"index.json"}
    # Ctrl-C came as good was finished: invalid_json may have finished meanwhile.
    assert {"blank", "broken"} <= kept <= {"blank", "broken", "invalid_json"}
    err = capsys.readouterr().err
    assert f"interrupted: {len(kept)} of 5 notebook(s) graded and reported" in err
    summary = (toy.root / "out/summary.csv").read_text().splitlines()
    assert sorted(line.split(",")[1] for line in summary[1:]) == sorted(kept)
