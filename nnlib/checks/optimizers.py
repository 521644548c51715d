"""Self-checks for optimizers: several steps of the learner's optimizer against nnlib's.

The "layers" are plain objects holding weights, biases and their gradients, so that only the
optimizer is under test. The learner's copy and the reference copy get the same gradients at
every step, and their parameters and per-layer state are compared after each step.
"""

import copy
from types import SimpleNamespace

import numpy as np

from nnlib.checks.expect import (
    attribute,
    expect_array,
    expect_number,
    expect_unchanged,
    learner_class,
    learner_method,
    own_method,
)
from nnlib.checks.verdict import self_check
from nnlib.optimizers import SGD, Adagrad, Adam, RMSprop

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
def check_sgd_update(Optimizer_SGD, *, seeds=(0,)):
    """Optimizer_SGD.update_params without decay: p -= current_learning_rate * dp."""
    cls = yield from learner_method(Optimizer_SGD, "Optimizer_SGD", "update_params")
    for seed in seeds:
        yield "update_params(layer) with learning_rate=0.5 on two layers"
        optimizer, reference = cls(learning_rate=0.5), SGD(learning_rate=0.5)
        compare_steps(optimizer, reference, seed, 1, step=_update_only)
        yield "update_params uses current_learning_rate (the rate decay lowers), set to 0.125"
        optimizer.current_learning_rate = reference.current_learning_rate = 0.125
        compare_steps(
            optimizer,
            reference,
            seed + 1,
            2,
            step=_update_only,
            hint="multiply by self.current_learning_rate, which decay lowers, not by "
            "self.learning_rate.",
        )


def _update_only(optimizer, layers: list) -> None:
    """update_params alone: the decay methods of the same class are another exercise."""
    for layer in layers:
        optimizer.update_params(layer)


