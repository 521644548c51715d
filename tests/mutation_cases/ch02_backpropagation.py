"""One-change mistakes in chapter 2's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "gradient-check-of-the-summed-loss",
        "02_backpropagation",
        "2.1",
        "return np.mean(loss.forward(y_pred, y_true))",
        "return np.sum(loss.forward(y_pred, y_true))",
    ),
    Mutation(
        "gradient-check-perturbs-a-copy",
        "02_backpropagation",
        "2.1",
        "numerical_gradient(mean_loss, y_pred)",
        "numerical_gradient(mean_loss, y_pred.copy())",
    ),
    Mutation(
        "gradient-check-absolute-error",
        "02_backpropagation",
        "2.1",
        "return relative_error(analytic, numeric)",
        "return np.max(np.abs(analytic - numeric))",
    ),
    Mutation(
        "dbiases-not-2d",
        "02_backpropagation",
        "2.2",
        "np.sum(dvalues, axis=0, keepdims=True)",
        "np.sum(dvalues, axis=0, keepdims=0)",
    ),
    Mutation(
        "dense-weights-averaged-over-samples",
        "02_backpropagation",
        "2.2",
        "self.dweights = np.dot(self.inputs.T, dvalues)",
        "self.dweights = np.dot(self.inputs.T, dvalues) / len(dvalues)",
    ),
    Mutation(
        "sigmoid-bce-without-mean-over-outputs",
        "02_backpropagation",
        "2.3",
        "(dvalues - y_true) / (samples * outputs)",
        "(dvalues - y_true) / samples",
    ),
    Mutation(
        "sigmoid-bce-gradient-sign",
        "02_backpropagation",
        "2.3",
        "self.dinputs = (dvalues - y_true)",
        "self.dinputs = (y_true - dvalues)",
    ),
    Mutation(
        "mse-planted-bug-left-in",
        "02_backpropagation",
        "2.4",
        "/ outputs / samples",
        "/ outputs",
    ),
    Mutation(
        "mse-gradient-sign",
        "02_backpropagation",
        "2.4",
        "self.dinputs = -2 * (y_true - dvalues) / outputs / samples",
        "self.dinputs = 2 * (y_true - dvalues) / outputs / samples",
    ),
)
