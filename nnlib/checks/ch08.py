"""Self-checks of chapter 8's exercises: the penalties' gradient, dropout, early stopping.

Each check computes what is expected before it calls the learner's code, and where the answer
matches one of the known mistakes (``np.sign`` for L1, the L2 gradient without its 2, dropout
left on at inference, the 1 / (1 - rate) scaling left out, the best epoch taken after the stop)
its hint names that mistake.
"""

import numpy as np

from nnlib.checks.expect import attribute, expect_array, learner_class
from nnlib.checks.layers import dropout_mask, reference_dense
from nnlib.checks.verdict import CheckFailure, self_check

# (l1, l2) pairs of the penalty-gradient check: each term alone, then both.
PENALTY_CASES = ((0.01, 0.0), (0.0, 0.02), (0.003, 0.005))
# Fraction of the values kept by dropout layers of rates 0.2 and 0.5 in series, the largest
# output on inputs of ones, and the mean output with the scaling left out (exercise 8.3).
SERIES_RATES = (0.2, 0.5)
PREDICTION_TOLERANCE = {"predicted_kept": 0.02, "predicted_largest": 0.05}
# Early-stopping cases: (validation losses, patience).
EARLY_STOP_CASES = (
    ((1.0, 0.8, 0.6, 0.65, 0.62, 0.61, 0.7, 0.5), 3),
    ((0.9, 0.7, 0.7, 0.7, 0.6), 2),
    ((1.0, 0.9, 0.8, 0.7), 2),
)


