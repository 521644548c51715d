"""Chapter 4's self-checks (nnlib.checks.ch04) on right, unfinished and mistaken code.

Each check passes on a right answer (nnlib's SGD where there is one), says "not implemented
yet" on an untouched exercise, and names the known mistake in its hint where it sees one.
"""

import numpy as np
import pytest

import nnlib.book as book
from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED, ch04

HIDDEN_POSITION_CASES = (
    {"steps": 1, "learning_rate": 0.3, "momentum": 0.9, "gradient": 2.0},
    {"steps": 200, "learning_rate": 0.01, "momentum": 0.95, "gradient": 0.3},
)


def position_after(steps, learning_rate, momentum, gradient):
    long_run_step = -learning_rate * gradient / (1 - momentum)
    return long_run_step * (steps - momentum * (1 - momentum**steps) / (1 - momentum))


def position_at_long_run_step(steps, learning_rate, momentum, gradient):
    return -steps * learning_rate * gradient / (1 - momentum)


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def optimizer(update_params):
    """A learner's Optimizer_SGD: nnlib's SGD with its own update_params."""
    return type("Optimizer_SGD", (book.Optimizer_SGD,), {"update_params": update_params})


def velocities(layer):
    if not hasattr(layer, "weight_momentums"):
        layer.weight_momentums = np.zeros_like(layer.weights)
        layer.bias_momentums = np.zeros_like(layer.biases)


def heavy_ball(self, layer):
    velocities(layer)
    rate = self.current_learning_rate
    layer.weight_momentums = self.momentum * layer.weight_momentums - rate * layer.dweights
    layer.bias_momentums = self.momentum * layer.bias_momentums - rate * layer.dbiases
    layer.weights += layer.weight_momentums
    layer.biases += layer.bias_momentums


def bias_momentum_typo(self, layer):
    velocities(layer)
    rate = self.current_learning_rate
    layer.weight_momentums = self.momentum * layer.weight_momentums - rate * layer.dweights
    layer.bias_momentum = self.momentum * layer.bias_momentums - rate * layer.dbiases
    layer.weights += layer.weight_momentums
    layer.biases += layer.bias_momentum


def momentum_from_weights(self, layer):
    velocities(layer)
    rate = self.current_learning_rate
    layer.weight_momentums = self.momentum * layer.weight_momentums - rate * layer.weights
    layer.bias_momentums = self.momentum * layer.bias_momentums - rate * layer.biases
    layer.weights += layer.weight_momentums
    layer.biases += layer.bias_momentums


def nesterov_step(old_velocity_in_look_ahead=False, heavy=False):
    def update_params(self, layer):
        velocities(layer)
        rate, mu = self.current_learning_rate, self.momentum
        for parameter, name, gradient in (
            ("weights", "weight_momentums", layer.dweights),
            ("biases", "bias_momentums", layer.dbiases),
        ):
            old = getattr(layer, name)
            new = mu * old - rate * gradient
            if heavy:
                step = new
            elif old_velocity_in_look_ahead:
                step = mu * old - rate * gradient
            else:
                step = mu * new - rate * gradient
            setattr(layer, parameter, getattr(layer, parameter) + step)
            setattr(layer, name, new)

    return update_params


def test_slope_prediction_passes_and_names_mistakes():
    right = position_after(**ch04.SLOPE)
    assert ch04.check_slope_prediction(right * 1.005, verbose=False).status == PASSED
    missing = ch04.check_slope_prediction(None, verbose=False)
    assert missing.status == FAILED and "not a number" in missing.problem
    cases = {
        position_at_long_run_step(**ch04.SLOPE): "long-run step",
        -ch04.SLOPE["steps"] * ch04.SLOPE["learning_rate"] * ch04.SLOPE["gradient"]: "plain",
        -right: "sign",
        position_after(**{**ch04.SLOPE, "steps": 13}): "one update too many",
        -0.2 * (1 - 0.75**12): "the last step",
    }
    for wrong, words in cases.items():
        result = ch04.check_slope_prediction(wrong, verbose=False)
        assert result.status == FAILED and words in result.hint, (wrong, result.hint)
        # The failure never shows the answer.
        assert f"{right:.4f}"[:5] not in result.problem


