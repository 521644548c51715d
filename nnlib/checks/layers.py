"""Self-checks for layers, activations and losses: the learner's class against nnlib's.

Each check builds the learner's object and nnlib's reference with the same parameters, runs
both on the same random inputs (drawn from its own generator) and compares what they store.
"""

import numpy as np

from nnlib.activations import ReLU, Softmax
from nnlib.checks.expect import (
    attribute,
    expect_array,
    expect_unchanged,
    learner_class,
    learner_method,
)
from nnlib.checks.verdict import CheckFailure, plural, self_check
from nnlib.layers import Dense

# (samples, inputs, neurons) of the batches the dense-layer checks use.
DENSE_SHAPES = ((5, 4, 3),)
REGULARIZERS = (
    "weight_regularizer_l1",
    "weight_regularizer_l2",
    "bias_regularizer_l1",
    "bias_regularizer_l2",
)
REGULARIZATION_CASES = (
    {},
    {"weight_regularizer_l1": 0.01},
    {"weight_regularizer_l2": 0.01},
    {"bias_regularizer_l1": 0.02},
    {"bias_regularizer_l2": 0.02},
    dict(zip(REGULARIZERS, (0.003, 0.005, 0.007, 0.011), strict=True)),
)
REGULARIZATION_HINTS = {
    "weight_regularizer_l1": "the L1 term l1 * sum(|w|) adds l1 * sign(w) to dweights: +l1 "
    "where w >= 0 (the book takes +1 at exactly 0), -l1 where w < 0.",
    "weight_regularizer_l2": "the L2 term l2 * sum(w**2) adds 2 * l2 * w to dweights.",
    "bias_regularizer_l1": "the bias L1 term adds l1 * sign(b) to dbiases (+1 at exactly 0).",
    "bias_regularizer_l2": "the bias L2 term adds 2 * l2 * b to dbiases.",
}
DENSE_GRADIENT_HINTS = {
    "dweights": "each weight joins one input to one neuron: sum over the samples of "
    "input * output gradient, i.e. inputs.T @ dvalues, shaped like weights.",
    "dbiases": "sum dvalues over the samples (axis=0) and keep it 2-D like the biases "
    "(keepdims=True).",
    "dinputs": "each input reaches every neuron through its weight: dvalues @ weights.T, "
    "shaped like the inputs.",
}


def reference_dense(weights: np.ndarray, biases: np.ndarray, **regularizers) -> Dense:
    """nnlib's Dense holding copies of ``weights`` and ``biases``."""
    layer = Dense(*weights.shape, **regularizers)
    layer.set_parameters(weights.copy(), biases.copy())
    return layer


def describe_regularizers(regularizers: dict) -> str:
    """``weight_regularizer_l1=0.01``, ``no regularization`` or ``all four regularizers``."""
    if len(regularizers) == len(REGULARIZERS):
        return "all four regularizers at once"
    terms = ", ".join(f"{key}={value}" for key, value in regularizers.items())
    return terms or "no regularization"


def with_zeros(values: np.ndarray) -> np.ndarray:
    """``values`` with its first row set to exactly 0, where derivatives take a convention."""
    values = values.copy()
    values[0] = 0.0
    return values


def _check_parameters(layer, name: str, n_inputs: int, n_neurons: int):
    """Fail unless a new layer has weights (n_inputs, n_neurons) and zero biases (1, n_neurons)."""
    weights = attribute(layer, "weights", f"{name}.__init__")
    biases = attribute(layer, "biases", f"{name}.__init__")
    if np.shape(weights) != (n_inputs, n_neurons):
        raise CheckFailure(
            f"weights has shape {np.shape(weights)}, expected ({n_inputs}, {n_neurons})",
            "weights are (n_inputs, n_neurons), one column per neuron, so that "
            "inputs @ weights needs no transpose.",
        )
    expect_array(
        "biases", biases, np.zeros((1, n_neurons)), "biases start as np.zeros((1, n_neurons))."
    )


