"""Self-checks of chapter 5's exercises: the repaired AdaGrad, the predictions, the warm-up.

Where a wrong result is what one of the known mistakes gives (a cache overwritten instead of
summed, gradients not squared, no square root, the decay typo ``1. / (1. / + decay * t)``),
the hint names the mistake; otherwise it points at the idea.
"""

import copy
from types import SimpleNamespace

import numpy as np

from nnlib.checks.expect import (
    expect_array,
    expect_number,
    learner_class,
    learner_method,
    number,
    own_method,
    same_values,
)
from nnlib.checks.optimizers import optimizer_step, parameter_layers, set_gradients
from nnlib.checks.verdict import CheckFailure, describe_error, self_check
from nnlib.optimizers import Adagrad

CACHE_HINT = (
    "the cache holds what every step so far has seen, squared: compare yours with the "
    "cache the formula gives after two steps on paper."
)
OVERWRITTEN_HINT = (
    "your cache holds only this step's squared gradient: it is overwritten instead of summed, "
    "so AdaGrad forgets every earlier step and each step has the same size."
)
NOT_SQUARED_HINT = (
    "your cache is the sum of the gradients themselves, not of their squares: it can shrink "
    "or turn negative."
)
NO_SQRT_HINT = (
    "the caches are right but the step divides by the cache itself: AdaGrad divides by its "
    "square root, so that the step does not depend on the gradient's scale."
)
EPSILON_HINT = (
    "epsilon sits inside your square root: the chapter adds it after the root, "
    "sqrt(cache) + epsilon (it only guards against a division by zero)."
)
STEP_HINT = (
    "the caches are right, the step is not: each parameter moves against its gradient, "
    "scaled by the current learning rate over (sqrt of its cache + epsilon)."
)

# Exercise 5.3: one weight, the same gradient at every update, nnlib's AdaGrad (no decay).
PREDICTION_GRADIENT = 0.5
PREDICTION_UPDATES = 25
RATE_TOLERANCE = 0.02
DISTANCE_TOLERANCE = 0.05


def cache_hint(got, summed_squares, this_step, summed, step_number: int) -> str:
    """The hint for a wrong cache: the known mistake it matches, if any."""
    if step_number > 1 and same_values(got, this_step):
        return OVERWRITTEN_HINT
    if same_values(got, summed):
        return NOT_SQUARED_HINT
    return CACHE_HINT


def step_hint(got, without_root, epsilon_inside) -> str:
    """The hint for wrong parameters after a right cache: the known mistake, if any."""
    if same_values(got, without_root):
        return NO_SQRT_HINT
    if same_values(got, epsilon_inside):
        return EPSILON_HINT
    return STEP_HINT


@self_check
def check_repaired_adagrad(Optimizer_Adagrad, *, seeds=(0,), steps=3, decay=0.0):
    """Optimizer_Adagrad.update_params against nnlib's Adagrad: caches, then parameters."""
    cls = yield from learner_method(Optimizer_Adagrad, "Optimizer_Adagrad", "update_params")
    settings = {"learning_rate": 0.5, "decay": decay}
    for seed in seeds:
        yield f"{steps} steps on two layers, learning_rate=0.5, decay={decay}: caches, parameters"
        rng = np.random.default_rng(seed)
        references = parameter_layers(rng)
        layers = copy.deepcopy(references)
        optimizer, reference = cls(**settings), Adagrad(**settings)
        sums = [{"weight": 0.0, "bias": 0.0} for _ in layers]
        for step_number in range(1, steps + 1):
            set_gradients(rng, layers, references)
            # Expected values first: the learner's code runs after them.
            before = [(layer.weights.copy(), layer.biases.copy()) for layer in references]
            gradients = [(layer.dweights.copy(), layer.dbiases.copy()) for layer in references]
            optimizer_step(reference, references)
            optimizer_step(optimizer, layers)
            for index, layer in enumerate(layers):
                reference_layer = references[index]
                for name, parameter, gradient, start in zip(
                    ("weight", "bias"),
                    ("weights", "biases"),
                    gradients[index],
                    before[index],
                    strict=True,
                ):
                    sums[index][name] = sums[index][name] + gradient
                    label = f"after step {step_number}, layer {index + 1}"
                    cache = getattr(layer, f"{name}_cache", None)
                    expected_cache = getattr(reference_layer, f"{name}_cache")
                    expect_array(
                        f"{label}: {name}_cache",
                        cache,
                        expected_cache,
                        cache_hint(
                            cache, expected_cache, gradient**2, sums[index][name], step_number
                        ),
                    )
                    got = getattr(layer, parameter, None)
                    without_root = start - reference.current_learning_rate * gradient / (
                        expected_cache + reference.epsilon
                    )
                    epsilon_inside = start - reference.current_learning_rate * gradient / (
                        np.sqrt(expected_cache + reference.epsilon)
                    )
                    expect_array(
                        f"{label}: {parameter}",
                        got,
                        getattr(reference_layer, parameter),
                        step_hint(got, without_root, epsilon_inside),
                    )


def constant_gradient_run(gradient: float, updates: int, learning_rate: float = 1.0):
    """nnlib's AdaGrad on one weight, ``gradient`` at every update: (last rate, distance)."""
    optimizer = Adagrad(learning_rate=learning_rate)
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    for _ in range(updates):
        layer.dweights, layer.dbiases = np.full((1, 1), gradient), np.zeros((1, 1))
        optimizer_step(optimizer, [layer])
    rate = optimizer.current_learning_rate / (np.sqrt(layer.weight_cache) + optimizer.epsilon)
    return float(rate[0, 0]), abs(float(layer.weights[0, 0]))


