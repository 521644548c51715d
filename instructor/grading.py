"""Grading submissions: finding them, running each in its own kernel, and scoring the result.

Each notebook runs in a kernel of its own (in a sandbox, unless the run has none); when its
cells have run, the kernel answers the grader's questions over a socket
(:mod:`instructor.observer`), while the rubric's checks run here, in the grader's process
(:mod:`instructor.remote`): the learner's code produces numbers, the grader decides.

A submission's chapter is its file name stem (``04_momentum.ipynb``); its student is the name
of the folder holding it (``submissions/alice/04_momentum.ipynb``), or the stem when the path
has no folder part. Every failure of a learner's notebook still yields one row per exercise
(0 points, feedback saying why) so that one broken notebook never stops a batch.
"""

import contextlib
import multiprocessing
import multiprocessing.util
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from nbformat import NotebookNode

from instructor import remote, runner
from instructor.notebook_exercises import WrittenAnswer, read_notebook, written_answers
from instructor.rubric import (
    Exercise,
    Question,
    RubricError,
    describe_exception,
    grade_exercise,
    load_exercises,
    load_questions,
    rubric_modules,
)
from instructor.sandbox import GRADING_DIR, Sandbox, Spares, WarmSandbox

# Result.status values besides the runner's graded / timeout / kernel-died / not-graded and
# its sandbox caps' memory-limit / process-limit / cpu-limit.
UNKNOWN_CHAPTER = "unknown-chapter"
INVALID_NOTEBOOK = "invalid-notebook"
# The grader's own failures: a rubric that cannot be loaded, a kernel that cannot start.
RUBRIC_ERROR = "rubric-error"
GRADER_ERROR = "grader-error"
GRADER_FAILURES = (RUBRIC_ERROR, GRADER_ERROR)


class GradingError(Exception):
    """The grader cannot run at all (no notebooks, a path that does not exist...)."""


class GradingInterrupted(Exception):
    """Ctrl-C stopped :func:`grade_all`; ``results`` holds the submissions finished before."""

    def __init__(self, results: list["Result"]):
        super().__init__(f"grading was interrupted after {len(results)} result(s)")
        self.results = results


@dataclass(frozen=True)
class Mark:
    """A person's mark for a written answer: its points (None: not marked yet), a comment."""

    points: float | None
    comment: str = ""


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
    ``questions`` are the rubric's written questions, marked by a person: ``marks`` holds
    their marks by question key, from written_answers.csv (see :mod:`instructor.marks`).
    ``sandbox`` describes the sandbox the notebook ran in (:meth:`Sandbox.describe`), and is
    "" when the run had none (``--no-sandbox``).
    """

    submission: Submission
    status: str
    rows: list[dict]
    reason: str = ""
    errors: list[runner.CellError] = field(default_factory=list)
    answers: list[WrittenAnswer] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    marks: dict[str, Mark] = field(default_factory=dict)
    sandbox: str = ""

    @property
    def points(self) -> float:
        """The exercises' points plus the marks given so far to the written questions."""
        marked = [self.marks[question.key].points for question in self.marked_questions]
        return sum(row["points"] for row in self.rows) + sum(marked)

    @property
    def max_points(self) -> int:
        """The exercises' maximum points plus the written questions', marked or not."""
        written = sum(question.max_points for question in self.questions)
        return sum(row["max_points"] for row in self.rows) + written

    @property
    def marked_questions(self) -> list[Question]:
        """The written questions with a mark."""
        return [
            question
            for question in self.questions
            if self.marks.get(question.key, Mark(None)).points is not None
        ]


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


