"""Self-checks for optimizers: several steps of the learner's optimizer against nnlib's.

The "layers" are plain objects holding weights, biases and their gradients, so that only the
optimizer is under test. The learner's copy and the reference copy get the same gradients at
every step, and their parameters and per-layer state are compared after each step.
"""

import copy
from types import SimpleNamespace

import numpy as np

from nnlib.checks.expect import (
    expect_array,
    learner_method,
)
from nnlib.checks.verdict import self_check
from nnlib.optimizers import SGD, Adagrad, RMSprop

LAYER_SHAPES = ((3, 4), (4, 2))
PARAMETER_HINT = (
    "update both layers' weights and biases in place (layer.weights += ...), "
    "stepping against the gradient."
)
STATE_HINTS = {
    "weight_momentums": "keep this step's weight update on the layer, layer.weight_momentums "
    "(zeros at the first step): the next step starts from it.",
    "bias_momentums": "keep this step's bias update on the layer, layer.bias_momentums.",
    "weight_cache": "the cache lives on the layer (layer.weight_cache, zeros at the first "
    "step) and is updated with this step's dweights**2 before the parameters are.",
    "bias_cache": "layer.bias_cache, like the weight cache, with dbiases**2.",
}


def parameter_layers(rng: np.random.Generator, shapes=LAYER_SHAPES) -> list[SimpleNamespace]:
    """Objects with random ``weights`` (D, M) and ``biases`` (1, M), one per shape."""
    return [
        SimpleNamespace(
            weights=rng.standard_normal(shape), biases=rng.standard_normal((1, shape[1]))
        )
        for shape in shapes
    ]


def set_gradients(rng: np.random.Generator, *layer_lists: list[SimpleNamespace]) -> None:
    """Give the same new random ``dweights`` and ``dbiases`` to the i-th layer of every list."""
    for layers in zip(*layer_lists, strict=True):
        dweights = rng.standard_normal(layers[0].weights.shape)
        dbiases = rng.standard_normal(layers[0].biases.shape)
        for layer in layers:
            layer.dweights, layer.dbiases = dweights.copy(), dbiases.copy()


def optimizer_step(optimizer, layers: list) -> None:
    """One training step of the book's protocol."""
    optimizer.pre_update_params()
    for layer in layers:
        optimizer.update_params(layer)
    optimizer.post_update_params()


def expect_layers(layers, references, names, when: str, hints: dict) -> None:
    """Compare the arrays ``names`` of each layer with its reference; ``hints`` by name."""
    for number, (layer, reference) in enumerate(zip(layers, references, strict=True), start=1):
        for name in names:
            expect_array(
                f"{when}, layer {number}: {name}",
                getattr(layer, name, None),
                getattr(reference, name),
                hints[name],
            )


def compare_steps(
    optimizer, reference, seed: int, steps: int, state=(), step=optimizer_step, hint=PARAMETER_HINT
):
    """Run ``steps`` steps of both optimizers on copies of the same layers; compare after each.

    Compares the per-layer arrays named in ``state``, then weights and biases (``hint``
    is for those); raises on the first difference.
    """
    rng = np.random.default_rng(seed)
    references = parameter_layers(rng)
    layers = copy.deepcopy(references)
    for number in range(1, steps + 1):
        set_gradients(rng, layers, references)
        step(optimizer, layers)
        step(reference, references)
        # The state first: a wrong cache or momentum is the cause of wrong parameters.
        expect_layers(
            layers,
            references,
            (*state, "weights", "biases"),
            f"after step {number}",
            {"weights": hint, "biases": hint, **STATE_HINTS},
        )


@self_check
def check_sgd_momentum(Optimizer_SGD, *, seeds=(0,), steps=3, momentum=0.9, decay=0.0):
    """Optimizer_SGD.update_params with momentum, then without: parameters and momentums."""
    cls = yield from learner_method(Optimizer_SGD, "Optimizer_SGD", "update_params")
    for seed in seeds:
        yield (
            f"{steps} steps with learning_rate=0.1, decay={decay}, momentum={momentum}: "
            "weights, biases, weight_momentums, bias_momentums"
        )
        settings = {"learning_rate": 0.1, "decay": decay, "momentum": momentum}
        compare_steps(
            cls(**settings),
            SGD(**settings),
            seed,
            steps,
            ("weight_momentums", "bias_momentums"),
        )
        yield "2 steps with momentum=0: plain SGD"
        compare_steps(cls(learning_rate=0.1), SGD(learning_rate=0.1), seed, 2)


@self_check
def check_adagrad(Optimizer_Adagrad, *, seeds=(0,), steps=3, decay=0.0):
    """Optimizer_Adagrad.update_params: parameters and caches after several steps."""
    cls = yield from learner_method(Optimizer_Adagrad, "Optimizer_Adagrad", "update_params")
    for seed in seeds:
        yield f"{steps} steps with learning_rate=0.5, decay={decay}: parameters and caches"
        settings = {"learning_rate": 0.5, "decay": decay}
        compare_steps(
            cls(**settings), Adagrad(**settings), seed, steps, ("weight_cache", "bias_cache")
        )


@self_check
def check_rmsprop(Optimizer_RMSprop, *, seeds=(0,), steps=3, rho=0.9, decay=0.0):
    """Optimizer_RMSprop.update_params: parameters and moving-average caches."""
    cls = yield from learner_method(Optimizer_RMSprop, "Optimizer_RMSprop", "update_params")
    for seed in seeds:
        yield f"{steps} steps with learning_rate=0.02, decay={decay}, rho={rho}"
        settings = {"learning_rate": 0.02, "decay": decay, "rho": rho}
        compare_steps(
            cls(**settings), RMSprop(**settings), seed, steps, ("weight_cache", "bias_cache")
        )


ADAM_STATE = ("weight_momentums", "bias_momentums", "weight_cache", "bias_cache")
ADAM_HINTS = {
    "weight_momentums": "m = beta_1 * m + (1 - beta_1) * dweights, on the layer, zeros at the "
    "first step.",
    "bias_momentums": "the same moving average for the biases, with dbiases.",
    "weight_cache": "v = beta_2 * v + (1 - beta_2) * dweights**2, on the layer, zeros at the "
    "first step.",
    "bias_cache": "the same moving average of dbiases**2.",
}
