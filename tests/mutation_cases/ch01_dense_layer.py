"""One-change mistakes in chapter 1's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "dense-transposed-weights",
        "01_dense_layer",
        "1.1",
        "np.random.randn(n_inputs, n_neurons)",
        "np.random.randn(n_neurons, n_inputs)",
    ),
    Mutation(
        "dense-no-biases",
        "01_dense_layer",
        "1.1",
        "np.dot(inputs, self.weights) + self.biases",
        "np.dot(inputs, self.weights)",
    ),
    Mutation(
        "relu-np-max",
        "01_dense_layer",
        "1.2",
        "np.maximum(0, inputs)",
        "np.max(0, inputs)",
    ),
    Mutation(
        "relu-in-place",
        "01_dense_layer",
        "1.2",
        "self.output = np.maximum(0, inputs)",
        "self.output = np.maximum(0, inputs, out=inputs)",
    ),
    Mutation(
        "softmax-without-max",
        "01_dense_layer",
        "1.3",
        "np.exp(inputs - np.max(inputs, axis=1, keepdims=True))",
        "np.exp(inputs)",
    ),
    Mutation(
        "softmax-whole-batch-sum",
        "01_dense_layer",
        "1.3",
        "exp_values / np.sum(exp_values, axis=1, keepdims=True)",
        "exp_values / np.sum(exp_values)",
    ),
    Mutation(
        "prediction-three-classes",
        "01_dense_layer",
        "1.4",
        "predicted_untrained_loss = 2.30",
        "predicted_untrained_loss = 1.10",
    ),
    Mutation(
        "prediction-log10",
        "01_dense_layer",
        "1.4",
        "predicted_worst_loss = 16.1",
        "predicted_worst_loss = 7.0",
    ),
    Mutation(
        "crossentropy-one-over-n-left-out",
        "01_dense_layer",
        "1.5",
        "np.mean(sample_losses)",
        "np.sum(sample_losses)",
    ),
    Mutation(
        "crossentropy-without-clipping",
        "01_dense_layer",
        "1.5",
        " clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)",
        " clipped = y_pred",
    ),
    Mutation(
        "crossentropy-every-row-every-label",
        "01_dense_layer",
        "1.5",
        "clipped[np.arange(len(clipped)), y_true]",
        "clipped[:, y_true]",
    ),
    Mutation(
        "log-softmax-without-shift",
        "01_dense_layer",
        "1.6",
        "shifted = scores - np.max(scores, axis=1, keepdims=True)",
        "shifted = scores",
    ),
    Mutation(
        "log-softmax-sum-without-keepdims",
        "01_dense_layer",
        "1.6",
        "np.sum(np.exp(shifted), axis=1, keepdims=True)",
        "np.sum(np.exp(shifted), axis=1)",
    ),
)