def test_position_after():
    assert ch04.check_position_after(position_after, verbose=False).status == PASSED
    hidden = ch04.check_position_after(position_after, cases=HIDDEN_POSITION_CASES, verbose=False)
    assert hidden.status == PASSED
    assert ch04.check_position_after(unfinished, verbose=False).status == NOT_IMPLEMENTED
    wrong = ch04.check_position_after(position_at_long_run_step, verbose=False)
    assert wrong.status == FAILED and "long-run step" in wrong.hint


@pytest.mark.parametrize(
    ("update_params", "status", "words"),
    [
        (heavy_ball, PASSED, ""),
        (unfinished, NOT_IMPLEMENTED, ""),
        (bias_momentum_typo, FAILED, "bias_momentum (singular)"),
        (momentum_from_weights, FAILED, "built from the weights"),
    ],
)
def test_repaired_sgd(update_params, status, words):
    result = ch04.check_repaired_sgd(optimizer(update_params), verbose=False)
    assert result.status == status
    assert words in result.hint
    hidden = ch04.check_repaired_sgd(
        optimizer(update_params), seeds=(1, 2), steps=10, momentum=0.5, decay=0.01, verbose=False
    )
    assert hidden.status == status


def test_valley_settings():
    ours = {"learning_rate": 0.03, "momentum": 0.7}
    assert ch04.check_valley_settings(ours, verbose=False).status == PASSED
    assert (
        ch04.check_valley_settings(ours, starts=((3.0, 4.0), (5.0, -0.5)), verbose=False).status
        == PASSED
    )
    chapter = ch04.check_valley_settings({"learning_rate": 0.02, "momentum": 0.9}, verbose=False)
    assert chapter.status == FAILED and "setting of the chapter" in chapter.problem
    # The chapter's settings miss the target anyway, and so does its valley's best momentum.
    for rate, momentum in ch04.CHAPTER_SETTINGS:
        path = ch04.valley_run({"learning_rate": rate, "momentum": momentum})
        losses = ch04.STEEP_VALLEY.loss(path[:, 0], path[:, 1])
        assert not losses[-1] < ch04.LOSS_FRACTION * losses[0]
    swinging = ch04.check_valley_settings({"learning_rate": 0.015, "momentum": 0.9}, verbose=False)
    assert swinging.status == FAILED and "across the walls" in swinging.hint
    leaving = ch04.check_valley_settings({"learning_rate": 0.05, "momentum": 0.7}, verbose=False)
    assert leaving.status == FAILED and "leaves the valley" in leaving.hint
    assert ch04.check_valley_settings({"momentum": 0.7}, verbose=False).status == FAILED


@pytest.mark.parametrize(
    ("update_params", "status", "words"),
    [
        (nesterov_step(), PASSED, ""),
        (unfinished, NOT_IMPLEMENTED, ""),
        (nesterov_step(heavy=True), FAILED, "heavy ball"),
        (nesterov_step(old_velocity_in_look_ahead=True), FAILED, "looks ahead with the velocity"),
        (bias_momentum_typo, FAILED, "bias_momentum (singular)"),
    ],
)
def test_nesterov(update_params, status, words):
    cls = type("Optimizer_Nesterov", (book.Optimizer_SGD,), {"update_params": update_params})
    result = ch04.check_nesterov(cls, verbose=False)
    assert result.status == status
    assert words in result.hint
    on_valley = ch04.check_nesterov_on_valley(cls, verbose=False)
    assert on_valley.status == status


def test_roll_down_slope_matches_position_after():
    weight, bias = ch04.roll_down_slope(book.Optimizer_SGD(learning_rate=0.1, momentum=0.75))
    assert weight == pytest.approx(position_after(**ch04.SLOPE))
    assert bias == pytest.approx(weight)
