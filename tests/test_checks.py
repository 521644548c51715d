"""The learners' self-checks (nnlib.checks) on right, unfinished and wrong code.

Every check must pass on nnlib's own classes (through the book's names, in a learner's
subclass where the check insists the method is the learner's), say "not implemented yet" on
an untouched exercise, and on a realistic mistake name what differs with expected and got.
"""

from types import SimpleNamespace

import numpy as np
import pytest

import nnlib.book as book
from nnlib import checks
from nnlib.checks import ERROR, FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.optimizers import single_weight_step_sizes
from nnlib.datasets import load_fashion_mnist, prepare_images


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


def dense_backward_mean_biases(self, dvalues):
    self.dweights = np.dot(self.inputs.T, dvalues)
    self.dbiases = np.mean(dvalues, axis=0, keepdims=True)
    self.dinputs = np.dot(dvalues, self.weights.T)
    return self.dinputs


def relu_backward_masked_by_dvalues(self, dvalues):
    self.dinputs = dvalues.copy()
    self.dinputs[dvalues <= 0] = 0
    return self.dinputs


def combined_backward_not_averaged(self, dvalues, y_true):
    if y_true.ndim == 2:
        y_true = np.argmax(y_true, axis=1)
    self.dinputs = dvalues.copy()
    self.dinputs[range(len(dvalues)), y_true] -= 1
    return self.dinputs


def dense_backward_l2_without_2(self, dvalues):
    self.dweights = np.dot(self.inputs.T, dvalues) + self.weight_regularizer_l2 * self.weights
    self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
    self.dinputs = np.dot(dvalues, self.weights.T)
    return self.dinputs


def regularization_loss_without_abs(self, layer):
    return layer.weight_regularizer_l1 * np.sum(layer.weights) + layer.weight_regularizer_l2 * (
        np.sum(layer.weights**2)
    )


def dropout_forward_not_scaled(self, inputs, training=True):
    self.inputs = inputs
    self.binary_mask = np.random.binomial(1, 1 - self.rate, size=inputs.shape)
    self.output = inputs * self.binary_mask
    return self.output


def sgd_update_with_initial_rate(self, layer):
    layer.weights += -self.learning_rate * layer.dweights
    layer.biases += -self.learning_rate * layer.dbiases


def sgd_decay_compounding(self):
    if self.decay:
        self.current_learning_rate = self.current_learning_rate * (
            1.0 / (1.0 + self.decay * self.iterations)
        )


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


def adam_moments(power):
    """An update_moments whose cache averages gradient**power (2 is right)."""

    def update_moments(self, layer):
        for name, gradient in (("weight", layer.dweights), ("bias", layer.dbiases)):
            momentums = getattr(layer, f"{name}_momentums", 0)
            cache = getattr(layer, f"{name}_cache", 0)
            momentums = self.beta_1 * momentums + (1 - self.beta_1) * gradient
            setattr(layer, f"{name}_momentums", momentums)
            setattr(
                layer, f"{name}_cache", self.beta_2 * cache + (1 - self.beta_2) * gradient**power
            )

    return update_moments


def adam_update(offset):
    """An update_params correcting with t = iterations + offset (1 is right)."""

    def update_params(self, layer):
        self.update_moments(layer)
        step = self.iterations + offset
        for parameters, momentums, cache in (
            (layer.weights, layer.weight_momentums, layer.weight_cache),
            (layer.biases, layer.bias_momentums, layer.bias_cache),
        ):
            corrected_momentums = momentums / (1 - self.beta_1**step)
            corrected_cache = cache / (1 - self.beta_2**step)
            parameters -= (
                self.current_learning_rate
                * corrected_momentums
                / (np.sqrt(corrected_cache) + self.epsilon)
            )

    return update_params


def adam_class(update_moments, update_params):
    """A learner's Adam on nnlib's Optimizer base, like exercise notebook 7's."""
    return learner(book.Optimizer_Adam, update_moments=update_moments, update_params=update_params)


def effective_rates(optimizer, layer):
    return optimizer.current_learning_rate / (np.sqrt(layer.weight_cache) + optimizer.epsilon)


