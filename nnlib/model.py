"""``Model``: the book's model object (chapters 18-22), plus a training history.

    model = Model()
    model.add(Dense(2, 64)); model.add(ReLU()); model.add(Dense(64, 3)); model.add(Softmax())
    model.set(loss=CategoricalCrossentropy(), optimizer=Adam(), accuracy=CategoricalAccuracy())
    model.finalize()
    history = model.train(X, y, epochs=100, batch_size=128, validation_data=(X_val, y_val))

X: (N, D); y: (N,) class indices, (N, C) one-hot, or (N, K) targets.
"""

import contextlib
import copy

import numpy as np

from nnlib.activations import ReLU, Softmax
from nnlib.diagnostics import TrainingDiagnostics
from nnlib.layers import Input
from nnlib.losses import CategoricalCrossentropy, SoftmaxCategoricalCrossentropy
from nnlib.serialization import load_object, save_object
from nnlib.validation import as_array, check_class_labels, check_positive_int


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite during ``Model.train``."""


class Model:
    """A sequence of layers and activations trained with a loss, an optimizer, an accuracy."""

    def __init__(self):
        self.layers = []
        self.loss = None
        self.optimizer = None
        self.accuracy = None
        self.softmax_classifier_output = None
        self.finalized = False

    def add(self, layer):
        """Append a layer or activation (anything with forward/backward)."""
        for method in ("forward", "backward"):
            if not callable(getattr(layer, method, None)):
                raise TypeError(
                    f"Model.add() expects a layer or activation with forward() and backward(), "
                    f"got {type(layer).__name__}."
                )
        self.layers.append(layer)
        self.finalized = False

    def set(self, *, loss=None, optimizer=None, accuracy=None):
        """Choose the loss, the optimizer and the accuracy (any of them, by keyword)."""
        if loss is not None:
            self.loss = loss
        if optimizer is not None:
            self.optimizer = optimizer
        if accuracy is not None:
            self.accuracy = accuracy
        self.finalized = False

    def finalize(self):
        """Link the layers, find the trainable ones, pick the fast softmax + CE backward."""
        if not self.layers:
            raise RuntimeError("Model.finalize(): add at least one layer first.")
        if self.loss is None:
            raise RuntimeError("Model.finalize(): set a loss first, e.g. model.set(loss=...).")
        self.input_layer = Input()
        previous = self.input_layer
        for layer in self.layers:
            layer.prev = previous
            previous.next = layer
            previous = layer
        self.layers[-1].next = self.loss
        self.output_layer_activation = self.layers[-1]
        self.trainable_layers = [layer for layer in self.layers if hasattr(layer, "weights")]
        self.loss.remember_trainable_layers(self.trainable_layers)
        if isinstance(self.layers[-1], Softmax) and isinstance(self.loss, CategoricalCrossentropy):
            self.softmax_classifier_output = SoftmaxCategoricalCrossentropy()
        else:
            self.softmax_classifier_output = None
        self.finalized = True

    def _require(self, *parts):
        if not self.finalized:
            raise RuntimeError("call model.finalize() after add() and set(), before training.")
        for part in parts:
            if getattr(self, part) is None:
                raise RuntimeError(f"set the model's {part} first: model.set({part}=...).")

    def forward(self, X, training):
        """X: (N, D) -> the last layer's output."""
        self.input_layer.forward(X, training)
        for layer in self.layers:
            layer.forward(layer.prev.output, training)
        return self.layers[-1].output

    def backward(self, output, y):
        """Backpropagate from the loss to every layer."""
        if self.softmax_classifier_output is not None:
            # The combined object never ran its own forward: the model's output is its output.
            self.softmax_classifier_output.output = output
            self.softmax_classifier_output.backward(output, y)
            self.layers[-1].dinputs = self.softmax_classifier_output.dinputs
            for layer in reversed(self.layers[:-1]):
                layer.backward(layer.next.dinputs)
            return
        self.loss.backward(output, y)
        for layer in reversed(self.layers):
            layer.backward(layer.next.dinputs)

    def train(
        self,
        X,
        y,
        *,
        epochs=1,
        batch_size=None,
        print_every=1,
        validation_data=None,
        shuffle=False,
        verbose=True,
        diagnostics=False,
    ):
        """Train; return the history: a dict of per-epoch lists, ready to plot.

        Keys: ``epoch``, ``loss``, ``data_loss``, ``regularization_loss``, ``accuracy``,
        ``learning_rate`` and, with ``validation_data=(X_val, y_val)``, ``val_loss`` and
        ``val_accuracy``. ``shuffle=True`` draws a new sample order every epoch from
        NumPy's global generator. Printing follows the book: without ``batch_size``, one
        line every ``print_every`` epochs; with it, each epoch's step lines every
        ``print_every`` steps, then the epoch's training and validation lines.

        ``diagnostics=True`` adds, per epoch (see ``nnlib.diagnostics``), ``grad_norm_i`` and
        ``update_ratio_i`` for the i-th trainable layer (1, 2, ...; of the epoch's last
        update) and ``dead_fraction_j`` for the j-th ``nnlib.ReLU`` (the fraction of its units
        that were 0 on every sample of the epoch). Without it nothing is measured.
        """
        self._require("optimizer", "accuracy")
        X, y = as_array(X, "X"), as_array(y, "y")
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}.")
        if len(X) == 0:
            raise ValueError("Model.train() needs at least one sample, got X with 0 samples.")
        epochs = check_positive_int(epochs, "epochs")
        print_every = check_positive_int(print_every, "print_every")
        self.accuracy.init(y)
        steps = _step_count(len(X), batch_size)
        tracker = None
        if diagnostics:
            relus = [layer for layer in self.layers if isinstance(layer, ReLU)]
            tracker = TrainingDiagnostics(self.trainable_layers, relus)
        history = _new_history(validation_data is not None, tracker)
        with self._first_layer_without_dinputs():
            for epoch in range(1, epochs + 1):
                if verbose and batch_size is not None:
                    print(f"epoch: {epoch}")
                self.loss.new_pass()
                self.accuracy.new_pass()
                order = np.random.permutation(len(X)) if shuffle else None
                for step in range(steps):
                    batch_X, batch_y = _batch(X, y, step, batch_size, order)
                    # Every label is checked before the first update, not batch by batch.
                    all_labels = y if epoch == 1 and step == 0 else None
                    stats = self._train_step(
                        batch_X, batch_y, epoch, step, all_labels, tracker, step == steps - 1
                    )
                    if (
                        verbose
                        and batch_size is not None
                        and (not step % print_every or step == steps - 1)
                    ):
                        print(f"step: {step}, {_format_stats(*stats, self._lr())}")
                data_loss, regularization_loss = self.loss.calculate_accumulated(
                    include_regularization=True
                )
                accuracy = self.accuracy.calculate_accumulated()
                epoch_stats = (
                    accuracy,
                    data_loss + regularization_loss,
                    data_loss,
                    regularization_loss,
                )
                _record(history, epoch, epoch_stats, self._lr())
                if tracker is not None:
                    for key, value in tracker.end_epoch().items():
                        history[key].append(value)
                show = verbose and (
                    batch_size is not None or not epoch % print_every or epoch == epochs
                )
                if show:
                    label = "training" if batch_size is not None else f"epoch: {epoch}"
                    print(f"{label}, {_format_stats(*epoch_stats, self._lr())}")
                if validation_data is not None:
                    val_loss, val_accuracy = self._evaluate(*validation_data, batch_size=batch_size)
                    history["val_loss"].append(float(val_loss))
                    history["val_accuracy"].append(float(val_accuracy))
                    if show:
                        print(f"validation, acc: {val_accuracy:.3f}, loss: {val_loss:.3f}")
        return history

    def _lr(self):
        return self.optimizer.current_learning_rate

    def _check_all_labels(self, y, output):
        """Check all of ``y`` against the model's output before training on any of it.

        A bad label in the last batch would otherwise raise only after the updates of every
        batch before it. Raises the losses' own errors; only class labels are checked here.
        """
        if not isinstance(self.loss, CategoricalCrossentropy) or np.ndim(output) != 2:
            return
        check_class_labels(y, (len(y), output.shape[1]))

    @contextlib.contextmanager
    def _first_layer_without_dinputs(self):
        """Let the first layer skip ``dinputs``: its inputs are the data, nothing uses it."""
        first = self.layers[0]
        if not hasattr(first, "compute_dinputs"):
            yield
            return
        previous = first.compute_dinputs
        first.compute_dinputs = False
        try:
            yield
        finally:
            first.compute_dinputs = previous

    def _train_step(
        self, batch_X, batch_y, epoch, step, all_labels=None, tracker=None, last_step=True
    ):
        """One forward, backward and update on a batch; returns its accuracy and losses.

        tracker: a ``TrainingDiagnostics`` to feed (None: nothing is measured); last_step:
        whether this is the epoch's last step, the one whose update the tracker sizes.
        """
        output = self.forward(batch_X, training=True)
        if tracker is not None:
            tracker.observe_activations()
        if all_labels is not None:
            self._check_all_labels(all_labels, output)
        data_loss, regularization_loss = self.loss.calculate(
            output, batch_y, include_regularization=True
        )
        loss = data_loss + regularization_loss
        if not np.isfinite(loss):
            raise TrainingDivergedError(
                f"the loss became {loss} at epoch {epoch}, step {step} (learning rate "
                f"{self._lr()}): training diverged. Try a smaller learning rate, e.g. "
                f"{self.optimizer.learning_rate / 10:g}, and check the inputs for NaN or inf."
            )
        predictions = self.output_layer_activation.predictions(output)
        accuracy = self.accuracy.calculate(predictions, batch_y)
        self.backward(output, batch_y)
        if tracker is not None and last_step:
            tracker.before_update()
        self.optimizer.pre_update_params()
        for layer in self.trainable_layers:
            self.optimizer.update_params(layer)
        self.optimizer.post_update_params()
        return accuracy, loss, data_loss, regularization_loss

    def evaluate(self, X_val, y_val, *, batch_size=None, verbose=True):
        """Loss and accuracy on data the model does not train on; returns both."""
        self._require("accuracy")
        loss, accuracy = self._evaluate(X_val, y_val, batch_size=batch_size)
        if verbose:
            print(f"validation, acc: {accuracy:.3f}, loss: {loss:.3f}")
        return loss, accuracy

    def _evaluate(self, X_val, y_val, *, batch_size=None):
        X_val, y_val = as_array(X_val, "X_val"), as_array(y_val, "y_val")
        if len(X_val) != len(y_val):
            raise ValueError(f"X_val has {len(X_val)} samples but y_val has {len(y_val)}.")
        steps = _step_count(len(X_val), batch_size)
        self.loss.new_pass()
        self.accuracy.new_pass()
        for step in range(steps):
            batch_X, batch_y = _batch(X_val, y_val, step, batch_size)
            output = self.forward(batch_X, training=False)
            self.loss.calculate(output, batch_y)
            predictions = self.output_layer_activation.predictions(output)
            self.accuracy.calculate(predictions, batch_y)
        return self.loss.calculate_accumulated(), self.accuracy.calculate_accumulated()

    def predict(self, X, *, batch_size=None):
        """X: (N, D) -> the last layer's outputs (N, C), e.g. class probabilities."""
        self._require()
        X = as_array(X, "X")
        if batch_size is not None:
            batch_size = check_positive_int(batch_size, "batch_size")
        outputs = [
            self.forward(X if batch_size is None else X[i : i + batch_size], training=False)
            for i in range(0, len(X), batch_size or max(len(X), 1))
        ]
        return np.vstack(outputs)

    def get_parameters(self):
        """``[(weights, biases), ...]``, one pair of copies per trainable layer."""
        self._require()
        return [layer.get_parameters() for layer in self.trainable_layers]

    def set_parameters(self, parameters):
        """Set every trainable layer's parameters from ``get_parameters()``'s list."""
        self._require()
        if len(parameters) != len(self.trainable_layers):
            raise ValueError(
                f"expected parameters for {len(self.trainable_layers)} trainable layers, "
                f"got {len(parameters)}."
            )
        for parameter_set, layer in zip(parameters, self.trainable_layers, strict=True):
            layer.set_parameters(*parameter_set)

    def save_parameters(self, path):
        """Save the parameters only (load them into a model of the same architecture)."""
        save_object(self.get_parameters(), path)

    def load_parameters(self, path):
        """Load parameters saved by ``save_parameters``."""
        self.set_parameters(load_object(path, list, "parameter list"))

    def save(self, path):
        """Save the whole model (layers, parameters, loss, optimizer state), atomically."""
        # A copy whose epoch totals are reset; each layer and loss leaves out the arrays of
        # its last pass when pickled (see nnlib.serialization.DropsPassArrays).
        model = copy.deepcopy(self)
        model.loss.new_pass()
        if model.accuracy is not None:
            model.accuracy.new_pass()
        save_object(model, path)

    @staticmethod
    def load(path):
        """Load a model saved by ``save``; a corrupt file raises ``ModelFileError``."""
        return load_object(path, Model, "model")


