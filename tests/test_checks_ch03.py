"""Chapter 3's self-checks (nnlib.checks.ch03) on right, unfinished and wrong code.

Each check passes on a right version, says "not implemented yet" on an untouched exercise,
and on each known mistake fails with a hint naming it; the prediction check never gives the
right value away.
"""

import numpy as np
import pytest

from nnlib import SGD
from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch03 import (
    check_decay_fix,
    check_rate_prediction,
    check_warmup,
    run_updates,
    warmup_rates,
)


class RightSGD:
    """The book's SGD with 1/t decay, written out as a learner would."""

    def __init__(self, learning_rate=1.0, decay=0.0):
        self.learning_rate = learning_rate
        self.current_learning_rate = learning_rate
        self.decay = decay
        self.iterations = 0

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)

    def update_params(self, layer):
        layer.weights += -self.current_learning_rate * layer.dweights
        layer.biases += -self.current_learning_rate * layer.dbiases

    def post_update_params(self):
        self.iterations += 1


def with_pre_update(base, pre_update_params, name="LearnerSGD"):
    return type(name, (base,), {"pre_update_params": pre_update_params})


def unfinished(self):
    raise NotImplementedError()


def decay_from_learning_rate(self):  # the planted mistake
    self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.learning_rate)


def decay_without_brackets(self):
    self.current_learning_rate = self.learning_rate / 1.0 + self.decay * self.iterations


def decay_of_the_decayed_rate(self):
    self.current_learning_rate = self.current_learning_rate / (1.0 + self.decay * self.iterations)


def decay_one_ahead(self):
    self.current_learning_rate = self.learning_rate / (1.0 + self.decay * (self.iterations + 1))


class NeverCounts(RightSGD):
    def post_update_params(self):
        self.iteration = getattr(self, "iteration", 0) + 1


def test_decay_fix_passes_on_a_right_optimizer(capsys):
    state = np.random.get_state()
    result = check_decay_fix(RightSGD)
    assert result.status == PASSED, result.report()
    assert all(np.array_equal(a, b) for a, b in zip(state, np.random.get_state(), strict=True))
    assert "check_decay_fix: passed" in capsys.readouterr().out
    assert check_decay_fix(RightSGD, learning_rate=0.05, decay=0.01, steps=300, seed=3).passed


@pytest.mark.parametrize(
    ("pre_update_params", "named"),
    [
        (decay_from_learning_rate, "ignores self.iterations"),
        (decay_without_brackets, "brackets are left out"),
        (decay_of_the_decayed_rate, "already decayed rate"),
        (decay_one_ahead, "one update ahead"),
    ],
)
def test_decay_fix_names_the_known_mistakes(pre_update_params, named):
    result = check_decay_fix(with_pre_update(RightSGD, pre_update_params), verbose=False)
    assert result.status == FAILED
    assert "expected" in result.problem and "got" in result.problem
    assert named in result.hint


def test_decay_fix_catches_an_uncounted_update():
    result = check_decay_fix(NeverCounts, verbose=False)
    assert result.status == FAILED
    assert result.problem == "after step 1: iterations expected 1, got 0"
    assert "self.iterations" in result.hint


def test_decay_fix_refuses_nnlibs_class_and_reports_unfinished_work():
    assert "nnlib's" in check_decay_fix(SGD, verbose=False).problem
    untouched = with_pre_update(RightSGD, unfinished)
    assert check_decay_fix(untouched, verbose=False).status == NOT_IMPLEMENTED


def test_rate_prediction():
    updates = run_updates()
    assert updates == 1500
    last_rate = 2.0 / (1.0 + 2e-3 * (updates - 1))
    assert check_rate_prediction(updates, last_rate, verbose=False).passed
    assert check_rate_prediction(updates, last_rate * 1.015, verbose=False).passed
    assert not check_rate_prediction(updates, last_rate * 1.03, verbose=False).passed


@pytest.mark.parametrize(
    ("updates", "last_rate", "named"),
    [
        (100, 0.5, "not epochs"),
        (500, 0.5, "100 points per class"),
        (1500, 2.0 / (1.0 + 2e-3 * 99), "not epochs"),
        (1500, 2.0 * 2e-3 * 1499, "mind the brackets"),
        (None, 0.5, "store your prediction"),
    ],
)
def test_rate_prediction_names_the_mistake_without_the_answer(updates, last_rate, named):
    result = check_rate_prediction(updates, last_rate, verbose=False)
    assert result.status == FAILED
    assert named in result.hint
    assert "1500" not in result.problem and "0.500" not in result.problem


class RightWarmUp(RightSGD):
    def __init__(self, learning_rate=1.0, decay=0.0, warmup_steps=0):
        super().__init__(learning_rate, decay)
        self.warmup_steps = warmup_steps

    def pre_update_params(self):
        t = self.iterations
        if t < self.warmup_steps:
            self.current_learning_rate = self.learning_rate * (t + 1) / self.warmup_steps
        else:
            self.current_learning_rate = self.learning_rate / (
                1.0 + self.decay * (t - self.warmup_steps)
            )


def warmup_from_zero(self):
    t = self.iterations
    if t < self.warmup_steps:
        self.current_learning_rate = self.learning_rate * t / self.warmup_steps
    else:
        self.current_learning_rate = self.learning_rate / (
            1.0 + self.decay * (t - self.warmup_steps)
        )


def warmup_then_decay_from_the_start(self):
    t = self.iterations
    if t < self.warmup_steps:
        self.current_learning_rate = self.learning_rate * (t + 1) / self.warmup_steps
    else:
        self.current_learning_rate = self.learning_rate / (1.0 + self.decay * t)


def warmup_then_constant(self):
    t = self.iterations
    self.current_learning_rate = self.learning_rate * min(1.0, (t + 1) / self.warmup_steps)


def test_warmup_schedule_by_hand():
    rates = warmup_rates(1.0, 0.5, 2, 5)
    assert np.allclose(rates, [0.5, 1.0, 1.0, 1 / 1.5, 0.5])
    assert np.allclose(warmup_rates(2.0, 0.1, 0, 3), [2.0, 2.0 / 1.1, 2.0 / 1.2])


def test_warmup_passes_on_a_right_class():
    assert check_warmup(RightWarmUp, verbose=False).passed
    assert check_warmup(
        RightWarmUp, learning_rate=0.5, decay=1e-3, warmup_steps=50, steps=200, verbose=False
    ).passed
    assert check_warmup(RightWarmUp, decay=0.0, warmup_steps=3, steps=8, verbose=False).passed


@pytest.mark.parametrize(
    ("pre_update_params", "named"),
    [
        (warmup_from_zero, "does not move"),
        (warmup_then_decay_from_the_start, "start from the end of the warm-up"),
        (warmup_then_constant, "does not decay"),
    ],
)
def test_warmup_names_the_known_mistakes(pre_update_params, named):
    result = check_warmup(with_pre_update(RightWarmUp, pre_update_params), verbose=False)
    assert result.status == FAILED
    assert "expected" in result.problem and "got" in result.problem
    assert named in result.hint


def test_warmup_reports_unfinished_work():
    untouched = with_pre_update(RightWarmUp, unfinished)
    assert check_warmup(untouched, verbose=False).status == NOT_IMPLEMENTED
