"""Self-checks of chapter 3's exercises: the planted decay bug, a prediction, learning-rate warm-up.

The rate checks step an optimizer through the book's protocol without any layer and compare
``current_learning_rate`` and ``iterations`` after every step with the schedule, computed here
before the learner's code runs. When the learner's rates match what a known mistake would give
(a rate that ignores ``self.iterations``, the brackets left out, the decay applied to the
already decayed rate, a count one ahead), the hint names that mistake.
"""

import numpy as np

from nnlib.checks.expect import learner_class, own_method
from nnlib.checks.optimizers import PARAMETER_HINT, compare_steps
from nnlib.checks.verdict import CheckFailure, self_check
from nnlib.optimizers import SGD

PROTOCOL = ("pre_update_params", "update_params", "post_update_params")
PREDICTION_TOLERANCE = 0.02  # relative, for the predicted rate

# The run whose last rate exercise 3.2 predicts: spiral_data(samples=100, classes=3) in
# mini-batches, with Optimizer_SGD(learning_rate=..., decay=...).
RUN_POINTS = 300
RUN_EPOCHS = 100
RUN_BATCH_SIZE = 20
RUN_LEARNING_RATE = 2.0
RUN_DECAY = 2e-3


def decay_rates(learning_rate: float, decay: float, steps: int) -> np.ndarray:
    """The 1/t schedule's rate of updates 0 to ``steps - 1``."""
    return learning_rate / (1.0 + decay * np.arange(steps))


def warmup_rates(learning_rate: float, decay: float, warmup_steps: int, steps: int) -> np.ndarray:
    """Linear warm-up over ``warmup_steps`` updates, then 1/t decay restarted at its end.

    Update t (from 0) uses learning_rate * (t + 1) / warmup_steps while t < warmup_steps, and
    learning_rate / (1 + decay * (t - warmup_steps)) from then on.
    """
    updates = np.arange(steps, dtype=np.float64)
    climbing = learning_rate * (updates + 1) / max(warmup_steps, 1)
    decaying = learning_rate / (1.0 + decay * np.maximum(updates - warmup_steps, 0))
    return np.where(updates < warmup_steps, climbing, decaying)


def stepped_rates(optimizer, steps: int) -> tuple[list[float], list[float]]:
    """``steps`` steps of the protocol without layers: the rate of each, the count after each."""
    rates, counts = [], []
    for _ in range(steps):
        optimizer.pre_update_params()
        rates.append(float(np.asarray(optimizer.current_learning_rate).item()))
        optimizer.post_update_params()
        counts.append(float(np.asarray(optimizer.iterations).item()))
    return rates, counts


def expect_counts(counts: list[float]) -> None:
    """Fail unless ``iterations`` was 1, 2, 3... after the steps."""
    expected = np.arange(1, len(counts) + 1)
    if not np.array_equal(counts, expected):
        step = int(np.argmax(np.asarray(counts) != expected))
        raise CheckFailure(
            f"after step {step + 1}: iterations expected {step + 1}, got {counts[step]:g}",
            "the decay can only follow the number of updates if something counts them: "
            "which method adds one to self.iterations, and does it?",
        )


def expect_rates(rates: list[float], expected: np.ndarray, mistakes: dict, hint: str) -> None:
    """Fail unless ``rates`` equal ``expected``; the hint names a recognised mistake.

    ``mistakes``: {hint: the rates that mistake gives}, tried in order.
    """
    rates = np.asarray(rates)
    close = np.isclose(rates, expected, rtol=1e-6, atol=1e-12)
    if close.all():
        return
    step = int(np.argmin(close))
    problem = (
        f"step {step + 1} (t = {step}): current_learning_rate expected "
        f"{expected[step]:.6g}, got {rates[step]:.6g} ({np.sum(~close)} of {len(rates)} "
        "steps differ)"
    )
    for mistake, wrong in mistakes.items():
        if np.allclose(rates, wrong, rtol=1e-6, atol=1e-12):
            hint = mistake
            break
    raise CheckFailure(problem, hint)


def decay_mistakes(learning_rate: float, decay: float, steps: int, rates) -> dict:
    """The rates the known ways of writing 1/t decay wrong would give, by their hint."""
    if not decay:
        return {}
    updates = np.arange(steps)
    compounded = learning_rate * np.cumprod(1.0 / (1.0 + decay * updates))
    return {
        "your rate is the same at every step, so the decay ignores self.iterations: it is "
        "computed from a number that does not change from one update to the next.": np.full(
            steps, rates[0]
        ),
        "your rate grows: the brackets are left out, so 1 / 1 + decay * t is read as "
        "(1 / 1) + decay * t.": learning_rate * (1.0 + decay * updates),
        "your rate shrinks too fast: the decay is applied to the already decayed rate, so the "
        "factors multiply up; start from the initial rate every time.": compounded,
        "your rate is one update ahead: t is the number of updates made BEFORE this one, 0 at "
        "the first.": decay_rates(learning_rate, decay, steps + 1)[1:],
    }