@self_check
def check_sgd_decay(Optimizer_SGD, *, learning_rate=1.0, decay=0.1, steps=5):
    """pre_update_params and post_update_params: the 1/t decay schedule and the step count."""
    cls = learner_class(Optimizer_SGD, "Optimizer_SGD")
    yield f"{cls.__name__}.pre_update_params and post_update_params are your own methods"
    own_method(cls, "pre_update_params")
    own_method(cls, "post_update_params")
    for rate_decay in (decay, 0.0):
        yield (
            f"{steps} steps with learning_rate={learning_rate}, decay={rate_decay}: "
            "current_learning_rate and iterations at each step"
        )
        optimizer = cls(learning_rate=learning_rate, decay=rate_decay)
        reference = SGD(learning_rate=learning_rate, decay=rate_decay)
        for number in range(1, steps + 1):
            optimizer.pre_update_params()
            reference.pre_update_params()
            expect_number(
                f"step {number}: current_learning_rate",
                optimizer.current_learning_rate,
                reference.current_learning_rate,
                "learning_rate * 1 / (1 + decay * iterations), from self.learning_rate (not the "
                "already lowered rate), with iterations = the steps done before this one.",
            )
            optimizer.post_update_params()
            reference.post_update_params()
            expect_number(
                f"after step {number}: iterations",
                optimizer.iterations,
                reference.iterations,
                "post_update_params counts the step: self.iterations += 1.",
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
def check_effective_learning_rates(effective_learning_rates, *, seeds=(0,), steps=3):
    """effective_learning_rates(optimizer, layer) on a layer after some Adagrad steps."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        optimizer = Adagrad(learning_rate=0.5, decay=0.1)
        layers = parameter_layers(rng)
        for _ in range(steps):
            set_gradients(rng, layers)
            optimizer_step(optimizer, layers)
        layer = layers[0]
        cache = layer.weight_cache.copy()
        # Before the call: whatever it does to the optimizer, the expected rates stay these.
        expected = optimizer.current_learning_rate / (np.sqrt(cache) + optimizer.epsilon)
        yield f"effective_learning_rates(optimizer, layer) after {steps} Adagrad steps with decay"
        expect_array(
            "effective learning rates",
            effective_learning_rates(optimizer, layer),
            expected,
            "one rate per weight, shaped like the weights: the current (decayed) learning rate "
            "divided by (sqrt of the weight cache + epsilon).",
        )
        yield "the layer's weight cache is left unchanged"
        expect_unchanged("layer.weight_cache", layer.weight_cache, cache)


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


@self_check
def check_adam_moments(Optimizer_Adam, *, seeds=(0,), steps=3, beta_1=0.9, beta_2=0.999):
    """Optimizer_Adam.update_moments(layer): the four moving averages, uncorrected."""
    cls = yield from learner_method(Optimizer_Adam, "Optimizer_Adam", "update_moments")
    for seed in seeds:
        yield f"{steps} calls with beta_1={beta_1}, beta_2={beta_2}: momentums and caches"
        rng = np.random.default_rng(seed)
        references = parameter_layers(rng)
        layers = copy.deepcopy(references)
        optimizer = cls(beta_1=beta_1, beta_2=beta_2)
        reference = Adam(beta_1=beta_1, beta_2=beta_2)
        for number in range(1, steps + 1):
            set_gradients(rng, layers, references)
            for layer, reference_layer in zip(layers, references, strict=True):
                optimizer.update_moments(layer)
                # nnlib's update_params updates the same moments (and the parameters).
                reference.update_params(reference_layer)
            expect_layers(layers, references, ADAM_STATE, f"after call {number}", ADAM_HINTS)


@self_check
def check_adam_update(Optimizer_Adam, *, seeds=(0,), steps=3, decay=0.0):
    """Optimizer_Adam.update_params: bias correction and step, from the learner's own moments.

    The expected parameters are computed from the moments the learner's ``update_moments``
    stored, so that a mistake there is not counted twice.
    """
    cls = yield from learner_method(Optimizer_Adam, "Optimizer_Adam", "update_params")
    for seed in seeds:
        yield f"{steps} steps with learning_rate=0.01, decay={decay}: bias-corrected updates"
        rng = np.random.default_rng(seed)
        layers = parameter_layers(rng)
        optimizer = cls(learning_rate=0.01, decay=decay)
        for number in range(1, steps + 1):
            set_gradients(rng, layers)
            optimizer.pre_update_params()
            for index, layer in enumerate(layers, start=1):
                before = (layer.weights.copy(), layer.biases.copy())
                optimizer.update_params(layer)
                for name, previous in zip(("weight", "bias"), before, strict=True):
                    parameter = "weights" if name == "weight" else "biases"
                    expect_array(
                        f"after step {number}, layer {index}: {parameter}",
                        getattr(layer, parameter),
                        previous - _adam_step(optimizer, layer, name),
                        "with t = iterations + 1 (steps done, plus this one): divide the "
                        "momentums by 1 - beta_1**t and the cache by 1 - beta_2**t, then "
                        "step by current_learning_rate * m_hat / (sqrt(v_hat) + epsilon).",
                    )
            optimizer.post_update_params()


def _adam_step(optimizer, layer, name: str) -> np.ndarray:
    """The step Adam takes from the moments stored on ``layer`` (``name``: weight or bias)."""
    t = optimizer.iterations + 1
    momentums = attribute(layer, f"{name}_momentums", "update_moments", owner="layer")
    cache = attribute(layer, f"{name}_cache", "update_moments", owner="layer")
    corrected_momentums = momentums / (1 - optimizer.beta_1**t)
    corrected_cache = cache / (1 - optimizer.beta_2**t)
    return (
        optimizer.current_learning_rate
        * corrected_momentums
        / (np.sqrt(corrected_cache) + optimizer.epsilon)
    )


STEP_SIZE_CASES = (
    (Adagrad, {"learning_rate": 1.0}, (1.0, 1.0, 1.0, 1.0, 1.0)),
    (RMSprop, {"learning_rate": 0.01, "rho": 0.9}, (1.0, 1.0, 10.0, 1.0, 1.0)),
)


def single_weight_step_sizes(optimizer, gradients) -> np.ndarray:
    """|change of the weight| at each step, for one weight starting at 0 (bias gradients 0)."""
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    sizes = []
    for gradient in gradients:
        layer.dweights, layer.dbiases = np.full((1, 1), float(gradient)), np.zeros((1, 1))
        before = float(layer.weights[0, 0])
        optimizer_step(optimizer, [layer])
        sizes.append(abs(float(layer.weights[0, 0]) - before))
    return np.array(sizes)


@self_check
def check_step_sizes(step_sizes, *, cases=STEP_SIZE_CASES):
    """step_sizes(optimizer, gradients) with nnlib's optimizers on a one-weight layer."""
    for optimizer_class, settings, gradients in cases:
        arguments = ", ".join(f"{key}={value}" for key, value in settings.items())
        yield (
            f"step_sizes({optimizer_class.__name__}({arguments}), gradients) for the "
            f"gradients {list(gradients)}"
        )
        expect_array(
            "step sizes",
            step_sizes(optimizer_class(**settings), list(gradients)),
            single_weight_step_sizes(optimizer_class(**settings), gradients),
            "one full step (pre_update_params, update_params, post_update_params) per "
            "gradient, on one layer object with 1 x 1 weights and biases; record "
            "abs(weight after - weight before).",
        )