def effective_rates_without_decay(optimizer, layer):
    return optimizer.learning_rate / (np.sqrt(layer.weight_cache) + optimizer.epsilon)


def step_sizes_as_positions(optimizer, gradients):
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    positions = []
    for gradient in gradients:
        layer.dweights, layer.dbiases = np.full((1, 1), gradient), np.zeros((1, 1))
        optimizer.pre_update_params()
        optimizer.update_params(layer)
        optimizer.post_update_params()
        positions.append(abs(layer.weights[0, 0]))
    return np.array(positions)


def prepare_images_in_float64(images):
    return (images.reshape(len(images), -1) - 127.5) / 127.5


def shuffle_separately(X, y, rng):
    return X[rng.permutation(len(X))], y[rng.permutation(len(y))]


def shuffle_right(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]


def batches_right(X, y, batch_size):
    for start in range(0, len(X), batch_size):
        yield X[start : start + batch_size], y[start : start + batch_size]


def batches_without_the_last(X, y, batch_size):
    for start in range(0, len(X) - batch_size, batch_size):
        yield X[start : start + batch_size], y[start : start + batch_size]


class PerfectModel:
    """A trained model's interface, predicting the true test labels."""

    optimizer = SimpleNamespace(iterations=1)

    def predict(self, X, batch_size=None):
        return np.eye(10)[load_fashion_mnist(download=False, quiet=True)[3]]


class UntrainedModel(PerfectModel):
    optimizer = SimpleNamespace(iterations=0)


def check_fashion_mnist(model):
    return checks.check_fashion_mnist_model(model, prepare_images, verbose=False)


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
    "dense_backward": (
        checks.check_dense_backward,
        same_as_nnlib(book.Layer_Dense, "backward"),
        unfinished_methods(book.Layer_Dense, "backward"),
        learner(book.Layer_Dense, backward=dense_backward_mean_biases),
        "dbiases",
    ),
    "relu_backward": (
        checks.check_relu_backward,
        same_as_nnlib(book.Activation_ReLU, "backward"),
        unfinished_methods(book.Activation_ReLU, "backward"),
        learner(book.Activation_ReLU, backward=relu_backward_masked_by_dvalues),
        "dinputs",
    ),
    "softmax_crossentropy_backward": (
        checks.check_softmax_crossentropy_backward,
        same_as_nnlib(book.Activation_Softmax_Loss_CategoricalCrossentropy, "backward"),
        unfinished_methods(book.Activation_Softmax_Loss_CategoricalCrossentropy, "backward"),
        learner(
            book.Activation_Softmax_Loss_CategoricalCrossentropy,
            backward=combined_backward_not_averaged,
        ),
        "dinputs",
    ),
    "dense_regularization": (
        checks.check_dense_regularization,
        same_as_nnlib(book.Layer_Dense, "backward"),
        unfinished_methods(book.Layer_Dense, "backward"),
        learner(book.Layer_Dense, backward=dense_backward_l2_without_2),
        "dweights",
    ),
    "regularization_loss": (
        checks.check_regularization_loss,
        same_as_nnlib(book.Loss, "regularization_loss"),
        unfinished_methods(book.Loss, "regularization_loss"),
        learner(book.Loss, regularization_loss=regularization_loss_without_abs),
        "regularization_loss",
    ),
    "dropout": (
        checks.check_dropout,
        book.Layer_Dropout,
        unfinished_methods(book.Layer_Dropout, "forward"),
        learner(book.Layer_Dropout, forward=dropout_forward_not_scaled),
        "expected 1 / (1 - rate)",
    ),
    "sgd_update": (
        checks.check_sgd_update,
        same_as_nnlib(book.Optimizer_SGD, "update_params"),
        unfinished_methods(book.Optimizer_SGD, "update_params"),
        learner(book.Optimizer_SGD, update_params=sgd_update_with_initial_rate),
        "weights",
    ),
    "sgd_decay": (
        checks.check_sgd_decay,
        same_as_nnlib(book.Optimizer_SGD, "pre_update_params", "post_update_params"),
        unfinished_methods(book.Optimizer_SGD, "pre_update_params", "post_update_params"),
        learner(
            same_as_nnlib(book.Optimizer_SGD, "post_update_params"),
            pre_update_params=sgd_decay_compounding,
        ),
        "current_learning_rate",
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
    "effective_learning_rates": (
        checks.check_effective_learning_rates,
        effective_rates,
        unfinished,
        effective_rates_without_decay,
        "effective learning rates",
    ),
    "rmsprop": (
        checks.check_rmsprop,
        same_as_nnlib(book.Optimizer_RMSprop, "update_params"),
        unfinished_methods(book.Optimizer_RMSprop, "update_params"),
        learner(book.Optimizer_RMSprop, update_params=rmsprop_rho_swapped),
        "weight_cache",
    ),
    "step_sizes": (
        checks.check_step_sizes,
        single_weight_step_sizes,
        unfinished,
        step_sizes_as_positions,
        "step sizes",
    ),
    "adam_moments": (
        checks.check_adam_moments,
        adam_class(adam_moments(2), adam_update(1)),
        adam_class(unfinished, adam_update(1)),
        adam_class(adam_moments(1), adam_update(1)),
        "weight_cache",
    ),
    "adam_update": (
        checks.check_adam_update,
        adam_class(adam_moments(2), adam_update(1)),
        adam_class(adam_moments(2), unfinished),
        adam_class(adam_moments(2), adam_update(0)),
        "weights",
    ),
    "prepare_images": (
        checks.check_prepare_images,
        prepare_images,
        unfinished,
        prepare_images_in_float64,
        "dtype float64, expected float32",
    ),
    "shuffle_together": (
        checks.check_shuffle_together,
        shuffle_right,
        unfinished,
        shuffle_separately,
        "label belongs to sample",
    ),
    "batches": (
        checks.check_batches,
        batches_right,
        unfinished,
        batches_without_the_last,
        "batch sizes [4, 4], expected [4, 4, 2]",
    ),
}
EXPECT_NUMBERS = {"prepare_images", "shuffle_together", "batches", "dropout"}