@self_check
def check_dense_forward(Layer_Dense, *, seeds=(0,), shapes=DENSE_SHAPES):
    """Layer_Dense(n_inputs, n_neurons): parameters, then forward(inputs) against nnlib's."""
    cls = learner_class(Layer_Dense, "Layer_Dense")
    name = cls.__name__
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for samples, n_inputs, n_neurons in shapes:
            yield (
                f"{name}({n_inputs}, {n_neurons}): weights ({n_inputs}, {n_neurons}), "
                f"biases (1, {n_neurons}) of zeros"
            )
            layer = cls(n_inputs, n_neurons)
            _check_parameters(layer, name, n_inputs, n_neurons)
            yield (
                f"forward on {plural(samples, 'sample')}: output = inputs @ weights + biases, "
                "inputs and output kept"
            )
            layer.weights = rng.standard_normal((n_inputs, n_neurons))
            layer.biases = rng.standard_normal((1, n_neurons))
            inputs = rng.standard_normal((samples, n_inputs))
            _expect_forward(
                layer,
                name,
                inputs,
                reference_dense(layer.weights, layer.biases).forward(inputs),
                "np.dot(inputs, self.weights) gives (samples, neurons); add self.biases to "
                "every row.",
            )
    yield "the weights start small and random: mean about 0, standard deviation about 0.01"
    weights = np.asarray(cls(100, 100).weights, dtype=np.float64)
    spread, mean = float(np.std(weights)), float(np.mean(weights))
    if not (0.009 < spread < 0.011 and abs(mean) < 0.0005):
        raise CheckFailure(
            f"over 100 x 100 weights: mean {mean:.2g}, standard deviation {spread:.2g}",
            "draw from the standard normal distribution, np.random.randn(n_inputs, n_neurons), "
            "and scale by 0.01 (np.random.rand would be uniform in [0, 1)).",
        )


def _expect_forward(obj, name: str, inputs: np.ndarray, expected: np.ndarray, hint: str):
    """Run ``obj.forward`` on a copy of ``inputs``; compare output, stored inputs, returned."""
    given = inputs.copy()
    returned = obj.forward(given)
    expect_array("self.output", attribute(obj, "output", f"{name}.forward"), expected, hint)
    expect_unchanged(
        "the inputs passed to forward",
        given,
        inputs,
        "compute a new array: the caller (and the backward pass) still needs the inputs.",
    )
    expect_array("self.inputs", attribute(obj, "inputs", f"{name}.forward"), inputs)
    expect_array(
        "what forward returned", returned, expected, "end forward with return self.output."
    )


@self_check
def check_relu_forward(Activation_ReLU, *, seeds=(0,), shape=(6, 5)):
    """Activation_ReLU().forward(inputs) against nnlib's ReLU, with negatives and zeros."""
    cls = learner_class(Activation_ReLU, "Activation_ReLU")
    for seed in seeds:
        inputs = with_zeros(np.random.default_rng(seed).standard_normal(shape))
        yield f"forward on a {shape} batch with negative, zero and positive inputs"
        _expect_forward(
            cls(),
            cls.__name__,
            inputs,
            ReLU().forward(inputs),
            "max(0, x) element by element is np.maximum(0, inputs); np.max would reduce "
            "the whole array to one number.",
        )


@self_check
def check_softmax_forward(Activation_Softmax, *, seeds=(0,), shape=(4, 3)):
    """Activation_Softmax().forward(inputs) against nnlib's Softmax, large scores included."""
    cls = learner_class(Activation_Softmax, "Activation_Softmax")
    for seed in seeds:
        inputs = np.random.default_rng(seed).standard_normal(shape)
        yield f"forward on a {shape} batch: each row becomes probabilities summing to 1"
        _expect_forward(
            cls(),
            cls.__name__,
            inputs,
            Softmax().forward(inputs),
            "exponentiate, then divide each row by its own sum: "
            "np.sum(exp_values, axis=1, keepdims=True).",
        )
    yield "scores of 1000 and more, and rows far apart, give finite probabilities"
    large = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -999.0], [0.0, 0.0, 0.0]])
    _expect_forward(
        cls(),
        cls.__name__,
        large,
        Softmax().forward(large),
        "exp(1000) overflows: subtract each row's own maximum first "
        "(np.max(inputs, axis=1, keepdims=True)); it does not change the probabilities.",
    )


