"""Self-checks of chapter 6's exercises: the repaired RMSprop, the predictions, RMSprop with
momentum.

Where a wrong result is what one of the known mistakes gives (the cache without its
``(1 - rho)``, ``rho`` and ``1 - rho`` swapped, a cache overwritten or summed as AdaGrad's, no
square root, a velocity built from the weights), the hint names the mistake.
"""

import copy
from types import SimpleNamespace

import numpy as np

from nnlib.checks.ch05 import STEP_HINT, expect_prediction, step_hint
from nnlib.checks.expect import expect_array, learner_method, same_values
from nnlib.checks.optimizers import optimizer_step, parameter_layers, set_gradients
from nnlib.checks.verdict import self_check
from nnlib.optimizers import RMSprop

CACHE_HINT = (
    "the cache is a moving average of the squared gradients: work out the cache after two "
    "steps on paper and compare."
)
CACHE_MISTAKES = {
    "without (1 - rho)": "your cache adds the whole squared gradient: the (1 - rho) factor is "
    "missing, so the cache grows to about g**2 / (1 - rho) and every step shrinks.",
    "swapped": "rho and 1 - rho are swapped: rho weighs the old cache, 1 - rho the new "
    "squared gradient.",
    "overwritten": "your cache holds only this step's squared gradient: it is overwritten, "
    "not averaged with the old cache.",
    "summed": "your cache sums the new terms as AdaGrad's does: the old cache must be "
    "multiplied by rho, so that old gradients fade.",
}


def cache_candidates(previous, gradient, rho: float) -> dict:
    """The cache each known mistake gives from the (right) ``previous`` cache."""
    return {
        "without (1 - rho)": rho * previous + gradient**2,
        "swapped": (1 - rho) * previous + rho * gradient**2,
        "overwritten": (1 - rho) * gradient**2,
        "summed": previous + (1 - rho) * gradient**2,
    }


def mistake_hint(got, expected, candidates: dict, hints: dict, default: str) -> str:
    """The hint of the first known mistake whose result ``got`` matches (not the right one)."""
    for name, candidate in candidates.items():
        if not same_values(expected, candidate) and same_values(got, candidate):
            return hints[name]
    return default


def check_against(cls, reference_class, settings, seeds, steps, state, hints, step_hint):
    """Steps of the learner's optimizer and a reference on the same layers, compared.

    ``hints(name, got, expected, previous, gradient, before)`` gives the hint for a wrong
    array ``name`` of ``state`` or for the parameters; ``step_hint`` is the default for those.
    """
    for seed in seeds:
        described = ", ".join(f"{key}={value}" for key, value in settings.items())
        yield f"{steps} steps on two layers, {described}: {', '.join(state)}, parameters"
        rng = np.random.default_rng(seed)
        references = parameter_layers(rng)
        layers = copy.deepcopy(references)
        optimizer, reference = cls(**settings), reference_class(**settings)
        for step_number in range(1, steps + 1):
            set_gradients(rng, layers, references)
            # Expected values first: the learner's code runs after them.
            previous = [
                {name: np.copy(getattr(layer, name, 0.0)) for name in state} for layer in references
            ]
            before = [{"weights": r.weights.copy(), "biases": r.biases.copy()} for r in references]
            optimizer_step(reference, references)
            optimizer_step(optimizer, layers)
            for index, (layer, reference_layer) in enumerate(zip(layers, references, strict=True)):
                for name in (*state, "weights", "biases"):
                    got = getattr(layer, name, None)
                    expected = getattr(reference_layer, name)
                    hint = hints(
                        name,
                        got,
                        expected,
                        reference,
                        reference_layer,
                        previous[index],
                        before[index],
                    )
                    expect_array(
                        f"after step {step_number}, layer {index + 1}: {name}",
                        got,
                        expected,
                        hint or step_hint,
                    )


def gradient_of(layer, name: str):
    """The gradient belonging to the state or parameter ``name`` of ``layer``."""
    return layer.dbiases if name.startswith("bias") else layer.dweights


def rmsprop_hints(name, got, expected, optimizer, layer, previous, before) -> str:
    """Hints for Optimizer_RMSprop: the cache's known mistakes, then a step without a root."""
    gradient = gradient_of(layer, name)
    if name.endswith("_cache"):
        candidates = cache_candidates(previous[name], gradient, optimizer.rho)
        return mistake_hint(got, expected, candidates, CACHE_MISTAKES, CACHE_HINT)
    cache = layer.bias_cache if name == "biases" else layer.weight_cache
    rate = optimizer.current_learning_rate
    without_root = before[name] - rate * gradient / (cache + optimizer.epsilon)
    epsilon_inside = before[name] - rate * gradient / np.sqrt(cache + optimizer.epsilon)
    return step_hint(got, without_root, epsilon_inside)


@self_check
def check_repaired_rmsprop(Optimizer_RMSprop, *, seeds=(0,), steps=3, rho=0.9, decay=0.0):
    """Optimizer_RMSprop.update_params against nnlib's RMSprop: caches, then parameters."""
    cls = yield from learner_method(Optimizer_RMSprop, "Optimizer_RMSprop", "update_params")
    settings = {"learning_rate": 0.02, "decay": decay, "rho": rho}
    yield from check_against(
        cls,
        RMSprop,
        settings,
        seeds,
        steps,
        ("weight_cache", "bias_cache"),
        rmsprop_hints,
        STEP_HINT,
    )


