"""Self-checks of chapter 7's exercises: the fixed Adam, the predictions, AdamW, the ablation.

The optimizer checks run the learner's class and a reference on copies of the same layers,
with the same gradients, and compare the parameters and the moments after every update.
Where the learner's numbers are those of a known mistake (a cache built from the first
moment, the wrong power of β, an L2 term added to the gradient...), the hint names it: the
check runs each mistake alongside and compares.
"""

import copy
import functools
from types import SimpleNamespace

import numpy as np

from nnlib.checks.expect import expect_array, learner_method
from nnlib.checks.optimizers import optimizer_step, parameter_layers, set_gradients
from nnlib.checks.verdict import CheckFailure, isolated_numpy, self_check
from nnlib.optimizers import Adam
from nnlib.spiral_training import spiral_curves

ADAM_STATE = ("weight_momentums", "bias_momentums", "weight_cache", "bias_cache")
COMPARED = (*ADAM_STATE, "weights", "biases")

# Known mistakes, each a name the reference step understands, with the hint that names it.
CACHE_FROM_MOMENT = "cache from the first moment"
CACHE_NOT_SQUARED = "cache of the gradient, not of its square"
POWER_T = "correction with the power t"
NO_CORRECTION = "no bias correction"
COUPLED_DECAY = "decay added to the gradient"
BIASES_DECAYED = "biases decayed"
UNDECAYED_RATE = "decay at the starting rate"
DECAY_AFTER_STEP = "decay of the updated weights"
MISTAKE_HINTS = {
    CACHE_FROM_MOMENT: "these are the numbers of an Adam whose cache (the second moment s) is "
    "updated with the first moment: s must average what the gradients themselves do.",
    CACHE_NOT_SQUARED: "these are the numbers of a cache fed with the gradient rather than "
    "its square: s is the second moment.",
    POWER_T: "these are the numbers of a bias correction with the power t = iterations: "
    "the first update would divide by 1 - β⁰ = 0. Which updates have been made once this "
    "one is done?",
    NO_CORRECTION: "these are the numbers of an Adam without bias correction: both moments "
    "start at zero, and the correction is what undoes that.",
    COUPLED_DECAY: "these are the numbers of L2 regularization added to the gradient: the "
    "moments then see the decay term, and Adam divides it by √ŝ. Decoupled means the "
    "moments see the loss gradient only.",
    BIASES_DECAYED: "these are the numbers of a decay applied to the biases too: decay the "
    "weights only.",
    UNDECAYED_RATE: "these are the numbers of a weight decay scaled by learning_rate, the "
    "starting rate: the decay should follow the rate the step uses, which decay lowers.",
    DECAY_AFTER_STEP: "these are the numbers of a decay taken from the weights after Adam's "
    "step: shrink the weights as they were when the update began.",
}
FIX_HINT = (
    "compare the stored moments with the chapter's update rule, one line at a time: which "
    "array differs first?"
)
ADAMW_HINT = (
    "after the update, each weight should be Adam's step plus a shrink proportional to the "
    "rate in use, to weight_decay and to the weight itself; biases and moments as in Adam."
)


