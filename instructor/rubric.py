"""The grading contract: chapters, their exercises, and how a learner's namespace is marked.

Every chapter ``NN_name`` in :data:`CHAPTERS` has a rubric module
``instructor.chapters.chNN_name`` defining ``EXERCISES: list[Exercise]``. An exercise's
``grade`` function receives the final global namespace of the learner's notebook (a dict of
the names it defined) and returns ``(points, feedback)``. It may raise or return NaN:
:func:`grade_namespace` turns that into 0 points with the reason as feedback, and clamps
points into ``[0, max_points]``. Each grade function gets its own shallow copy of the
namespace. A rubric module looks like::

    from instructor.rubric import Exercise, Question

    def grade_momentum(namespace):
        optimizer = namespace["Optimizer_SGD"](learning_rate=1.0, momentum=0.9)
        ...
        return 3, "Momentum updates match the reference."

    EXERCISES = [Exercise("4.2", "Optimizer_SGD with momentum", 3, grade_momentum)]
    QUESTIONS = [Question("4.3", 2)]

``QUESTIONS`` (optional) lists the chapter's written questions, each with the most points a
person's mark can give it: the notebook's ``**Written answer (Q4.3):**`` cell answers
``Question("4.3", 2)``. Grading lists the answers in ``written_answers.csv`` for a person to
mark (see :mod:`instructor.marks`); a written answer whose key is not in ``QUESTIONS`` is
shown in the feedback but not scored.

Rubric modules are imported by the grader process too (to know the exercises even when a
notebook cannot run), so importing one must be cheap and free of side effects.

Extra rubrics (tests, a chapter under construction) are registered through the environment
variable ``NNLIB_RUBRIC_MODULES``: comma-separated ``CHAPTER=MODULE`` pairs, for example
``NNLIB_RUBRIC_MODULES=99_toy=toy_rubrics.ch99_toy``. The module must be importable by the
grader and by the kernels it starts; kernels inherit the environment, so ``PYTHONPATH`` is
enough. An entry naming a standard chapter replaces that chapter's rubric.

The grader runs :func:`grade_to_file` (and :func:`limit_output`) inside the learner's kernel,
so this module stays light: standard library only.
"""

import importlib
import json
import math
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass

CHAPTERS = (
    "01_dense_layer",
    "02_backpropagation",
    "03_learning_rate_decay",
    "04_momentum",
    "05_adagrad",
    "06_rmsprop",
    "07_adam",
    "08_regularization",
    "09_fashion_mnist",
)

RUBRIC_MODULES_VARIABLE = "NNLIB_RUBRIC_MODULES"

# Feedback lands in CSV cells and reports: a runaway message must not swamp them.
MAX_FEEDBACK_CHARS = 2000
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a chapter: ``grade(namespace) -> (points, feedback)``."""

    key: str
    title: str
    max_points: int
    grade: Callable[[dict], tuple[float, str]]


@dataclass(frozen=True)
class Question:
    """A written question of a chapter, marked by a person: its key and its maximum points."""

    key: str
    max_points: int


class RubricError(Exception):
    """A chapter is unknown or its rubric module is unusable."""


def extra_rubric_modules() -> dict[str, str]:
    """Chapters registered through ``NNLIB_RUBRIC_MODULES``, as {chapter: module name}."""
    modules = {}
    for entry in os.environ.get(RUBRIC_MODULES_VARIABLE, "").split(","):
        if not entry.strip():
            continue
        chapter, separator, module = entry.partition("=")
        if not separator or not chapter.strip() or not module.strip():
            raise RubricError(
                f"{RUBRIC_MODULES_VARIABLE}: expected CHAPTER=MODULE entries, got {entry!r}"
            )
        modules[chapter.strip()] = module.strip()
    return modules


def rubric_modules() -> dict[str, str]:
    """Every known chapter and the module holding its rubric, standard chapters first."""
    modules = {chapter: f"instructor.chapters.ch{chapter}" for chapter in CHAPTERS}
    modules.update(extra_rubric_modules())
    return modules


def load_exercises(chapter: str) -> list[Exercise]:
    """Import the rubric of ``chapter`` and return its exercises, checked for sanity."""
    return _load_rubric(chapter)[0]


def load_questions(chapter: str) -> list[Question]:
    """The written questions of ``chapter``'s rubric (``QUESTIONS``, none if it has none)."""
    return _load_rubric(chapter)[1]