def one_weight_run(gradients, **settings) -> np.ndarray:
    """nnlib's RMSprop on one weight: the size of each step."""
    optimizer = RMSprop(**settings)
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    sizes = []
    for gradient in gradients:
        layer.dweights, layer.dbiases = np.full((1, 1), float(gradient)), np.zeros((1, 1))
        before = float(layer.weights[0, 0])
        optimizer_step(optimizer, [layer])
        sizes.append(abs(float(layer.weights[0, 0]) - before))
    return np.array(sizes)


# Exercise 6.2: nnlib's defaults, learning_rate=0.001 and rho=0.9.
PREDICTION_RATE = 0.001
PREDICTION_RHO = 0.9
FIRST_GRADIENT = 4.0
CALM_UPDATES = 200
JUMP_GRADIENT = 10.0
PREDICTION_TOLERANCE = 0.02


@self_check
def check_first_step_prediction(predicted_first_step):
    """predicted_first_step: RMSprop's first step for the gradient 4, within 2%."""
    eta, rho, g = PREDICTION_RATE, PREDICTION_RHO, FIRST_GRADIENT
    expected = one_weight_run([g], learning_rate=eta, rho=rho)[0]
    yield f"the first step for the gradient {g:g}, learning_rate={eta}, rho={rho}, within 2%"
    expect_prediction(
        "predicted_first_step",
        predicted_first_step,
        expected,
        PREDICTION_TOLERANCE,
        {
            eta: "the cache starts at 0: after the first update it holds only part of g**2.",
            eta * g: "that is plain gradient descent's step: RMSprop divides by the root of "
            "its cache.",
        },
        "write the cache after the first update, then the step it gives.",
    )


@self_check
def check_jump_prediction(predicted_jump_step):
    """predicted_jump_step: the step when the gradient jumps from 1 to 10, within 2%."""
    eta, rho = PREDICTION_RATE, PREDICTION_RHO
    gradients = [1.0] * CALM_UPDATES + [JUMP_GRADIENT]
    expected = one_weight_run(gradients, learning_rate=eta, rho=rho)[-1]
    yield (
        f"the step for the gradient {JUMP_GRADIENT:g} after {CALM_UPDATES} updates with the "
        f"gradient 1 (learning_rate={eta}, rho={rho}), within 2%"
    )
    expect_prediction(
        "predicted_jump_step",
        predicted_jump_step,
        expected,
        PREDICTION_TOLERANCE,
        {
            eta * JUMP_GRADIENT: "the cache is updated with the new squared gradient before "
            "the step, not after it.",
            eta: "one large gradient does not replace the average: it adds only its share, "
            "(1 - rho) of its square, to the cache.",
        },
        "what is the cache after 200 gradients of 1? Then add the new squared gradient to "
        "it as RMSprop does, and take the step.",
    )


class RMSpropMomentum(RMSprop):
    """RMSprop with chapter 4's velocity on its steps: the grader's reference for 6.3."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9, momentum=0.9):
        super().__init__(learning_rate, decay, epsilon, rho)
        self.momentum = momentum

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_cache = np.zeros_like(layer.biases)
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
        for parameter, gradient, cache, velocity in (
            ("weights", "dweights", "weight_cache", "weight_momentums"),
            ("biases", "dbiases", "bias_cache", "bias_momentums"),
        ):
            g = getattr(layer, gradient)
            c = self.rho * getattr(layer, cache) + (1 - self.rho) * g**2
            v = self.momentum * getattr(layer, velocity) - self.current_learning_rate * g / (
                np.sqrt(c) + self.epsilon
            )
            setattr(layer, cache, c)
            setattr(layer, velocity, v)
            setattr(layer, parameter, getattr(layer, parameter) + v)


VELOCITY_HINT = (
    "the velocity on the layer (layer.weight_momentums, zeros at first) keeps momentum times "
    "the last velocity, plus this step's RMSprop step (against the gradient)."
)
FROM_WEIGHTS_HINT = (
    "your velocity is built from the weights (momentum * weights): momentum keeps the last "
    "velocity, the last update, not the parameters."
)


def momentum_hints(name, got, expected, optimizer, layer, previous, before) -> str:
    """Hints for RMSprop with momentum: the cache's mistakes, then the velocity's."""
    gradient = gradient_of(layer, name)
    if name.endswith("_cache"):
        candidates = cache_candidates(previous[name], gradient, optimizer.rho)
        return mistake_hint(got, expected, candidates, CACHE_MISTAKES, CACHE_HINT)
    if name.endswith("_momentums"):
        parameter = "biases" if name.startswith("bias") else "weights"
        rmsprop_step = expected - optimizer.momentum * previous[name]
        from_weights = optimizer.momentum * before[parameter] + rmsprop_step
        return FROM_WEIGHTS_HINT if same_values(got, from_weights) else VELOCITY_HINT
    return "add this step's velocity to the parameters (weights += weight_momentums)."


@self_check
def check_rmsprop_momentum(
    Optimizer_RMSprop_Momentum, *, seeds=(0,), steps=4, momentum=0.9, rho=0.9, decay=0.0
):
    """Optimizer_RMSprop_Momentum.update_params: caches, velocities and parameters."""
    cls = yield from learner_method(
        Optimizer_RMSprop_Momentum, "Optimizer_RMSprop_Momentum", "update_params"
    )
    settings = {"learning_rate": 0.01, "decay": decay, "rho": rho, "momentum": momentum}
    yield from check_against(
        cls,
        RMSpropMomentum,
        settings,
        seeds,
        steps,
        ("weight_cache", "bias_cache", "weight_momentums", "bias_momentums"),
        momentum_hints,
        VELOCITY_HINT,
    )
