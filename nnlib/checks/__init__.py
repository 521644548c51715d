"""Self-checks for the exercise notebooks: run the learner's code against nnlib's reference.

    from nnlib.checks import check_dense_backward
    check_dense_backward(Layer_Dense)

prints what passed, the first thing that did not (expected versus got) and a hint, and
returns a :class:`CheckResult` (``result.passed``). An unfinished exercise reports
"not implemented yet". Checks draw their data from their own generators and leave NumPy's
global generator as they found it. The graders (``instructor.chapters``) run the same
checks with more seeds and settings.
"""

from nnlib.checks.data import (
    FASHION_MNIST_TARGET,
    check_batches,
    check_fashion_mnist_model,
    check_prepare_images,
    check_shuffle_together,
)
from nnlib.checks.layers import (
    check_dense_backward,
    check_dense_forward,
    check_dense_regularization,
    check_dropout,
    check_regularization_loss,
    check_relu_backward,
    check_relu_forward,
    check_softmax_crossentropy_backward,
    check_softmax_forward,
)
from nnlib.checks.optimizers import (
    check_adagrad,
    check_adam_moments,
    check_adam_update,
    check_effective_learning_rates,
    check_rmsprop,
    check_sgd_decay,
    check_sgd_momentum,
    check_sgd_update,
    check_step_sizes,
)
from nnlib.checks.training import (
    MOMENTUM_TARGET,
    SPIRAL_EPOCHS,
    check_momentum_settings,
    fit_spiral_model,
)
from nnlib.checks.verdict import (
    ERROR,
    FAILED,
    NOT_IMPLEMENTED,
    PASSED,
    CheckFailure,
    CheckResult,
    self_check,
)

__all__ = [
    "ERROR",
    "FAILED",
    "FASHION_MNIST_TARGET",
    "MOMENTUM_TARGET",
    "NOT_IMPLEMENTED",
    "PASSED",
    "SPIRAL_EPOCHS",
    "CheckFailure",
    "CheckResult",
    "check_adagrad",
    "check_adam_moments",
    "check_adam_update",
    "check_batches",
    "check_dense_backward",
    "check_dense_forward",
    "check_dense_regularization",
    "check_dropout",
    "check_effective_learning_rates",
    "check_fashion_mnist_model",
    "check_momentum_settings",
    "check_prepare_images",
    "check_regularization_loss",
    "check_relu_backward",
    "check_relu_forward",
    "check_rmsprop",
    "check_sgd_decay",
    "check_sgd_momentum",
    "check_sgd_update",
    "check_shuffle_together",
    "check_step_sizes",
    "check_softmax_crossentropy_backward",
    "check_softmax_forward",
    "self_check",
    "fit_spiral_model",
]