def penalty_gradient(parameters: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """nnlib's gradient of ``l1 * sum|p| + l2 * sum(p**2)``: a zero gradient through its Dense."""
    layer = reference_dense(
        parameters,
        np.zeros((1, parameters.shape[1])),
        weight_regularizer_l1=l1,
        weight_regularizer_l2=l2,
    )
    layer.forward(np.zeros((1, parameters.shape[0])))
    layer.backward(np.zeros((1, parameters.shape[1])))
    return layer.dweights


@self_check
def check_penalty_gradient(regularization_gradient, *, seeds=(0,), shape=(4, 3)):
    """regularization_gradient(parameters, l1, l2) against nnlib's, exact zeros included."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for l1, l2 in PENALTY_CASES:
            parameters = rng.standard_normal(shape)
            parameters[0] = 0.0  # exact zeros, as every bias has before the first update
            expected = penalty_gradient(parameters, l1, l2)
            yield f"regularization_gradient(parameters {shape}, l1={l1}, l2={l2})"
            got = regularization_gradient(parameters.copy(), l1, l2)
            expect_array("gradient", got, expected, _penalty_hint(got, parameters, l1, l2))


def _penalty_hint(got, parameters: np.ndarray, l1: float, l2: float) -> str:
    """A hint naming the known mistake that ``got`` matches, else one about the derivation."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return "return an array shaped like the parameters."
    if got.shape != parameters.shape:
        return "the penalty is a sum of one term per parameter: its gradient has their shape."
    with_np_sign = l1 * np.sign(parameters) + 2 * l2 * parameters
    if l1 > 0 and np.allclose(got, with_np_sign):
        return (
            "this is np.sign's answer: right everywhere except at exactly 0, where np.sign "
            "gives 0. Which slope do nnlib and the book take at 0?"
        )
    without_two = l1 * np.where(parameters < 0, -1.0, 1.0) + l2 * parameters
    if l2 > 0 and np.allclose(got, without_two):
        return "the L2 term is off by a constant factor: differentiate w**2 again."
    return (
        "differentiate the penalty with respect to one parameter: only the terms holding "
        "that parameter count. Your own gradient check shows where you differ."
    )


@self_check
def check_dropout_layer(Layer_Dropout, *, seed=0, rate=0.3, shape=(200, 50)):
    """Layer_Dropout(rate): mask and scaling while training, backward, identity at inference."""
    cls = learner_class(Layer_Dropout, "Layer_Dropout")
    name = cls.__name__
    rng = np.random.default_rng(seed)
    # Inputs away from 0, so that output / inputs shows the mask and its scaling.
    inputs = rng.uniform(0.5, 1.5, shape)
    dvalues = rng.standard_normal(shape)
    np.random.seed(seed)  # the learner's mask comes from NumPy's global generator
    yield f"{name}({rate}).forward on {shape}: every value is 0 or scaled by 1 / (1 - rate)"
    dropout = cls(rate)
    dropout.forward(inputs.copy())
    output = np.asarray(attribute(dropout, "output", f"{name}.forward"), dtype=np.float64)
    kept = output != 0
    if output.shape == shape and kept.any() and np.allclose(output[kept], inputs[kept]):
        raise CheckFailure(
            f"the kept values are the inputs unchanged, expected them multiplied by "
            f"1 / (1 - rate) = {1 / (1 - rate):.6g}",
            "the 1 / (1 - rate) scaling is left out: the next layer would see smaller inputs "
            "while training than at inference.",
        )
    comparable = output.shape == shape and kept.any() and rate != 0.5  # 0.5: 1/rate = 1/(1-rate)
    if comparable and np.allclose(output[kept] / inputs[kept], 1 / rate):
        raise CheckFailure(
            f"the kept values were multiplied by 1 / rate = {1 / rate:.6g}, expected "
            f"1 / (1 - rate) = {1 / (1 - rate):.6g}",
            "rate is the fraction dropped, the book's code stores the fraction kept: you "
            "swapped the two.",
        )
    mask = dropout_mask(output, inputs, rate)
    yield f"about {rate:.0%} of the values are dropped"
    dropped = float(np.mean(mask == 0))
    if abs(dropped - rate) > 0.03:
        swapped = abs(dropped - (1 - rate)) <= 0.03
        raise CheckFailure(
            f"{dropped:.1%} of the values were dropped, expected about {rate:.0%}",
            "rate is the fraction dropped, the book's code stores the fraction kept: you "
            "swapped the two."
            if swapped
            else "each value must be dropped with probability rate.",
        )
    yield "backward: dvalues go through the same mask, with the same scaling"
    dropout.backward(dvalues.copy())
    expect_array(
        "dinputs",
        attribute(dropout, "dinputs", f"{name}.backward"),
        dvalues * mask,
        "the gradient flows only through the values that forward kept, scaled as they were.",
    )
    yield f"{name}({rate}).forward(inputs, training=False) returns the inputs as they are"
    dropout.forward(inputs.copy(), training=False)
    at_inference = np.asarray(attribute(dropout, "output", f"{name}.forward"), dtype=np.float64)
    dropped = float(np.mean(at_inference == 0)) if at_inference.shape == shape else 0.0
    if dropped > 0:
        raise CheckFailure(
            f"with training=False, {dropped:.1%} of self.output is 0, expected self.output "
            "equal to the inputs",
            "dropout is left on at inference: with training=False the layer must not drop "
            "or scale anything. Follow what forward does after it has set the output.",
        )
    expect_array(
        "self.output at inference",
        at_inference,
        inputs,
        "at inference nothing is dropped and nothing is scaled.",
    )
    yield "two training passes draw two different masks"
    first = np.asarray(dropout.forward(inputs.copy()), dtype=np.float64)
    second = np.asarray(dropout.forward(inputs.copy()), dtype=np.float64)
    if np.array_equal(first == 0, second == 0):
        raise CheckFailure(
            "both passes dropped exactly the same values",
            "every training pass thins the network anew: draw the mask in forward.",
        )


def series_dropout_facts(rates=SERIES_RATES) -> dict:
    """Dropout layers of ``rates`` in series on inputs of ones: kept fraction, largest value."""
    keep = float(np.prod([1 - rate for rate in rates]))
    return {"predicted_kept": keep, "predicted_largest": 1 / keep}


@self_check
def check_dropout_predictions(predictions):
    """The learner's predictions for dropout layers in series, each within its tolerance.

    ``predictions``: a dict with the numbers ``predicted_kept`` and ``predicted_largest``.
    """
    facts = series_dropout_facts()
    rates = " and ".join(str(rate) for rate in SERIES_RATES)
    hints = {
        "predicted_kept": "a value reaches the output only if no layer drops it, and the "
        f"layers draw their masks independently: rates {rates} do not simply add up.",
        "predicted_largest": "a value that survives is scaled by every layer it passes "
        "through, each with its own factor.",
    }
    for key, expected in facts.items():
        tolerance = PREDICTION_TOLERANCE[key]
        yield f"{key} within ±{tolerance} of the value the layers give on average"
        got = predictions.get(key)
        try:
            value = float(got)
        except (TypeError, ValueError):
            raise CheckFailure(f"{key} is {got!r:.60}, expected a number", hints[key]) from None
        if not abs(value - expected) <= tolerance:
            raise CheckFailure(f"{key}: your prediction {value:.4g} is off", hints[key])


def reference_early_stop(val_losses, patience: int, *, ties_improve=False) -> tuple[int, int]:
    """(index of the lowest loss before stopping, index where patience ran out or the last).

    ``ties_improve``: the known mistake of counting an equal loss as an improvement.
    """
    best = 0
    for index, loss in enumerate(val_losses):
        if loss < val_losses[best] or (ties_improve and index > 0 and loss == val_losses[best]):
            best = index
        elif index - best >= patience:
            return best, index
    return best, len(val_losses) - 1


def _early_stop_hint(got, val_losses, patience: int) -> str:
    """A hint naming the known mistake that ``got`` matches, else one about the rule."""
    best, stop = reference_early_stop(val_losses, patience)
    if got == reference_early_stop(val_losses, patience, ties_improve=True):
        return "an equal loss counted as an improvement: improving means strictly lower."
    if got == (int(np.argmin(val_losses)), stop):
        return (
            "your best evaluation comes after the stop: the weights you keep must be ones "
            "you had seen when training stopped."
        )
    if got[1] in (stop - 1, stop + 1):
        return "off by one: count the evaluations without improvement since the best one."
    return "the best evaluation is the one with the lowest loss seen up to the stop."


@self_check
def check_early_stop(early_stop, *, cases=EARLY_STOP_CASES):
    """early_stop(val_losses, patience) -> (best, stop) on sequences with a known answer."""
    for val_losses, patience in cases:
        expected = reference_early_stop(val_losses, patience)
        shown = ", ".join(f"{loss:g}" for loss in val_losses[:8])
        more = ", ..." if len(val_losses) > 8 else ""
        yield f"early_stop([{shown}{more}], patience={patience})"
        result = early_stop(list(val_losses), patience)
        try:
            got = tuple(int(value) for value in result)
            if len(got) != 2:
                raise ValueError
        except (TypeError, ValueError):
            raise CheckFailure(
                f"returned {result!r:.60}, expected a pair of indices (best, stop)",
                "return the index of the evaluation to keep and the index where training stops.",
            ) from None
        if got != expected:
            raise CheckFailure(
                f"expected (best, stop) = {expected}, got {got}",
                _early_stop_hint(got, val_losses, patience),
            )


def early_stop_cases(seeds=(1, 2, 3), length=40) -> tuple:
    """Noisy validation curves that fall, then turn up (the grader's hidden cases)."""
    cases = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        epochs = np.arange(length)
        curve = 1 / (1 + 0.3 * epochs) + 0.004 * epochs + rng.normal(0, 0.02, length)
        cases.append((tuple(float(value) for value in np.round(curve, 3)), int(seed) + 2))
    return tuple(cases)