def expect_prediction(label, predicted, expected, tolerance, mistakes, hint) -> None:
    """Fail unless ``predicted`` is a number within ``tolerance`` (relative) of ``expected``.

    ``mistakes`` maps a known wrong answer to its hint, used when the prediction is within
    the tolerance of it.
    """
    try:
        value = None if predicted is None else float(np.asarray(predicted).item())
    except (TypeError, ValueError):
        value = None
    if value is None or not np.isfinite(value):
        raise CheckFailure(
            f"{label} is {predicted!r:.60}, not a number",
            "store your prediction, a number worked out before running, in its place.",
        )
    if abs(value - expected) <= tolerance * abs(expected):
        return
    for wrong, wrong_hint in mistakes.items():
        if abs(value - wrong) <= tolerance * abs(wrong):
            hint = wrong_hint
            break
    raise CheckFailure(
        f"{label}: the run gives {number(expected)}, you predicted {number(value)} "
        f"(more than {tolerance:.0%} off)",
        hint,
    )


@self_check
def check_rate_prediction(predicted_rate):
    """predicted_rate: the effective rate after 25 updates with the gradient 0.5, within 2%."""
    g, k = PREDICTION_GRADIENT, PREDICTION_UPDATES
    rate, _ = constant_gradient_run(g, k)
    yield f"the effective learning rate after {k} updates with the gradient {g}, within 2%"
    expect_prediction(
        "predicted_rate",
        predicted_rate,
        rate,
        RATE_TOLERANCE,
        {
            1.0 / (k * g**2): "you divided by the cache itself; AdaGrad divides by its root.",
            1.0 / np.sqrt(k): "the cache holds the squared gradients, not k ones.",
            1.0 / g: "the cache after 25 updates holds 25 squared gradients, not one.",
        },
        "write the cache after k identical gradients g, then the rate it gives.",
    )


@self_check
def check_distance_prediction(predicted_distance):
    """predicted_distance: how far 25 updates with the gradient 0.5 move the weight, within 5%."""
    g, k = PREDICTION_GRADIENT, PREDICTION_UPDATES
    _, distance = constant_gradient_run(g, k)
    yield f"the distance travelled in {k} updates with the gradient {g}, within 5%"
    expect_prediction(
        "predicted_distance",
        predicted_distance,
        distance,
        DISTANCE_TOLERANCE,
        {
            float(k): "not every step is as long as the first: the cache grows at each update.",
            k * g: "that is plain gradient descent's distance: AdaGrad divides each step by "
            "the root of its cache.",
            float(np.sqrt(k)): "the k-th step is not the k-th part of the distance: add "
            "up the k step sizes one by one.",
        },
        "write the size of the k-th step (what does the gradient's size do to it?), then "
        "add the steps up; a sum of 25 terms is fine.",
    )


WARMUP_HINT = (
    "during the warm-up, the rate climbs in equal steps to learning_rate, reached at the "
    "last warm-up update (iterations = warmup - 1); after it, chapter 3's decay restarts "
    "its count at iterations = warmup. Use self.iterations, the updates already made."
)
TYPO_HINT = (
    "this is the decay typo: 1. / (1. / + decay * ...) parses as 1 / ((1 / decay) * ...). "
    "Look at the operator after the first 1."
)
COUNT_HINT = (
    "after the warm-up your decay counts from the first update of training: it should "
    "count the updates made since the warm-up ended."
)
FROZEN_HINT = (
    "your rate does not change from one update to the next: the schedule must follow "
    "self.iterations, the number of updates already made."
)


def warmup_rate(learning_rate: float, decay: float, warmup: int, t: int) -> float:
    """The warm-up schedule of exercise 5.4 at update ``t`` (0 = first update)."""
    if t < warmup:
        return learning_rate * (t + 1) / warmup
    return learning_rate / (1.0 + decay * (t - warmup))


WARMUP_CASES = ((1.0, 0.1, 4, 12), (0.5, 0.0, 3, 8))


@self_check
def check_warmup(Optimizer_Adagrad_Warmup, *, cases=WARMUP_CASES):
    """Optimizer_Adagrad_Warmup.pre_update_params: current_learning_rate at each update."""
    cls = learner_class(Optimizer_Adagrad_Warmup, "Optimizer_Adagrad_Warmup")
    yield f"{cls.__name__}.pre_update_params is your own method"
    own_method(cls, "pre_update_params")
    for learning_rate, decay, warmup, updates in cases:
        yield (
            f"learning_rate={learning_rate}, decay={decay}, warmup={warmup}: "
            f"current_learning_rate at each of {updates} updates"
        )
        optimizer = cls(learning_rate=learning_rate, decay=decay, warmup=warmup)
        seen = []
        for t in range(updates):
            expected = warmup_rate(learning_rate, decay, warmup, t)
            try:
                optimizer.pre_update_params()
            except Exception as error:  # a division by zero is the typo's signature
                described = describe_error(error)
                if not described.startswith("ZeroDivisionError"):
                    raise
                raise CheckFailure(f"update {t}: {described}", TYPO_HINT) from None
            got = optimizer.current_learning_rate
            seen.append(got)
            hint = WARMUP_HINT
            if t >= warmup and decay and t > warmup:
                typo = learning_rate * decay / (t - warmup)
                if same_values(got, typo):
                    hint = TYPO_HINT
            if t >= warmup and same_values(got, learning_rate / (1.0 + decay * t)):
                hint = COUNT_HINT
            if len(seen) > 1 and same_values(got, seen[-2]) and not same_values(expected, seen[-2]):
                hint = FROZEN_HINT
            expect_number(f"update {t}: current_learning_rate", got, expected, hint)
            optimizer.post_update_params()
