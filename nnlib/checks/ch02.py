"""Self-checks of chapter 2's exercises: gradients derived by the learner, and their own check.

Each check computes what the right answer is, and what the known mistakes (a 1-D bias
gradient, the 1/N left out, a sign turned round, an objective that is not the loss) would
give, before it runs the learner's code; a wrong answer that matches a known mistake gets a
hint naming it.
"""

import numpy as np

from nnlib.checks.expect import (
    attribute,
    expect_array,
    expect_unchanged,
    learner_method,
    number,
)
from nnlib.checks.verdict import CheckFailure, plural, self_check
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Dense
from nnlib.losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError

# (samples, inputs, neurons) of the dense-layer checks.
DENSE_SHAPES = ((5, 4, 3),)
# A gradient check must report the relative error to this relative tolerance: finite
# differences with h = 1e-5 are good to about 1e-9 on these smooth losses.
ERROR_RTOL = 1e-4
GRADIENT_TARGET = 1e-6

DENSE_HINTS = {
    "dweights": "write Z = X W + b for one element z_nj and ask which outputs one weight "
    "w_ij touches, in which samples; the result is shaped like the weights.",
    "dbiases": "one bias b_j is added to z_nj in every sample n; the result is shaped like "
    "the biases.",
    "dinputs": "one input x_ni reaches every neuron j of its own sample; the result is "
    "shaped like the inputs.",
}
FLAT_BIASES_HINT = (
    "your bias gradient is 1-D (keepdims left out): it must have the biases' shape (1, H), "
    "or the update biases -= η * dbiases and a gradient check go wrong."
)
LAYER_MEAN_HINT = (
    "your {name} is divided by the number of samples: the 1/N belongs to the loss (it "
    "averages over the samples), and dvalues already carries it; the layer only sums."
)


def _known_mistake(got, mistakes: dict[str, np.ndarray]) -> str:
    """The name of the first mistake whose result ``got`` matches, or ""."""
    try:
        values = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    for name, wrong in mistakes.items():
        if values.shape == wrong.shape and np.allclose(values, wrong, rtol=1e-6, atol=1e-12):
            return name
    return ""


def _expect_gradient(label: str, got, expected: np.ndarray, mistakes: dict, hint: str) -> None:
    """``expect_array``, with the hint of a recognised mistake (``mistakes``: hint -> result)."""
    if got is not None and not _known_mistake(got, {"right": expected}):
        named = _known_mistake(got, mistakes)
        if named:
            hint = named
    expect_array(label, got, expected, hint)


@self_check
def check_dense_backward(Layer_Dense, *, seeds=(0,), shapes=DENSE_SHAPES):
    """Layer_Dense.backward(dvalues): dweights, dbiases, dinputs against nnlib's Dense."""
    cls = yield from learner_method(Layer_Dense, "Layer_Dense", "backward")
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for samples, n_inputs, n_neurons in shapes:
            yield (
                f"backward on {plural(samples, 'sample')}: dweights ({n_inputs}, {n_neurons}), "
                f"dbiases (1, {n_neurons}), dinputs ({samples}, {n_inputs})"
            )
            weights = rng.standard_normal((n_inputs, n_neurons))
            biases = rng.standard_normal((1, n_neurons))
            inputs = rng.standard_normal((samples, n_inputs))
            dvalues = rng.standard_normal((samples, n_neurons))
            reference = Dense(n_inputs, n_neurons)
            reference.set_parameters(weights.copy(), biases.copy())
            reference.forward(inputs)
            reference.backward(dvalues)
            expected = {name: getattr(reference, name) for name in DENSE_HINTS}
            layer = cls(n_inputs, n_neurons)
            layer.weights, layer.biases = weights.copy(), biases.copy()
            layer.forward(inputs.copy())
            given = dvalues.copy()
            layer.backward(given)
            for name, hint in DENSE_HINTS.items():
                mistakes = {LAYER_MEAN_HINT.format(name=name): expected[name] / samples}
                if name == "dbiases":
                    mistakes[FLAT_BIASES_HINT] = expected[name].ravel()
                got = attribute(layer, name, f"{cls.__name__}.backward")
                _expect_gradient(name, got, expected[name], mistakes, hint)
            expect_unchanged("dvalues", given, dvalues, "backward must not modify dvalues.")


