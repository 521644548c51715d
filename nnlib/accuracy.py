"""Accuracy metrics for ``Model``: ``CategoricalAccuracy`` and ``RegressionAccuracy``.

``calculate(predictions, y)`` returns the batch's accuracy and accumulates it so that
``calculate_accumulated()`` gives the accuracy over an epoch.
"""

import numpy as np

from nnlib.validation import as_array


class Accuracy:
    """Base: the mean of ``compare(predictions, y)``, accumulated over batches."""

    def __init__(self):
        self.new_pass()

    def init(self, y, reinit=False):
        """Prepare from the training targets (only regression accuracy needs this)."""

    def compare(self, predictions, y):
        raise NotImplementedError

    def calculate(self, predictions, y):
        """Fraction of predictions counted as correct in this batch."""
        comparisons = self.compare(predictions, as_array(y, "y"))
        accuracy = np.mean(comparisons)
        self.accumulated_sum += np.sum(comparisons)
        self.accumulated_count += comparisons.size
        return accuracy

    def calculate_accumulated(self):
        """Accuracy over every batch since ``new_pass()``."""
        if self.accumulated_count == 0:
            raise RuntimeError("calculate_accumulated() needs at least one calculate() first.")
        return self.accumulated_sum / self.accumulated_count

    def new_pass(self):
        self.accumulated_sum = 0
        self.accumulated_count = 0


class CategoricalAccuracy(Accuracy):
    """predictions: (N,) class indices; y: (N,) sparse or (N, C) one-hot.

    With ``binary=True``, predictions and y are (N, K) arrays of 0/1 compared element-wise.
    """

    def __init__(self, *, binary=False):
        self.binary = binary
        super().__init__()

    def compare(self, predictions, y):
        if not self.binary and y.ndim == 2:
            y = np.argmax(y, axis=1)
        if np.shape(predictions) != y.shape:
            raise ValueError(
                f"predictions have shape {np.shape(predictions)} but the targets have shape "
                f"{y.shape}."
            )
        return predictions == y


class RegressionAccuracy(Accuracy):
    """A prediction counts as correct within ``precision = std(y) / 250`` of the target."""

    def __init__(self):
        self.precision = None
        super().__init__()

    def init(self, y, reinit=False):
        if self.precision is None or reinit:
            self.precision = np.std(y) / 250

    def compare(self, predictions, y):
        if self.precision is None:
            raise RuntimeError("RegressionAccuracy.init(y) must be called before compare().")
        return np.absolute(predictions - y) < self.precision