def test_every_exported_check_is_tested():
    exported = {name[len("check_") :] for name in checks.__all__ if name.startswith("check_")}
    assert exported - set(CASES) == {"momentum_settings", "fashion_mnist_model"}


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
    result = checks.check_dense_backward(wrong)
    assert result.status == ERROR
    assert result.problem.startswith("ValueError: shapes (5,4) and (5,3) not aligned")
    assert "(in dense_backward_without_transpose, line " in result.problem
    assert result.problem.endswith(": self.dweights = np.dot(self.inputs, dvalues))")
    assert "Traceback" not in capsys.readouterr().out


def test_inherited_method_is_not_the_learners():
    result = checks.check_dense_backward(learner(book.Layer_Dense), verbose=False)
    assert result.status == FAILED
    assert "is nnlib's Dense.backward, not yours" in result.problem


def test_an_instance_instead_of_the_class_is_explained():
    result = checks.check_relu_forward(book.Activation_ReLU(), verbose=False)
    assert result.status == FAILED
    assert "pass the class itself" in result.hint


def test_momentum_settings():
    right = checks.check_momentum_settings(
        {"learning_rate": 1.0, "decay": 1e-3, "momentum": 0.9}, verbose=False
    )
    assert right.passed, right.report()
    defaults = checks.check_momentum_settings({"learning_rate": 1.0}, verbose=False)
    assert defaults.status == FAILED and "below 0.75" in defaults.problem
    typo = checks.check_momentum_settings({"momentun": 0.9}, verbose=False)
    assert typo.status == FAILED and "'momentun'" in typo.problem


def test_fashion_mnist_model():
    assert check_fashion_mnist(PerfectModel()).passed
    untrained = check_fashion_mnist(UntrainedModel())
    assert untrained.status == FAILED and "untrained" in untrained.problem


def test_a_function_changing_the_optimizer_cannot_move_the_expected_rates():
    def forger(optimizer, layer):
        optimizer.current_learning_rate = 0.0
        return np.zeros_like(layer.weights)

    result = checks.check_effective_learning_rates(forger, verbose=False)
    assert result.status == FAILED and "effective learning rates" in result.problem
