"""The learners' self-checks (nnlib.checks) on right, unfinished and wrong code.

Every check must pass on nnlib's own classes (through the book's names, in a learner's
subclass where the check insists the method is the learner's), say "not implemented yet" on
an untouched exercise, and on a realistic mistake name what differs with expected and got.
"""

import numpy as np
import pytest

import nnlib.book as book
from nnlib import checks
from nnlib.checks import ERROR, FAILED, NOT_IMPLEMENTED, PASSED


def learner(base, **methods):
    """A learner's subclass of nnlib's ``base`` defining ``methods`` (name -> function)."""
    return type(f"My{base.__name__}", (base,), methods)


def same_as_nnlib(base, *names):
    """A learner's subclass whose ``names`` methods are its own, doing what nnlib's do."""

    def delegate(name):
        def method(self, *args, **kwargs):
            return getattr(base, name)(self, *args, **kwargs)

        return method

    return learner(base, **{name: delegate(name) for name in names})


def unfinished(*args, **kwargs):
    """An exercise's code as the exercise notebook gives it."""
    raise NotImplementedError()


def unfinished_methods(base, *names):
    return learner(base, **dict.fromkeys(names, unfinished))


# --- realistic mistakes -------------------------------------------------------------------


def forward_without_biases(self, inputs):
    self.inputs = inputs
    self.output = np.dot(inputs, self.weights)
    return self.output


def relu_derivative_as_forward(self, inputs):
    self.inputs = inputs
    self.output = np.where(inputs < 0, 0.0, 1.0)
    return self.output


def softmax_without_max(self, inputs):
    self.inputs = inputs
    exp_values = np.exp(inputs)
    self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
    return self.output


def dense_backward_l2_without_2(self, dvalues):
    self.dweights = np.dot(self.inputs.T, dvalues) + self.weight_regularizer_l2 * self.weights
    self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
    self.dinputs = np.dot(dvalues, self.weights.T)
    return self.dinputs


def dropout_forward_not_scaled(self, inputs, training=True):
    self.inputs = inputs
    self.binary_mask = np.random.binomial(1, 1 - self.rate, size=inputs.shape)
    self.output = inputs * self.binary_mask
    return self.output


def sgd_momentum_sign_flipped(self, layer):
    for name, parameters, gradient in (
        ("weight", layer.weights, layer.dweights),
        ("bias", layer.biases, layer.dbiases),
    ):
        previous = getattr(layer, f"{name}_momentums", 0)
        updates = -self.momentum * previous - self.current_learning_rate * gradient
        setattr(layer, f"{name}_momentums", updates)
        parameters += updates


def adagrad_cache_not_squared(self, layer):
    if not hasattr(layer, "weight_cache"):
        layer.weight_cache = np.zeros_like(layer.weights)
        layer.bias_cache = np.zeros_like(layer.biases)
    layer.weight_cache += np.abs(layer.dweights)
    layer.bias_cache += np.abs(layer.dbiases)
    layer.weights -= (
        self.current_learning_rate * layer.dweights / (np.sqrt(layer.weight_cache) + self.epsilon)
    )
    layer.biases -= (
        self.current_learning_rate * layer.dbiases / (np.sqrt(layer.bias_cache) + self.epsilon)
    )


def rmsprop_rho_swapped(self, layer):
    if not hasattr(layer, "weight_cache"):
        layer.weight_cache = np.zeros_like(layer.weights)
        layer.bias_cache = np.zeros_like(layer.biases)
    layer.weight_cache = (1 - self.rho) * layer.weight_cache + self.rho * layer.dweights**2
    layer.bias_cache = (1 - self.rho) * layer.bias_cache + self.rho * layer.dbiases**2
    layer.weights -= (
        self.current_learning_rate * layer.dweights / (np.sqrt(layer.weight_cache) + self.epsilon)
    )
    layer.biases -= (
        self.current_learning_rate * layer.dbiases / (np.sqrt(layer.bias_cache) + self.epsilon)
    )