@self_check
def check_decay_fix(Optimizer_SGD, *, learning_rate=1.0, decay=0.1, steps=6, seed=0):
    """Optimizer_SGD with the planted mistake fixed: the 1/t schedule, the count, the steps."""
    cls = learner_class(Optimizer_SGD, "Optimizer_SGD")
    yield f"{cls.__name__}'s {', '.join(PROTOCOL)} are your notebook's, not nnlib's"
    for method in PROTOCOL:
        own_method(cls, method)
    for rate_decay in (decay, 0.0):
        expected = decay_rates(learning_rate, rate_decay, steps)
        yield (
            f"{steps} steps with learning_rate={learning_rate}, decay={rate_decay}: "
            "iterations and current_learning_rate at each step"
        )
        rates, counts = stepped_rates(cls(learning_rate=learning_rate, decay=rate_decay), steps)
        expect_counts(counts)
        expect_rates(
            rates,
            expected,
            decay_mistakes(learning_rate, rate_decay, steps, rates),
            "compare your rate with learning_rate / (1 + decay * t) by hand at t = 0, 1, 2.",
        )
    yield f"3 steps on two layers with decay={decay}: weights and biases after each"
    settings = {"learning_rate": learning_rate, "decay": decay}
    compare_steps(cls(**settings), SGD(**settings), seed, 3, hint=PARAMETER_HINT)


def run_updates(points=RUN_POINTS, epochs=RUN_EPOCHS, batch_size=RUN_BATCH_SIZE) -> int:
    """How many updates a mini-batch run makes: one per batch, the last batch maybe smaller."""
    return epochs * -(-points // batch_size)


def expect_prediction(label: str, got, expected: float, tolerance: float, hints: dict) -> None:
    """Fail unless ``got`` is a number within ``tolerance`` (relative) of ``expected``.

    The failure does not give the expected value away: the run after the prediction does.
    ``hints``: {value a known mistake gives: its hint}.
    """
    try:
        value = float(np.asarray(got).item())
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{label} is {got!r:.60}, not a number", "store your prediction: a single number."
        ) from None
    if abs(value - expected) <= tolerance * abs(expected):
        return
    direction = "too high" if value > expected else "too low"
    hint = next(
        (hint for wrong, hint in hints.items() if np.isclose(value, wrong, rtol=tolerance / 2)),
        "count what the optimizer counts: one update per call of pre_update_params.",
    )
    within = f"within {tolerance:.0%}" if tolerance else "exactly"
    raise CheckFailure(f"{label} = {value:.6g} is {direction} (it must be right {within})", hint)


@self_check
def check_rate_prediction(predicted_updates, predicted_last_rate, *, parts=("updates", "rate")):
    """Exercise 3.2's predictions: the run's number of updates and its last update's rate."""
    updates = run_updates()
    last_rate = RUN_LEARNING_RATE / (1.0 + RUN_DECAY * (updates - 1))
    per_epoch = "the decay counts updates (self.iterations), not epochs: a mini-batch epoch "
    per_epoch += "makes one update per batch."
    per_class = "spiral_data(samples=100, classes=3) holds 100 points per class."
    if "updates" in parts:
        yield "predicted_updates: the number of updates of the run, exactly"
        expect_prediction(
            "predicted_updates",
            predicted_updates,
            updates,
            0.0,
            {RUN_EPOCHS: per_epoch, run_updates(points=RUN_POINTS // 3): per_class},
        )
    if "rate" in parts:
        yield (
            f"predicted_last_rate: the rate of the run's last update, within "
            f"{PREDICTION_TOLERANCE:.0%}"
        )
        expect_prediction(
            "predicted_last_rate",
            predicted_last_rate,
            last_rate,
            PREDICTION_TOLERANCE,
            {
                RUN_LEARNING_RATE / (1.0 + RUN_DECAY * (RUN_EPOCHS - 1)): per_epoch,
                RUN_LEARNING_RATE * RUN_DECAY * (updates - 1): "1 / (1 + decay * t), not "
                "1 / 1 + decay * t: mind the brackets.",
            },
        )


def warmup_mistakes(learning_rate: float, decay: float, warmup_steps: int, steps: int) -> dict:
    """The rates the known ways of writing warm-up wrong would give, by their hint."""
    updates = np.arange(steps, dtype=np.float64)
    right = warmup_rates(learning_rate, decay, warmup_steps, steps)
    after = updates >= warmup_steps
    from_zero = np.where(after, right, learning_rate * updates / max(warmup_steps, 1))
    return {
        "your first update does not move (rate 0): the climb starts at learning_rate / "
        "warmup_steps at t = 0 and reaches learning_rate at t = warmup_steps - 1.": from_zero,
        "after the warm-up your decay counts from the first update of the run: it should "
        "start from the end of the warm-up, so that update warmup_steps uses learning_rate.": (
            np.where(after, learning_rate / (1.0 + decay * updates), right)
        ),
        "after the warm-up your rate does not decay: the 1/t decay takes over there.": np.where(
            after, learning_rate, right
        ),
    }


@self_check
def check_warmup(WarmUpSGD, *, learning_rate=1.0, decay=0.1, warmup_steps=4, steps=12):
    """WarmUpSGD.pre_update_params: linear warm-up, then 1/t decay from the warm-up's end."""
    cls = learner_class(WarmUpSGD, "WarmUpSGD")
    yield f"{cls.__name__}.pre_update_params is your own method"
    own_method(cls, "pre_update_params")
    for warmup in (warmup_steps, 0):
        expected = warmup_rates(learning_rate, decay, warmup, steps)
        yield (
            f"{steps} steps with learning_rate={learning_rate}, decay={decay}, "
            f"warmup_steps={warmup}: current_learning_rate at each step"
        )
        optimizer = cls(learning_rate=learning_rate, decay=decay, warmup_steps=warmup)
        rates, counts = stepped_rates(optimizer, steps)
        expect_counts(counts)
        expect_rates(
            rates,
            expected,
            warmup_mistakes(learning_rate, decay, warmup, steps),
            "write the rates of t = 0, 1, ..., warmup_steps + 1 by hand and compare: the climb "
            "ends at learning_rate, and the decay then starts afresh.",
        )