def _expect_dense_gradients(cls, weights, biases, rng, samples, regularizers, hint=""):
    """Forward and backward through the learner's layer and nnlib's; compare the gradients.

    ``hint`` replaces the plain-gradient hints (the regularization checks name the term).
    """
    name = cls.__name__
    layer = cls(*weights.shape, **regularizers)
    layer.weights, layer.biases = weights.copy(), biases.copy()
    reference = reference_dense(weights, biases, **regularizers)
    inputs = rng.standard_normal((samples, weights.shape[0]))
    dvalues = rng.standard_normal((samples, weights.shape[1]))
    layer.forward(inputs.copy())
    reference.forward(inputs)
    given = dvalues.copy()
    layer.backward(given)
    reference.backward(dvalues)
    for gradient in ("dweights", "dbiases", "dinputs"):
        expect_array(
            gradient,
            attribute(layer, gradient, f"{name}.backward"),
            getattr(reference, gradient),
            hint if hint and gradient != "dinputs" else DENSE_GRADIENT_HINTS[gradient],
        )
    expect_unchanged("dvalues", given, dvalues, "backward must not modify dvalues in place.")


@self_check
def check_dense_regularization(Layer_Dense, *, seeds=(0,), zeros=False):
    """Layer_Dense.backward with each L1/L2 regularizer alone, then all four together.

    With ``zeros``, the first row of weights and the biases are exactly 0 (the L1 convention).
    """
    cls = yield from learner_method(Layer_Dense, "Layer_Dense", "backward")
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for regularizers in REGULARIZATION_CASES:
            weights = rng.standard_normal((4, 3))
            biases = rng.standard_normal((1, 3))
            if zeros:
                weights, biases = with_zeros(weights), with_zeros(biases)
            yield f"backward with {describe_regularizers(regularizers)}"
            hint = " ".join(REGULARIZATION_HINTS[key] for key in regularizers)
            _expect_dense_gradients(cls, weights, biases, rng, 5, regularizers, hint)


@self_check
def check_dropout(Layer_Dropout, *, seeds=(0,), rate=0.3, shape=(200, 50)):
    """Layer_Dropout(rate) while training: dropped or scaled values, the rate, the backward."""
    cls = learner_class(Layer_Dropout, "Layer_Dropout")
    name = cls.__name__
    for seed in seeds:
        rng = np.random.default_rng(seed)
        # Inputs away from 0, so that output / inputs shows the mask and its scaling.
        inputs = rng.uniform(0.5, 1.5, shape)
        np.random.seed(seed)  # the learner's mask comes from NumPy's global generator
        yield f"{name}({rate}).forward on {shape}: every value is 0 or scaled by 1 / (1 - rate)"
        dropout = cls(rate)
        dropout.forward(inputs.copy())
        mask = dropout_mask(attribute(dropout, "output", f"{name}.forward"), inputs, rate)
        yield f"about {rate:.0%} of the values are dropped"
        dropped = float(np.mean(mask == 0))
        if abs(dropped - rate) > 0.03:
            raise CheckFailure(
                f"{dropped:.1%} of the values were dropped, expected about {rate:.0%}",
                "np.random.binomial(1, 1 - rate, size) gives 1 (keep) with probability "
                "1 - rate: rate is the fraction dropped.",
            )
        yield "backward: dvalues go through the same mask, with the same scaling"
        dvalues = rng.standard_normal(shape)
        dropout.backward(dvalues.copy())
        expect_array(
            "dinputs",
            attribute(dropout, "dinputs", f"{name}.backward"),
            dvalues * mask,
            "multiply dvalues by the scaled mask that forward used (keep it on self).",
        )


def dropout_mask(output, inputs: np.ndarray, rate: float) -> np.ndarray:
    """The scaled mask ``output / inputs`` of a dropout forward, checked to be 0 or 1/(1-rate)."""
    if np.shape(output) != inputs.shape:
        raise CheckFailure(f"self.output has shape {np.shape(output)}, expected {inputs.shape}")
    mask = np.asarray(output, dtype=np.float64) / inputs
    scale = 1 / (1 - rate)
    kept = mask != 0
    if not np.allclose(mask[kept], scale, rtol=1e-6):
        index = tuple(np.argwhere(kept & ~np.isclose(mask, scale, rtol=1e-6))[0])
        raise CheckFailure(
            f"a kept value was multiplied by {mask[index]:.6g}, expected 1 / (1 - rate) = "
            f"{scale:.6g}",
            "divide the mask by 1 - rate (inverted dropout): the output's expected value then "
            "equals the input, and inference needs no rescaling.",
        )
    return mask