# (check, right, untouched, wrong, what the failure must mention)
CASES = {
    "dense_forward": (
        checks.check_dense_forward,
        book.Layer_Dense,
        unfinished_methods(book.Layer_Dense, "__init__", "forward"),
        learner(book.Layer_Dense, forward=forward_without_biases),
        "self.output",
    ),
    "relu_forward": (
        checks.check_relu_forward,
        book.Activation_ReLU,
        unfinished_methods(book.Activation_ReLU, "forward"),
        learner(book.Activation_ReLU, forward=relu_derivative_as_forward),
        "self.output",
    ),
    "softmax_forward": (
        checks.check_softmax_forward,
        book.Activation_Softmax,
        unfinished_methods(book.Activation_Softmax, "forward"),
        learner(book.Activation_Softmax, forward=softmax_without_max),
        "self.output",
    ),
    "dense_regularization": (
        checks.check_dense_regularization,
        same_as_nnlib(book.Layer_Dense, "backward"),
        unfinished_methods(book.Layer_Dense, "backward"),
        learner(book.Layer_Dense, backward=dense_backward_l2_without_2),
        "dweights",
    ),
    "dropout": (
        checks.check_dropout,
        book.Layer_Dropout,
        unfinished_methods(book.Layer_Dropout, "forward"),
        learner(book.Layer_Dropout, forward=dropout_forward_not_scaled),
        "expected 1 / (1 - rate)",
    ),
    "sgd_momentum": (
        checks.check_sgd_momentum,
        same_as_nnlib(book.Optimizer_SGD, "update_params"),
        unfinished_methods(book.Optimizer_SGD, "update_params"),
        learner(book.Optimizer_SGD, update_params=sgd_momentum_sign_flipped),
        "weight_momentums",
    ),
    "adagrad": (
        checks.check_adagrad,
        same_as_nnlib(book.Optimizer_Adagrad, "update_params"),
        unfinished_methods(book.Optimizer_Adagrad, "update_params"),
        learner(book.Optimizer_Adagrad, update_params=adagrad_cache_not_squared),
        "weight_cache",
    ),
    "rmsprop": (
        checks.check_rmsprop,
        same_as_nnlib(book.Optimizer_RMSprop, "update_params"),
        unfinished_methods(book.Optimizer_RMSprop, "update_params"),
        learner(book.Optimizer_RMSprop, update_params=rmsprop_rho_swapped),
        "weight_cache",
    ),
}
EXPECT_NUMBERS = {"dropout"}


def test_every_exported_check_is_tested():
    exported = {name[len("check_") :] for name in checks.__all__ if name.startswith("check_")}
    assert exported == set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_check_passes_on_nnlib(name, capsys):
    check, right, *_ = CASES[name]
    np.random.seed(123)
    state = np.random.get_state()
    result = check(right)
    assert result.status == PASSED, result.report()
    assert result.passed and len(result.passed_steps) >= 1
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state, after, strict=True))
    printed = capsys.readouterr().out
    assert printed == result.report() + "\n"
    assert f"{check.__name__}: passed" in printed


@pytest.mark.parametrize("name", CASES)
def test_check_says_not_implemented_yet(name, capsys):
    check, _, untouched, *_ = CASES[name]
    result = check(untouched)
    assert result.status == NOT_IMPLEMENTED
    assert not result.passed
    printed = capsys.readouterr().out
    assert "not implemented yet:" in printed
    assert "Traceback" not in printed


@pytest.mark.parametrize("name", CASES)
def test_check_reports_a_realistic_mistake(name, capsys):
    check, _, _, wrong, mentioned = CASES[name]
    state = np.random.get_state()
    result = check(wrong)
    assert result.status == FAILED, result.report()
    assert mentioned in result.problem
    if name not in EXPECT_NUMBERS:
        assert "expected" in result.problem and "got" in result.problem
    assert result.hint
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state, after, strict=True))
    printed = capsys.readouterr().out
    assert f"✗ {result.failed_step}" in printed and f"Hint: {result.hint}" in printed


def test_quiet_checks_print_nothing(capsys):
    assert checks.check_dense_forward(book.Layer_Dense, verbose=False).passed
    assert capsys.readouterr().out == ""


def dense_backward_without_transpose(self, dvalues):
    self.dweights = np.dot(self.inputs, dvalues)


def test_learner_exception_is_summarised_on_one_line(capsys):
    wrong = learner(book.Layer_Dense, backward=dense_backward_without_transpose)
    result = checks.check_dense_regularization(wrong)
    assert result.status == ERROR
    assert result.problem.startswith("ValueError: shapes ")
    assert "(in dense_backward_without_transpose, line " in result.problem
    assert result.problem.endswith(": self.dweights = np.dot(self.inputs, dvalues))")
    assert "Traceback" not in capsys.readouterr().out


def test_inherited_method_is_not_the_learners():
    result = checks.check_dense_regularization(learner(book.Layer_Dense), verbose=False)
    assert result.status == FAILED
    assert "is nnlib's Dense.backward, not yours" in result.problem


def test_an_instance_instead_of_the_class_is_explained():
    result = checks.check_relu_forward(book.Activation_ReLU(), verbose=False)
    assert result.status == FAILED
    assert "pass the class itself" in result.hint