def grade_all(
    submissions: list[Submission],
    timeout: float,
    jobs: int = 1,
    *,
    store=None,
    log: Callable[[str], None] | None = None,
    sandbox: Sandbox | None = None,
) -> list[Result]:
    """Grade every submission, ``jobs`` at a time, returning results in the same order.

    Each one runs in ``sandbox`` (see :func:`grade_submission`).

    ``store`` (an :class:`instructor.store.ResultStore`) keeps each result as soon as it is
    graded, and hands back the results it still holds for unchanged notebooks (resuming).
    ``log`` receives the progress lines (default: printed to stderr), one as each notebook
    finishes, with an estimate of the time left. Ctrl-C raises :class:`GradingInterrupted`
    holding the results finished so far, in order (every one of them kept by ``store``).
    """
    log = log or _print_to_stderr
    done: dict[int, Result] = {}
    try:
        pending = []
        for index, submission in enumerate(submissions):
            kept = None if store is None else store.reusable(submission)
            if kept is None:
                pending.append((index, submission))
            else:
                done[index] = kept
        if done:
            log(f"{len(done)} result(s) kept from an earlier run: same notebook, rubric and grader")
        if pending:
            log(f"grading {len(pending)} notebook(s) with {jobs} job(s)")
        progress = Progress(len(pending), log)

        def finish(index: int, result: Result, seconds: float) -> None:
            result.questions = _written_questions(result)
            # Grader failures too: the reports say which sandbox the run had.
            result.sandbox = sandbox.describe() if sandbox is not None else ""
            if store is not None:
                store.keep(result)
            done[index] = result
            progress.finished(result, seconds)

        if jobs <= 1 or len(pending) <= 1:
            # A warm sandbox ahead pays when another notebook follows.
            spares = Spares(sandbox) if sandbox is not None and len(pending) > 1 else None
            try:
                for index, submission in pending:
                    finish(index, *_grade_timed(submission, timeout, sandbox, spares))
            finally:
                if spares is not None:
                    spares.close()
        else:
            _grade_in_pool(pending, timeout, min(jobs, len(pending)), finish, sandbox)
    except KeyboardInterrupt:
        raise GradingInterrupted([done[index] for index in sorted(done)]) from None
    return [done[index] for index in range(len(submissions))]


def _print_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _grade_timed(
    submission: Submission,
    timeout: float,
    sandbox: Sandbox | None = None,
    spares: Spares | None = None,
) -> tuple[Result, float]:
    """Grade one submission; return its result and the seconds it took.

    An exception is a bug of the grader's: it costs that submission only (a grader error).
    """
    start = time.monotonic()
    try:
        result = grade_submission(submission, timeout, sandbox, spares)
    except Exception as error:
        result = _grader_failed(submission, error)
    return result, time.monotonic() - start


def _grader_failed(submission: Submission, error: BaseException) -> Result:
    try:
        exercises = load_exercises(submission.chapter)
    except RubricError:
        exercises = []
    reason = f"the grader failed: {describe_exception(error)}"
    return _failed(submission, exercises, GRADER_ERROR, reason)


def _written_questions(result: Result) -> list[Question]:
    """The rubric's written questions for a result's chapter (none if it has no rubric)."""
    if result.status in (UNKNOWN_CHAPTER, RUBRIC_ERROR):
        return []
    try:
        return load_questions(result.submission.chapter)
    except RubricError:
        return []


# In a pool worker: set by the grader when Ctrl-C stops the run, so that the notebooks
# already queued for a worker are not started.
_stop_event = None
# In a pool worker of a sandboxed run: its warm sandbox ahead.
_spares = None

GradeCallback = Callable[[int, Result, float], None]