def _step_count(n_samples, batch_size):
    if batch_size is None:
        return 1
    batch_size = check_positive_int(batch_size, "batch_size")
    return max(1, -(-n_samples // batch_size))


def _batch(X, y, step, batch_size, order=None):
    if batch_size is None:
        return (X, y) if order is None else (X[order], y[order])
    rows = slice(step * batch_size, (step + 1) * batch_size)
    if order is None:
        return X[rows], y[rows]
    indices = order[rows]
    return X[indices], y[indices]


def _format_stats(accuracy, loss, data_loss, regularization_loss, learning_rate):
    return (
        f"acc: {accuracy:.3f}, loss: {loss:.3f} (data_loss: {data_loss:.3f}, "
        f"reg_loss: {regularization_loss:.3f}), lr: {learning_rate}"
    )


def _new_history(with_validation, tracker=None):
    keys = ["epoch", "loss", "data_loss", "regularization_loss", "accuracy", "learning_rate"]
    if with_validation:
        keys += ["val_loss", "val_accuracy"]
    if tracker is not None:
        keys += tracker.keys
    return {key: [] for key in keys}


def _record(history, epoch, stats, learning_rate):
    accuracy, loss, data_loss, regularization_loss = stats
    history["epoch"].append(epoch)
    history["loss"].append(float(loss))
    history["data_loss"].append(float(data_loss))
    history["regularization_loss"].append(float(regularization_loss))
    history["accuracy"].append(float(accuracy))
    history["learning_rate"].append(float(learning_rate))