def adam_step(layer, optimizer, mistake=None, weight_decay=0.0) -> None:
    """One Adam (or AdamW) update of ``layer`` in place, the way ``mistake`` would do it.

    ``optimizer`` gives the settings, ``current_learning_rate`` and ``iterations`` (t).
    ``mistake`` is None (the correct update) or one of the known mistakes above.
    """
    t = optimizer.iterations
    rate = optimizer.current_learning_rate
    if mistake == UNDECAYED_RATE:
        decay_rate = optimizer.learning_rate
    else:
        decay_rate = rate
    power = t if mistake == POWER_T else t + 1
    for name, parameters, gradient in (
        ("weight", "weights", layer.dweights),
        ("bias", "biases", layer.dbiases),
    ):
        theta = getattr(layer, parameters)
        decayed = name == "weight" or mistake == BIASES_DECAYED
        if mistake == COUPLED_DECAY and decayed:
            gradient = gradient + weight_decay * theta
        zeros = np.zeros_like(theta)
        momentums = getattr(layer, f"{name}_momentums", zeros)
        cache = getattr(layer, f"{name}_cache", zeros)
        momentums = optimizer.beta_1 * momentums + (1 - optimizer.beta_1) * gradient
        fed = {CACHE_FROM_MOMENT: momentums**2, CACHE_NOT_SQUARED: gradient}.get(
            mistake, gradient**2
        )
        cache = optimizer.beta_2 * cache + (1 - optimizer.beta_2) * fed
        if mistake == NO_CORRECTION:
            corrected_momentums, corrected_cache = momentums, cache
        else:
            corrected_momentums = momentums / (1 - optimizer.beta_1**power)
            corrected_cache = cache / (1 - optimizer.beta_2**power)
        step = rate * corrected_momentums / (np.sqrt(corrected_cache) + optimizer.epsilon)
        updated = theta - step
        if decayed and mistake != COUPLED_DECAY:
            shrunk = updated if mistake == DECAY_AFTER_STEP else theta
            updated = updated - decay_rate * weight_decay * shrunk
        setattr(layer, parameters, updated)
        setattr(layer, f"{name}_momentums", momentums)
        setattr(layer, f"{name}_cache", cache)


class ReferenceAdam:
    """Adam, or AdamW with ``weight_decay``, written as ``mistake`` would (None: correct)."""

    def __init__(self, settings: dict, mistake=None, weight_decay=0.0):
        self.learning_rate = self.current_learning_rate = settings.get("learning_rate", 0.001)
        self.decay = settings.get("decay", 0.0)
        self.epsilon = settings.get("epsilon", 1e-7)
        self.beta_1 = settings.get("beta_1", 0.9)
        self.beta_2 = settings.get("beta_2", 0.999)
        self.iterations = 0
        self.mistake = mistake
        self.weight_decay = weight_decay

    def pre_update_params(self):
        self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)

    def update_params(self, layer):
        adam_step(layer, self, self.mistake, self.weight_decay)

    def post_update_params(self):
        self.iterations += 1


def _same(layers, references) -> bool:
    """Whether every compared array of ``layers`` matches ``references`` (NaN matching NaN)."""
    for layer, reference in zip(layers, references, strict=True):
        for name in COMPARED:
            got = getattr(layer, name, None)
            expected = getattr(reference, name)
            if got is None or np.shape(got) != expected.shape:
                return False
            if not np.allclose(got, expected, rtol=1e-6, atol=1e-12, equal_nan=True):
                return False
    return True


def compare_with_mistakes(
    optimizer, settings: dict, mistakes, *, seed: int, steps: int, hint: str, weight_decay=0.0
) -> None:
    """``steps`` updates of ``optimizer`` against the reference; name a known mistake if seen.

    The expected values are computed before the learner's update, on their own copies.
    """
    rng = np.random.default_rng(seed)
    start = parameter_layers(rng)
    layers = copy.deepcopy(start)
    reference = (ReferenceAdam(settings, weight_decay=weight_decay), copy.deepcopy(start))
    variants = {
        mistake: (ReferenceAdam(settings, mistake, weight_decay), copy.deepcopy(start))
        for mistake in mistakes
    }
    for number in range(1, steps + 1):
        set_gradients(rng, layers, reference[1], *(copies for _, copies in variants.values()))
        for other, copies in (reference, *variants.values()):
            optimizer_step(other, copies)
        optimizer_step(optimizer, layers)
        if _same(layers, reference[1]):
            continue
        named = next(
            (mistake for mistake, (_, copies) in variants.items() if _same(layers, copies)), None
        )
        shown_hint = MISTAKE_HINTS[named] if named else hint
        for index, (layer, expected) in enumerate(zip(layers, reference[1], strict=True), 1):
            for name in COMPARED:
                expect_array(
                    f"after update {number}, layer {index}: {name}",
                    getattr(layer, name, None),
                    getattr(expected, name),
                    shown_hint,
                )
        raise CheckFailure(f"after update {number}: the arrays differ", shown_hint)