def _grade_in_pool(
    pending: list[tuple[int, Submission]],
    timeout: float,
    workers: int,
    finish: GradeCallback,
    sandbox: Sandbox | None = None,
) -> None:
    """Grade ``pending`` in ``workers`` processes, calling ``finish`` as each one is done.

    On Ctrl-C (here or in a worker) the queued notebooks are dropped, the running ones are
    interrupted, the results finished meanwhile are still passed to ``finish``, and
    KeyboardInterrupt propagates.
    """
    # Spawned, not forked, workers: each starts clean instead of copying the caller's state
    # (event loops, open kernels, a test runner's plugins).
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(stop, sandbox),
    )
    futures = {
        pool.submit(_grade_in_worker, submission, timeout, sandbox): (index, submission)
        for index, submission in pending
    }
    handled: set[Future] = set()

    def handle(future: Future) -> None:
        handled.add(future)
        index, submission = futures[future]
        try:
            outcome = future.result()
        except Exception as error:  # the worker process died: a grader error, not the learner's
            outcome = _grader_failed(submission, error), 0.0
        if outcome is None:  # Ctrl-C reached the worker
            raise KeyboardInterrupt
        finish(index, *outcome)

    try:
        for future in as_completed(futures):
            handle(future)
    except KeyboardInterrupt:
        _stop_workers(pool, stop, before)
        for future in futures:
            if future not in handled and future.done() and not future.cancelled():
                with contextlib.suppress(KeyboardInterrupt):
                    handle(future)
        raise
    except BaseException:
        _stop_workers(pool, stop, before)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor, stop, before: set) -> None:
    """Drop the queued notebooks and interrupt the workers' running ones (their kernels stop)."""
    stop.set()
    for worker in set(multiprocessing.active_children()) - before:
        try:
            os.kill(worker.pid, signal.SIGINT)
        except OSError:  # already gone
            pass
    pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(stop, sandbox: Sandbox | None = None) -> None:
    """Pool worker set-up: Ctrl-C is ignored except while a notebook is being graded.

    A sandboxed run keeps a warm sandbox ahead in each worker, stopped when the worker ends.
    """
    global _stop_event, _spares
    _stop_event = stop
    if sandbox is not None:
        _spares = Spares(sandbox)
        multiprocessing.util.Finalize(None, _spares.close, exitpriority=10)
    # An idle worker waiting for work would otherwise die with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _grade_in_worker(
    submission: Submission, timeout: float, sandbox: Sandbox | None = None
) -> tuple[Result, float] | None:
    """Grade in a pool worker; None when the run was interrupted (Ctrl-C) before or during it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if _stop_event is not None and _stop_event.is_set():
            return None
        return _grade_timed(submission, timeout, sandbox, _spares)
    except KeyboardInterrupt:
        return None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class Progress:
    """The progress lines of a run, one as each notebook finishes::

        [37/200] alice 04_momentum 5/5 graded 6.1 s, about 11 min left

    The points are the exercises' (written answers are marked later, by a person).
    """

    def __init__(self, total: int, log: Callable[[str], None], clock=time.monotonic):
        self.total, self.log, self.clock = total, log, clock
        self.count = 0
        self.start = clock()

    def finished(self, result: Result, seconds: float) -> None:
        self.count += 1
        submission = result.submission
        points = sum(row["points"] for row in result.rows)
        maximum = sum(row["max_points"] for row in result.rows)
        elapsed = self.clock() - self.start
        left = self.total - self.count
        # With N jobs, notebooks finish N times faster than each one takes: the rate so far
        # covers that.
        estimate = (
            f"about {format_duration(elapsed / self.count * left)} left"
            if left
            else f"done in {format_duration(elapsed)}"
        )
        self.log(
            f"[{self.count}/{self.total}] {submission.student} {submission.chapter} "
            f"{format_points(points)}/{maximum} {result.status} {seconds:.1f} s, {estimate}"
        )


def format_points(points: float) -> str:
    """Points for people: at most two decimals, no trailing zeros (``7.5``, ``10``)."""
    return f"{round(points, 2):g}"


def format_duration(seconds: float) -> str:
    """``40 s``, ``11 min``, ``2 h 5 min``."""
    if seconds < 59.5:
        return f"{max(round(seconds), 1)} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


# --- results as JSON (instructor.store keeps one file per submission) ----------------------

# The Result fields holding lists of records, and the record types to rebuild them with.
_RECORDS = {"errors": runner.CellError, "answers": WrittenAnswer, "questions": Question}


def result_to_json(result: Result) -> dict:
    """``result`` as plain JSON data, without its marks (written_answers.csv holds those)."""
    data = asdict(result)
    del data["marks"]
    return data


def result_from_json(data: dict) -> Result:
    """The Result that :func:`result_to_json` gave ``data`` for; ValueError if it cannot be."""
    try:
        data = dict(data)
        submission = Submission(**data.pop("submission"))
        for name, record in _RECORDS.items():
            data[name] = [record(**item) for item in data.get(name, [])]
        unknown = set(data) - {item.name for item in fields(Result)}
        if unknown:
            raise ValueError(f"unknown fields {', '.join(sorted(unknown))}")
        return Result(submission, **data)
    except (TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"not a grading result: {describe_exception(error)}") from None


def grade_submission(
    submission: Submission,
    timeout: float,
    sandbox: Sandbox | None = None,
    spares: Spares | None = None,
) -> Result:
    """Grade one submission in a fresh kernel; never raises for a learner's mistake.

    The kernel runs in ``sandbox`` (see :mod:`instructor.sandbox`), a warm one from
    ``spares`` when given; None runs it unconfined, in the grader's process tree
    (``--no-sandbox``).
    """
    result = _grade(submission, timeout, sandbox, spares)
    result.sandbox = sandbox.describe() if sandbox is not None else ""
    return result


def _grade(
    submission: Submission, timeout: float, sandbox: Sandbox | None, spares: Spares | None
) -> Result:
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
        execution, rows = _execute_copy(
            submission, notebook, data, timeout, sandbox, exercises, spares
        )
    except Exception as error:
        reason = f"the grader could not run the notebook: {describe_exception(error)}"
        return _failed(submission, exercises, GRADER_ERROR, reason)
    if execution.status == runner.GRADED and rows is None:
        execution.status = runner.NOT_GRADED
        execution.reason = "the notebook's kernel never answered the grader"
    if execution.status != runner.GRADED:
        result = _failed(submission, exercises, execution.status, execution.reason)
    else:
        result = Result(submission, runner.GRADED, rows)
    result.errors = execution.errors
    result.answers = written_answers(notebook)
    return result


def _execute_copy(
    submission: Submission,
    notebook: NotebookNode,
    data: bytes,
    timeout: float,
    sandbox: Sandbox | None,
    exercises: list[Exercise],
    spares: Spares | None = None,
) -> tuple[runner.Execution, list[dict] | None]:
    """Run a copy of the submission in a fresh private folder, and grade it as it serves.

    The notebook runs here, or in a sandbox (a warm one from ``spares`` when given), whose
    private folder is all the learner's code can write to, while a :class:`Questioner`
    thread waits for its kernel and grades it. Returns the execution and the exercises' rows
    (None if the kernel never connected).
    """
    name = Path(submission.path).name
    seconds = runner.sandbox_seconds(timeout)
    if sandbox is None:
        with tempfile.TemporaryDirectory(prefix="nnlib-grade-", ignore_cleanup_errors=True) as tmp:
            (Path(tmp) / "work").mkdir()
            (Path(tmp) / "work" / name).write_bytes(data)
            questioner = Questioner(Path(tmp) / SOCKET_NAME, exercises, seconds)
            try:
                execution = runner.run_submission(
                    notebook, Path(tmp) / "work", str(questioner.address), timeout
                )
            finally:
                rows = questioner.finish()
            return execution, rows
    with spares.take() if spares is not None else WarmSandbox(sandbox) as box:
        (box.private / "work" / name).write_bytes(data)
        questioner = Questioner(box.private / SOCKET_NAME, exercises, seconds)
        request = {
            "notebook": f"{GRADING_DIR}/work/{name}",
            "timeout": timeout,
            "address": f"{GRADING_DIR}/{SOCKET_NAME}",
        }
        try:
            outcome = box.run(request, seconds)
        finally:
            rows = questioner.finish()
        return runner.sandboxed_execution(outcome, sandbox.limits), rows


# The grader's socket, in the submission's private folder.
SOCKET_NAME = "grader.sock"


class Questioner:
    """Grades one submission from a thread, as its kernel connects to ``address`` and serves.

    The thread waits for the kernel's connection (for at most ``seconds``), runs every
    exercise's checks against a :class:`~instructor.remote.RemoteNamespace`, then tells the
    kernel it is done. :meth:`finish` stops the wait if the kernel never came.
    """

    def __init__(self, address: Path, exercises: list[Exercise], seconds: float):
        self.address, self.exercises = address, exercises
        self.deadline = time.monotonic() + seconds
        self.rows: list[dict] | None = None
        self.stopped = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(address))
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._run, name="questioner", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        session = remote.accept_session(
            self.listener, lambda: not self.stopped.is_set(), self.deadline
        )
        if session is None:
            return
        try:
            namespace = remote.RemoteNamespace(session)
            self.rows = [grade_exercise(exercise, namespace) for exercise in self.exercises]
        finally:
            session.close()

    def finish(self) -> list[dict] | None:
        """Stop waiting, wait for the grading to end, and return its rows."""
        self.stopped.set()
        self.thread.join()
        self.listener.close()
        return self.rows


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
