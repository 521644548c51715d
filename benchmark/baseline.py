"""The baseline a learner starts from: the book's chapter classes
(:mod:`reference.book_style`) wired into a network, every gradient computed (the first
layer's ``dinputs`` too).

Only the dtype follows the benchmark: the weights come in as float32 (the book's
``Layer_Dense`` without ``nnfs.init()`` would make float64 ones).
"""

import numpy as np

from reference.book_style import (
    Activation_ReLU,
    Activation_Softmax_Loss_CategoricalCrossentropy,
    Layer_Dense,
    Optimizer_Adam,
)

__all__ = ["Network", "Optimizer_Adam"]


class Network:
    """The chapter's objects for Dense-ReLU-...-Dense with softmax cross-entropy.

    ``parameters``: ``[(weights, biases), ...]`` per layer (used in place, not copied).
    """

    def __init__(self, parameters, optimizer):
        self.dense_layers = [_dense_with(weights, biases) for weights, biases in parameters]
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


def _dense_with(weights, biases):
    """The book's ``Layer_Dense`` holding the given parameters (D, M) and (1, M)."""
    layer = Layer_Dense(*weights.shape)
    layer.weights, layer.biases = weights, biases
    return layer