@self_check
def check_adam_fixed(Optimizer_Adam, *, seeds=(0,), steps=3, **settings):
    """The fixed Adam: moments and parameters after each update, against Adam's rule."""
    cls = yield from learner_method(Optimizer_Adam, "Optimizer_Adam", "update_moments")
    settings = {"learning_rate": 0.01, **settings}
    described = ", ".join(f"{key}={value}" for key, value in settings.items())
    for seed in seeds:
        yield f"{steps} updates with {described}: moments, weights and biases"
        compare_with_mistakes(
            cls(**settings),
            settings,
            (CACHE_FROM_MOMENT, CACHE_NOT_SQUARED),
            seed=seed,
            steps=steps,
            hint=FIX_HINT,
        )


@self_check
def check_adamw(Optimizer_AdamW, *, seeds=(0,), steps=3, weight_decay=0.5, **settings):
    """Optimizer_AdamW(weight_decay=...): Adam's update plus a decoupled weight decay."""
    cls = yield from learner_method(Optimizer_AdamW, "Optimizer_AdamW", "update_params")
    settings = {"learning_rate": 0.01, **settings}
    described = ", ".join(f"{key}={value}" for key, value in settings.items())
    mistakes = (
        COUPLED_DECAY,
        BIASES_DECAYED,
        DECAY_AFTER_STEP,
        CACHE_FROM_MOMENT,
        POWER_T,
        NO_CORRECTION,
    )
    if settings.get("decay"):
        mistakes = (*mistakes, UNDECAYED_RATE)
    for seed in seeds:
        for strength in (weight_decay, 0.0):
            yield f"{steps} updates with weight_decay={strength}, {described}"
            compare_with_mistakes(
                cls(weight_decay=strength, **settings),
                settings,
                mistakes,
                seed=seed,
                steps=steps,
                hint=ADAMW_HINT,
                weight_decay=strength,
            )


# Predict, then run: one weight, learning rate η, gradient +g at the first update, -g at the
# second, default β₁ and β₂.
PREDICTION_RATE = 0.02
PREDICTION_GRADIENT = 40.0
PREDICTION_TOLERANCE = 0.05


def predicted_step_sizes(learning_rate=PREDICTION_RATE, gradient=PREDICTION_GRADIENT):
    """|change of the weight| at the two updates of the prediction exercise, by Adam's rule."""
    optimizer = ReferenceAdam({"learning_rate": learning_rate})
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    sizes = []
    for sign in (1.0, -1.0):
        layer.dweights = np.full((1, 1), sign * gradient)
        layer.dbiases = np.zeros((1, 1))
        before = float(layer.weights[0, 0])
        optimizer_step(optimizer, [layer])
        sizes.append(abs(float(layer.weights[0, 0]) - before))
    return sizes