def _load_rubric(chapter: str) -> tuple[list[Exercise], list[Question]]:
    """Import the rubric of ``chapter``: its exercises and written questions, checked."""
    modules = rubric_modules()
    if chapter not in modules:
        raise RubricError(
            f"there is no chapter {chapter!r}; the chapters are: {', '.join(modules)}"
        )
    try:
        module = importlib.import_module(modules[chapter])
        exercises = list(module.EXERCISES)
        questions = list(getattr(module, "QUESTIONS", []))
    except Exception as error:
        raise RubricError(
            f"the rubric for chapter {chapter} ({modules[chapter]}) could not be loaded: "
            f"{describe_exception(error)}"
        ) from error
    keys = [exercise.key for exercise in exercises if isinstance(exercise, Exercise)]
    if len(keys) != len(exercises) or len(set(keys)) != len(keys):
        raise RubricError(
            f"{modules[chapter]}.EXERCISES must be Exercise objects with distinct keys"
        )
    written = [question.key for question in questions if _is_question(question)]
    if len(written) != len(questions) or len(set(written)) != len(written):
        raise RubricError(
            f"{modules[chapter]}.QUESTIONS must be Question objects with distinct keys and "
            f"whole, positive max_points"
        )
    if set(written) & set(keys):
        raise RubricError(
            f"{modules[chapter]}: the keys {', '.join(sorted(set(written) & set(keys)))} are "
            f"both an exercise and a written question"
        )
    return exercises, questions


def _is_question(question: object) -> bool:
    return (
        isinstance(question, Question)
        and isinstance(question.key, str)
        and type(question.max_points) is int
        and question.max_points > 0
    )


def describe_exception(error: BaseException) -> str:
    """``Type: message`` on one line, truncated; safe even if ``str(error)`` itself fails."""
    text = traceback.format_exception_only(error)[-1].strip()
    return truncate(" ".join(text.split()), MAX_ERROR_CHARS)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 15] + " [...truncated]"


def clamp_points(points: float, max_points: int) -> float:
    """``points`` as a float within [0, max_points]; NaN and infinities become 0."""
    points = float(points)
    return min(max(points, 0.0), float(max_points)) if math.isfinite(points) else 0.0


def grade_exercise(exercise: Exercise, namespace: dict) -> dict:
    """Grade one exercise, turning any failure of its check into 0 points with the reason."""
    try:
        # A copy, so one check rebinding a name cannot change what the next check sees.
        points, feedback = exercise.grade(dict(namespace))
        points, feedback = float(points), str(feedback)
    # SystemExit too: a learner's method calling sys.exit() must only cost that exercise.
    except (Exception, SystemExit) as error:
        points, feedback = 0.0, f"Not graded: the check raised {describe_exception(error)}"
    else:
        if not math.isfinite(points):
            feedback = f"Not graded: the check computed {points} points. {feedback}"
    return {
        "exercise": exercise.key,
        "title": exercise.title,
        "points": clamp_points(points, exercise.max_points),
        "max_points": exercise.max_points,
        "feedback": truncate(feedback, MAX_FEEDBACK_CHARS),
    }


def grade_namespace(chapter: str, namespace: dict) -> list[dict]:
    """Grade every exercise of ``chapter`` against a notebook's final global namespace.

    Returns one dict per exercise, in rubric order, with the keys
    ``exercise, title, points, max_points, feedback``.
    """
    return [grade_exercise(exercise, namespace) for exercise in load_exercises(chapter)]


def grade_to_file(chapter: str, namespace: dict, path: str) -> None:
    """Grade ``namespace`` and write the results to ``path`` as JSON (run in the kernel).

    A file rather than stdout: the learner's code may have redirected, flooded or capped the
    output streams, but it cannot reach into this module's own ``json`` and ``open``.
    """
    data = json.dumps(grade_namespace(chapter, namespace), ensure_ascii=False)
    directory, name = os.path.split(path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(data)
    os.replace(temporary, path)


def limit_output(max_chars: int) -> None:
    """Cap what stdout and stderr accept from now on (run in the kernel before the notebook).

    A cell printing hundreds of megabytes would otherwise be shipped to the grader whole.
    """
    budget = [max_chars]

    def cap_streams(info: object = None) -> None:
        for stream in (sys.stdout, sys.stderr):
            if not hasattr(stream.write, "output_budget"):
                stream.write = _capped_write(stream.write, budget)

    cap_streams()
    from IPython import get_ipython  # imported here: only a kernel has it, and needs it

    shell = get_ipython()
    if shell is not None:
        # IPython 9 swaps the streams' write methods in and out around every cell, dropping
        # a wrapper installed once: wrap again as each cell starts.
        shell.events.register("pre_run_cell", cap_streams)


def _capped_write(write: Callable[[str], object], budget: list[int]) -> Callable[[str], int]:
    """Wrap a stream's ``write`` so that all wrapped streams share one character budget."""

    def capped(text: str) -> int:
        if budget[0] > 0:
            write(text[: budget[0]])
            budget[0] -= len(text)
            if budget[0] <= 0:
                write("\n[further output dropped by the grader]\n")
        return len(text)

    capped.output_budget = budget
    return capped
