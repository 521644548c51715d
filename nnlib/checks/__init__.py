"""Self-checks for the exercise notebooks: run the learner's code against nnlib's reference.

    from nnlib.checks import check_dense_forward
    check_dense_forward(Layer_Dense)

prints what passed, the first thing that did not (expected versus got) and a hint, and
returns a :class:`CheckResult` (``result.passed``). An unfinished exercise reports
"not implemented yet". Checks draw their data from their own generators and leave NumPy's
global generator as they found it. The graders (``instructor.chapters``) run the same
checks with more seeds and settings.

The checks shared by chapters are here, by concept (``layers``, ``optimizers``, ``training``);
each chapter's own exercises have theirs in ``chNN`` (``from nnlib.checks.ch04 import ...``).
"""

from nnlib.checks.layers import (
    check_dense_forward,
    check_dense_regularization,
    check_dropout,
    check_relu_forward,
    check_softmax_forward,
)
from nnlib.checks.optimizers import (
    check_adagrad,
    check_rmsprop,
    check_sgd_momentum,
)
from nnlib.checks.training import (
    SPIRAL_EPOCHS,
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
    "NOT_IMPLEMENTED",
    "PASSED",
    "SPIRAL_EPOCHS",
    "CheckFailure",
    "CheckResult",
    "check_adagrad",
    "check_dense_forward",
    "check_dense_regularization",
    "check_dropout",
    "check_relu_forward",
    "check_rmsprop",
    "check_sgd_momentum",
    "check_softmax_forward",
    "self_check",
    "fit_spiral_model",
]
