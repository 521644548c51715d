"""The baseline a learner starts from: the book's chapter code, written the book's way.

Plain classes with ``np.dot``, no in-place arithmetic, every gradient computed (the first
layer's ``dinputs`` too), the book's Adam, no flushing of subnormal numbers: the speed of
the code as the chapters build it. Only the dtype follows the benchmark: the weights come in
as float32 (the book's ``Layer_Dense`` without ``nnfs.init()`` would make float64 ones).
The names are the book's, hence not PEP 8.
"""

import numpy as np


class Layer_Dense:
    """``output = inputs @ weights + biases``; weights (D, M), biases (1, M)."""

    def __init__(self, weights, biases):
        self.weights = weights
        self.biases = biases

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Softmax_Loss_CategoricalCrossentropy:
    """Softmax and categorical cross-entropy with the combined backward (chapter 9)."""

    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        correct_confidences = clipped[range(len(clipped)), y_true]
        return np.mean(-np.log(correct_confidences))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Optimizer_Adam:
    def __init__(self, learning_rate, decay, epsilon, beta_1, beta_2):
        self.learning_rate = learning_rate
        self.current_learning_rate = learning_rate
        self.decay = decay
        self.iterations = 0
        self.epsilon = epsilon
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (
                1.0 / (1.0 + self.decay * self.iterations)
            )

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
            layer.bias_cache = np.zeros_like(layer.biases)
        beta_1, beta_2, step = self.beta_1, self.beta_2, self.iterations + 1
        layer.weight_momentums = beta_1 * layer.weight_momentums + (1 - beta_1) * layer.dweights
        layer.bias_momentums = beta_1 * layer.bias_momentums + (1 - beta_1) * layer.dbiases
        weight_momentums_corrected = layer.weight_momentums / (1 - beta_1**step)
        bias_momentums_corrected = layer.bias_momentums / (1 - beta_1**step)
        layer.weight_cache = beta_2 * layer.weight_cache + (1 - beta_2) * layer.dweights**2
        layer.bias_cache = beta_2 * layer.bias_cache + (1 - beta_2) * layer.dbiases**2
        weight_cache_corrected = layer.weight_cache / (1 - beta_2**step)
        bias_cache_corrected = layer.bias_cache / (1 - beta_2**step)
        layer.weights += (
            -self.current_learning_rate
            * weight_momentums_corrected
            / (np.sqrt(weight_cache_corrected) + self.epsilon)
        )
        layer.biases += (
            -self.current_learning_rate
            * bias_momentums_corrected
            / (np.sqrt(bias_cache_corrected) + self.epsilon)
        )

    def post_update_params(self):
        self.iterations += 1


class Network:
    """The chapter's objects for Dense-ReLU-...-Dense with softmax cross-entropy.

    ``parameters``: ``[(weights, biases), ...]`` per layer (used in place, not copied).
    """

    def __init__(self, parameters, optimizer):
        self.dense_layers = [Layer_Dense(weights, biases) for weights, biases in parameters]
        self.activations = [Activation_ReLU() for _ in self.dense_layers[:-1]]
        self.loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
        self.optimizer = optimizer

    def scores(self, X):
        """X: (N, D) -> the last Dense layer's output (N, C)."""
        inputs = X
        for dense, activation in zip(self.dense_layers[:-1], self.activations, strict=True):
            dense.forward(inputs)
            activation.forward(dense.output)
            inputs = activation.output
        self.dense_layers[-1].forward(inputs)
        return self.dense_layers[-1].output

    def train_step(self, X, y):
        """One batch: forward, loss and accuracy, backward, update (chapter 19's loop body)."""
        loss = self.loss_activation.forward(self.scores(X), y)
        predictions = np.argmax(self.loss_activation.output, axis=1)
        accuracy = np.mean(predictions == y)
        self.loss_activation.backward(self.loss_activation.output, y)
        dvalues = self.loss_activation.dinputs
        for dense, activation in zip(
            reversed(self.dense_layers), [*reversed(self.activations), None], strict=True
        ):
            dense.backward(dvalues)
            if activation is not None:
                activation.backward(dense.dinputs)
                dvalues = activation.dinputs
        self.optimizer.pre_update_params()
        for dense in self.dense_layers:
            self.optimizer.update_params(dense)
        self.optimizer.post_update_params()
        return loss, accuracy