def _prediction(label: str, value, expected: float, known: dict) -> None:
    """Fail unless ``value`` is within the tolerance of ``expected``; ``known``: value -> hint.

    The failure does not give the expected value: the run after the prediction does.
    """
    try:
        if isinstance(value, str | bytes):
            raise TypeError
        number = float(np.asarray(value, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise CheckFailure(f"{label} is {value!r:.60}, not a number", "store a float.") from None
    if abs(number - expected) <= PREDICTION_TOLERANCE * expected:
        return
    hint = next(
        (text for wrong, text in known.items() if np.isclose(number, wrong, rtol=0.05)),
        "write m and s after each update, then m̂ and ŝ, for this one weight.",
    )
    raise CheckFailure(
        f"{label} = {number:.4g} is not within {PREDICTION_TOLERANCE:.0%} of the step Adam takes",
        hint,
    )


@self_check
def check_first_step_prediction(first_step_prediction):
    """The predicted size of Adam's first update, within PREDICTION_TOLERANCE."""
    expected = predicted_step_sizes()[0]
    yield f"first_step_prediction within {PREDICTION_TOLERANCE:.0%} of Adam's first step"
    _prediction(
        "first_step_prediction",
        first_step_prediction,
        expected,
        {
            PREDICTION_RATE * PREDICTION_GRADIENT: "η · g is plain SGD's step: Adam divides "
            "by a root mean square of the gradients.",
            PREDICTION_RATE * 0.1 / np.sqrt(0.001): "that is the step without the bias correction.",
        },
    )


@self_check
def check_second_step_prediction(second_step_prediction):
    """The predicted size of Adam's second update (the gradient flipped), within tolerance."""
    expected = predicted_step_sizes()[1]
    yield f"second_step_prediction within {PREDICTION_TOLERANCE:.0%} of Adam's second step"
    _prediction(
        "second_step_prediction",
        second_step_prediction,
        expected,
        {
            PREDICTION_RATE: "η would be the step of a gradient that keeps its sign: what "
            "does the first moment remember of the first gradient?",
            PREDICTION_RATE * PREDICTION_GRADIENT: "η · g is plain SGD's step.",
        },
    )


# Ablation: Adam with and without its bias correction on a 5-class spiral.
ABLATION_CLASSES = 5
ABLATION_EPOCHS = 200
ABLATION_SEEDS = (5, 6, 7)
ABLATION_MARGIN = 0.2
CHAPTER_RATES = (0.03, 0.1)


def uncorrected_adam(learning_rate: float) -> Adam:
    """nnlib's Adam with its counter at a million: β^(t+1) is 0, so no correction is left.

    Only without learning-rate decay, which the counter also drives.
    """
    optimizer = Adam(learning_rate=learning_rate)
    optimizer.iterations = 10**6
    return optimizer


def ablation_final_loss(optimizer_factory, seed: int) -> float:
    """The final training loss of the 5-class spiral network after ABLATION_EPOCHS epochs."""
    curves = spiral_curves(
        seed,
        optimizer_factory,
        epochs=ABLATION_EPOCHS,
        log_every=ABLATION_EPOCHS,
        classes=ABLATION_CLASSES,
    )
    return curves["loss"][-1]


def correction_effect(learning_rate: float, seeds=ABLATION_SEEDS) -> tuple[float, float]:
    """Mean final loss over ``seeds``: (with the bias correction, without it)."""
    with isolated_numpy():
        corrected = [
            ablation_final_loss(functools.partial(Adam, learning_rate=learning_rate), seed)
            for seed in seeds
        ]
        uncorrected = [
            ablation_final_loss(functools.partial(uncorrected_adam, learning_rate), seed)
            for seed in seeds
        ]
    return float(np.mean(corrected)), float(np.mean(uncorrected))


@self_check
def check_correction_hurts(rate_correction_hurts, *, seeds=ABLATION_SEEDS):
    """A learning rate at which Adam without its correction ends lower, by ABLATION_MARGIN."""
    yield "a learning rate of your own: a number between 0 and 1, not one the chapter ran"
    if isinstance(rate_correction_hurts, str | bytes):
        raise CheckFailure(f"the rate is {rate_correction_hurts!r:.60}", "store a float.")
    try:
        rate = float(np.asarray(rate_correction_hurts, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise CheckFailure(
            f"the rate is {rate_correction_hurts!r:.60}, not a number", "store a float."
        ) from None
    if not 0 < rate < 1:
        raise CheckFailure(f"the rate is {rate:g}", "a learning rate between 0 and 1.")
    if any(np.isclose(rate, chapter_rate) for chapter_rate in CHAPTER_RATES):
        raise CheckFailure(
            f"{rate:g} is one of the chapter's rates, {CHAPTER_RATES}",
            "the chapter ran 3 classes; find a rate on this problem by your own runs.",
        )
    yield (
        f"on seeds {', '.join(map(str, seeds))}: without the correction the mean final loss "
        f"is at least {ABLATION_MARGIN} lower than with it"
    )
    corrected, uncorrected = correction_effect(rate, seeds)
    gain = corrected - uncorrected
    if gain >= ABLATION_MARGIN:
        return
    hint = (
        "at this rate the correction helps: which rates can use the larger early steps "
        "that its absence gives?"
        if gain < 0
        else "the right direction, not by enough: try rates around this one."
    )
    raise CheckFailure(
        f"mean final loss {corrected:.3f} with the correction, {uncorrected:.3f} without: "
        f"dropping it gains {gain:+.3f}, at least {ABLATION_MARGIN} wanted",
        hint,
    )
