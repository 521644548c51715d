"""The grading contract: chapters, their exercises, and how a learner's namespace is marked.

Every chapter ``NN_name`` in :data:`CHAPTERS` has a rubric module
``instructor.chapters.chNN_name`` defining ``EXERCISES: list[Exercise]``. An exercise's
``grade`` function receives the learner's notebook's global names and returns
``(points, feedback)``. It runs in the grader, never in the learner's kernel: the names are
an :class:`instructor.remote.RemoteNamespace`, whose values are numbers, arrays and
stand-ins for the learner's classes, functions and objects, every use of which is a request
to the kernel (a plain dict works too, for tests). It may raise or return NaN:
:func:`grade_namespace` turns that into 0 points with the reason as feedback, and clamps
points into ``[0, max_points]``. A rubric module looks like::

    from instructor.rubric import Exercise, Question

    def grade_momentum(namespace):
        optimizer = namespace["Optimizer_SGD"](learning_rate=1.0, momentum=0.9)
        ...
        return 3, "Momentum updates match the reference."

    EXERCISES = [
        Exercise(
            "4.2", "Optimizer_SGD with momentum", 3, grade_momentum,
            references=("nnlib.optimizers:SGD.update_params",),
        )
    ]
    QUESTIONS = [Question("4.3", 2)]

``references`` names nnlib's own implementation of what the exercise grades
(``module:Qualified.name``): an exercise during whose checks one of them runs in the kernel
handed its work to nnlib, and gets 0 (see :func:`grade_exercise`).

``QUESTIONS`` (optional) lists the chapter's written questions, each with the most points a
person's mark can give it: the notebook's ``**Written answer (Q4.3):**`` cell answers
``Question("4.3", 2)``. Grading lists the answers in ``written_answers.csv`` for a person to
mark (see :mod:`instructor.marks`); a written answer whose key is not in ``QUESTIONS`` is
shown in the feedback but not scored.

Rubric modules are imported by the grader process only (the sandbox does not even show
them: a hidden check's source never reaches the learner's process); importing one must be
cheap and free of side effects.

Extra rubrics (tests, a chapter under construction) are registered through the environment
variable ``NNLIB_RUBRIC_MODULES``: comma-separated ``CHAPTER=MODULE`` pairs, for example
``NNLIB_RUBRIC_MODULES=99_toy=toy_rubrics.ch99_toy``. The module must be importable by the
grader. An entry naming a standard chapter replaces that chapter's rubric.
"""

import importlib
import math
import os
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
    """One graded exercise of a chapter: ``grade(namespace) -> (points, feedback)``.

    ``references``: nnlib's own functions for what the exercise grades, as
    ``module:Qualified.name``; running one of them while grading it is delegation.
    """

    key: str
    title: str
    max_points: int
    grade: Callable[[dict], tuple[float, str]]
    references: tuple[str, ...] = ()


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


def grade_exercise(exercise: Exercise, namespace) -> dict:
    """Grade one exercise, turning any failure of its check into 0 points with the reason.

    On a :class:`~instructor.remote.RemoteNamespace`, the exercise's ``references`` are
    watched while it is graded: if one ran, the exercise gets 0 and the feedback says so.
    """
    watching = bool(exercise.references) and hasattr(namespace, "watch")
    try:
        if watching:
            namespace.watch(exercise.references)
        # A dict is copied, so one check rebinding a name cannot change what the next sees.
        points, feedback = exercise.grade(
            dict(namespace) if isinstance(namespace, dict) else namespace
        )
        points, feedback = float(points), str(feedback)
        delegated = sorted(namespace.delegated) if watching else []
    # SystemExit too: a learner's method calling sys.exit() must only cost that exercise.
    except (Exception, SystemExit) as error:
        points, feedback = 0.0, f"Not graded: the check raised {describe_exception(error)}"
    else:
        if delegated:
            names = ", ".join(name.replace(":", ".") for name in delegated)
            points, feedback = (
                0.0,
                (
                    f"0 points: your code hands this exercise's work to nnlib's own {names} "
                    f"(by inheriting it, calling it, super() or assigning it). Write it yourself."
                ),
            )
        elif not math.isfinite(points):
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