def _loss_cases(rng: np.random.Generator, samples: int, outputs: int):
    """(description, loss, analytic, y_pred, y_true, relative error it should report)."""
    y_pred = rng.uniform(0.1, 0.9, (samples, outputs))
    targets = rng.uniform(0, 1, (samples, outputs))
    labels = (targets > 0.5).astype(np.float64)
    cases = []
    for loss, y_true, name in (
        (MeanSquaredError(), targets, "mean squared error"),
        (BinaryCrossentropy(), labels, "binary cross-entropy"),
    ):
        right = loss.backward(y_pred, y_true).copy()
        for kind, analytic in (
            ("its right gradient", right),
            ("a gradient without the 1/N", right * samples),
            ("a gradient of the wrong sign", -right),
        ):
            cases.append((f"{name}, {kind}", loss, analytic, y_pred, y_true))
    return cases


@self_check
def check_gradient_error(gradient_error, *, seeds=(0,), shape=(6, 2), categorical=False):
    """gradient_error(loss, analytic, y_pred, y_true): the relative error of ``analytic``.

    The learner's function compares ``analytic`` with finite differences of the mean loss
    ``np.mean(loss.forward(y_pred, y_true))`` with respect to ``y_pred``. It is given right
    and wrong gradients of nnlib's losses and must report the relative error each one has.
    With ``categorical``, categorical cross-entropy with class indices is checked too.
    """
    if isinstance(gradient_error, type) or not callable(gradient_error):
        raise CheckFailure(
            f"expected your function gradient_error, got {type(gradient_error).__name__}",
            "pass the function itself: gradient_error, not gradient_error(...).",
        )
    samples, outputs = shape
    for seed in seeds:
        rng = np.random.default_rng(seed)
        cases = _loss_cases(rng, samples, outputs)
        if categorical:
            probabilities = rng.uniform(0.1, 0.9, (samples, outputs + 1))
            labels = rng.integers(0, outputs + 1, samples)
            loss = CategoricalCrossentropy()
            right = loss.backward(probabilities, labels).copy()
            name = "categorical cross-entropy"
            cases += [
                (f"{name}, its right gradient", loss, right, probabilities, labels),
                (f"{name}, without the 1/N", loss, right * samples, probabilities, labels),
            ]
        for description, loss, analytic, y_pred, y_true in cases:
            yield f"{description} on {plural(samples, 'sample')}"
            numeric = numerical_gradient(_mean_loss(loss, y_pred, y_true), y_pred)
            expected = relative_error(analytic, numeric)
            without_mean = relative_error(analytic, numeric * samples)
            got = gradient_error(loss, analytic.copy(), y_pred.copy(), y_true.copy())
            _expect_error(got, expected, without_mean)


def _mean_loss(loss, y_pred: np.ndarray, y_true: np.ndarray):
    """The objective of a gradient check: the mean of ``loss`` over the samples."""
    return lambda: np.mean(loss.forward(y_pred, y_true))


