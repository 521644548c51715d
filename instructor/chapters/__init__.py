"""The graded rubrics, one module per chapter: ``chNN_name.EXERCISES`` (see instructor.rubric).

An exercise is graded in parts, each worth whole points, earned when its check passes: first
the self-check the learner ran in the notebook, then hidden checks (more seeds, other shapes
and settings, many steps in a row, edge cases). The feedback has one line per part with the
first problem found, or just "not implemented yet" for an untouched exercise.

The checks are nnlib's self-checks and this package's own, run in the grader on stand-ins
of the learner's classes (:mod:`instructor.remote`): the inputs are drawn here, the learner's
kernel only computes, and the comparison with nnlib's reference happens here. This package's
folder counts as library code for the checks' messages, so that no line of a hidden check
ever appears in a learner's feedback.

``chNN_name.QUESTIONS`` gives each written question of the chapter its points, marked by a
person (see instructor.marks).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from instructor.rubric import Exercise
from nnlib.checks import NOT_IMPLEMENTED, CheckFailure, CheckResult, self_check
from nnlib.checks.verdict import add_library_folder
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import Loss

GRADIENT_TARGET = 1e-6
REGULARIZER_NAMES = (
    "weight_regularizer_l1",
    "weight_regularizer_l2",
    "bias_regularizer_l1",
    "bias_regularizer_l2",
)

# The grader's own code (the checks, the stand-ins): never shown as the learner's.
add_library_folder(Path(__file__).resolve().parents[1])


class NotDefined(Exception):
    """A name the exercise needs is missing from the learner's notebook, or is nnlib's own."""


@dataclass(frozen=True)
class Part:
    """One graded part of an exercise: ``check(namespace)`` passing earns ``points``."""

    label: str
    points: int
    check: Callable[[dict], CheckResult]


def learner_object(namespace: dict, name: str, *, own: bool = True):
    """``namespace[name]``; with ``own``, refused when it is nnlib's rather than the learner's."""
    if name not in namespace:
        raise NotDefined(f"{name} is not defined: run the cell that defines it.")
    value = namespace[name]
    if own and (getattr(value, "__module__", None) or "").split(".")[0] == "nnlib":
        raise NotDefined(f"{name} is nnlib's own, not yours: define it in the exercise cell.")
    return value


def on(
    name: str, check: Callable[..., CheckResult], *, own: bool = True, **options
) -> Callable[[dict], CheckResult]:
    """A part's check: ``check`` run quietly on the learner's ``name`` with ``options``.

    ``own``: see :func:`learner_object`.
    """

    def run(namespace: dict) -> CheckResult:
        return check(learner_object(namespace, name, own=own), verbose=False, **options)

    return run


def all_of(*checks: Callable[[dict], CheckResult]) -> Callable[[dict], CheckResult]:
    """A part's check passing when every one of ``checks`` passes (the first failure else)."""

    def run(namespace: dict) -> CheckResult:
        for check in checks:
            result = check(namespace)
            if not result.passed:
                return result
        return result

    return run


def exercise(key: str, title: str, parts: list[Part], references: tuple[str, ...] = ()) -> Exercise:
    """An Exercise worth the sum of its parts, graded by :func:`grade_parts`.

    ``references``: nnlib's own code for what it grades (see :class:`Exercise`).
    """
    return Exercise(
        key,
        title,
        sum(part.points for part in parts),
        functools.partial(grade_parts, parts),
        references,
    )


def grade_parts(parts: list[Part], namespace: dict) -> tuple[int, str]:
    """Points of the passing parts, and the feedback: one line per part."""
    points, lines = 0, []
    for part in parts:
        try:
            result = part.check(namespace)
        except NotDefined as missing:
            return 0, str(missing)
        if result.status == NOT_IMPLEMENTED and not lines:
            return 0, result.summary()
        earned = part.points if result.passed else 0
        points += earned
        mark = "✓" if result.passed else "✗"
        # A markdown list: the feedback report shows one part per line.
        lines.append(f"- {mark} {part.label} ({earned}/{part.points}): {result.summary()}")
    return points, "\n".join(lines)


@self_check
def check_dense_gradients_numerically(Layer_Dense, *, seed=7, **regularizers):
    """Layer_Dense.backward against centred finite differences (regularization included)."""
    rng = np.random.default_rng(seed)
    layer = Layer_Dense(3, 2, **regularizers)
    weights, biases = rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
    inputs = rng.standard_normal((4, 3))
    upstream = np.random.default_rng(0).standard_normal((4, 2))
    yield "dweights, dbiases and dinputs agree with finite differences"
    strengths = {**dict.fromkeys(REGULARIZER_NAMES, 0.0), **regularizers}
    penalty = Loss()

    def objective():
        # The parameters live here: each evaluation hands the perturbed copies to the layer,
        # which may be a stand-in whose arrays are in another process.
        layer.weights, layer.biases = weights, biases
        layer.forward(inputs)
        output = np.asarray(layer.output, dtype=np.float64)
        own = SimpleNamespace(weights=weights, biases=biases, **strengths)
        return np.sum(output * upstream) + penalty.regularization_loss(own)

    objective()
    layer.backward(upstream)
    analytic = {name: getattr(layer, name, None) for name in ("dweights", "dbiases", "dinputs")}
    numeric = {
        "dweights": numerical_gradient(objective, weights),
        "dbiases": numerical_gradient(objective, biases),
        "dinputs": numerical_gradient(objective, inputs),
    }
    for name, expected in numeric.items():
        if np.shape(analytic[name]) != expected.shape:
            raise CheckFailure(
                f"{name} has shape {np.shape(analytic[name])}, expected {expected.shape}"
            )
        error = relative_error(analytic[name], expected)
        if not error < GRADIENT_TARGET:
            raise CheckFailure(
                f"{name}: relative error {error:.1e} against finite differences (target "
                f"< {GRADIENT_TARGET:.0e})",
                "the gradient must be the derivative of sum(output * dvalues) plus the "
                "regularization penalty, for every parameter.",
            )