def _expect_error(got, expected: float, without_mean: float) -> None:
    """Fail unless ``got`` is the relative error ``expected``; name the mistakes recognised."""
    try:
        value = float(np.asarray(got, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise CheckFailure(
            f"gradient_error returned {got!r:.60}, expected the number {number(expected)}",
            "return the relative error, one number.",
        ) from None
    if np.isclose(value, expected, rtol=ERROR_RTOL, atol=1e-8):
        return
    if np.isclose(value, without_mean, rtol=ERROR_RTOL, atol=1e-8):
        hint = (
            "your objective is the loss summed over the samples, the 1/N left out: the "
            "analytic gradient is that of the MEAN loss, so the finite differences must be too."
        )
    elif np.isclose(value, 1.0, rtol=1e-6) or value == 0.0:
        hint = (
            "your check reports the same verdict whatever it is given: the finite differences "
            "must move the very array the objective reads (y_pred), not a copy of it."
        )
    else:
        hint = (
            "differentiate the mean loss np.mean(loss.forward(y_pred, y_true)) numerically "
            "with respect to y_pred, then compare with the analytic gradient by relative error."
        )
    raise CheckFailure(
        f"relative error: expected {number(expected)}, got {number(value)}"
        f" (target for a right gradient: < {GRADIENT_TARGET:.0e})",
        hint,
    )


def _scaled_mistakes(expected: np.ndarray, samples: int, outputs: int) -> dict:
    """Hint -> what a gradient with one of the known scale or sign mistakes would be."""
    mistakes = {
        "your gradient is N times too large: the 1/N left out (the loss is the mean over the "
        "samples, so every sample's gradient carries 1/N).": expected * samples,
        "your gradient has the wrong sign: it must point where the loss grows (a prediction "
        "above its target must get a positive gradient).": -expected,
    }
    if outputs > 1:
        mistakes[
            "your gradient is K times too large: each sample's loss is the mean over its K "
            "outputs, so each output's gradient carries 1/K too."
        ] = expected * outputs
    return mistakes


@self_check
def check_sigmoid_bce_backward(
    Activation_Sigmoid_Loss_BinaryCrossentropy,
    *,
    seeds=(0,),
    shapes=((5, 1), (4, 3)),
    scale=2.0,
):
    """The combined sigmoid and binary cross-entropy backward, against the derivative.

    ``scale``: the spread of the logits (large values saturate the sigmoid).
    """
    name = "Activation_Sigmoid_Loss_BinaryCrossentropy"
    cls = yield from learner_method(Activation_Sigmoid_Loss_BinaryCrossentropy, name, "backward")
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for samples, outputs in shapes:
            yield (
                f"backward on {plural(samples, 'sample')} of {plural(outputs, 'output')}, "
                f"logits up to about ±{scale:g}"
            )
            logits = scale * rng.standard_normal((samples, outputs))
            y_true = rng.integers(0, 2, (samples, outputs)).astype(np.float64)
            probabilities = 1 / (1 + np.exp(-logits))
            expected = (probabilities - y_true) / (samples * outputs)
            combined = cls()
            combined.forward(logits.copy(), y_true.copy())
            given = probabilities.copy()
            combined.backward(given, y_true.copy())
            got = attribute(combined, "dinputs", f"{cls.__name__}.backward")
            _expect_gradient(
                "dinputs",
                got,
                expected,
                _scaled_mistakes(expected, samples, outputs),
                "differentiate the mean loss with respect to the logits z, through ŷ = σ(z): "
                "write dL/dŷ and dŷ/dz for one element, multiply, and simplify.",
            )
            expect_unchanged("dvalues", given, probabilities, "work on a copy of dvalues.")


@self_check
def check_mse_backward(Loss_MeanSquaredError, *, seeds=(0,), shapes=((8, 1), (4, 3))):
    """Loss_MeanSquaredError.backward(dvalues, y_true) against nnlib's mean squared error."""
    cls = yield from learner_method(Loss_MeanSquaredError, "Loss_MeanSquaredError", "backward")
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for samples, outputs in shapes:
            yield f"backward on {plural(samples, 'sample')} of {plural(outputs, 'output')}"
            y_pred = rng.standard_normal((samples, outputs))
            y_true = rng.standard_normal((samples, outputs))
            expected = MeanSquaredError().backward(y_pred, y_true)
            loss = cls()
            given = y_pred.copy()
            loss.backward(given, y_true.copy())
            got = attribute(loss, "dinputs", f"{cls.__name__}.backward")
            _expect_gradient(
                "dinputs",
                got,
                expected,
                _scaled_mistakes(expected, samples, outputs),
                "run your gradient check on the class: the relative error it reports says "
                "how far off the gradient is, and a pattern in it says why.",
            )
            expect_unchanged("dvalues", given, y_pred, "work on a copy of dvalues.")
