"""The book's spiral training loop (chapters 10-15), written once for everything that runs it.

Chapter 3 writes this loop out and explains it; the later chapters call ``train_spiral`` with
their own optimizer instead of pasting it again, and so do the exercises' self-checks
(``nnlib.checks.fit_spiral_model``), ``nnlib bench`` (the chapters' spiral run) and the
book-fidelity tests (with ``nnlib.book`` and with the plain reference,
``reference/book_style.py``). With ``nnfs.init()`` called first, each call prints exactly the
log of the book's script for the same settings::

    nnfs.init()
    run = train_spiral(Optimizer_Adam(learning_rate=0.05, decay=5e-7))
    run.history["loss"][-1], run.predict(points)

``spiral_curves`` is the same loop as a silent experiment for ``nnlib.experiments``: one seed,
a fresh optimizer, the curves logged every few epochs (optionally in mini-batches, and with
each layer's gradient norm, update ratio and dead units, see ``nnlib.diagnostics``).

The order of every operation below is the book's: the same random draws in the same order,
and the same float32 sums, so the printed numbers match the book's to the last digit.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from nnfs.datasets import spiral_data

import nnlib.book
from nnlib.diagnostics import TrainingDiagnostics
from nnlib.validation import check_positive_int

HISTORY_KEYS = ("loss", "data_loss", "regularization_loss", "accuracy", "learning_rate")
VALIDATION_KEYS = ("epoch", "train_accuracy", "train_loss", "val_accuracy", "val_loss")


@dataclass
class SpiralRun:
    """One training run: the data, the trained layers and what was measured along the way.

    ``history`` holds one value per epoch for each of ``HISTORY_KEYS``, measured on that epoch's
    forward pass, before its update: what the log line prints (``learning_rate`` is the rate
    printed, the one of the previous update). ``validation`` (only with validation data) holds
    one value per scored epoch for each of ``VALIDATION_KEYS``, measured with dropout off.
    ``diagnostics`` (only when asked) holds ``"epoch"`` and, for each diagnosed epoch, the
    keys of ``nnlib.diagnostics.TrainingDiagnostics``: ``grad_norm_1``, ``grad_norm_2``,
    ``update_ratio_1``, ``update_ratio_2`` (of the epoch's last update) and ``dead_fraction_1``
    (the hidden ReLU's units that were 0 on every sample of the epoch).
    """

    X: np.ndarray
    y: np.ndarray
    dense1: object
    activation1: object
    dropout1: object  # None without dropout
    dense2: object
    loss_activation: object
    optimizer: object
    history: dict = field(default_factory=lambda: {key: [] for key in HISTORY_KEYS})
    validation: dict | None = None
    diagnostics: dict | None = None

    def outputs(self, points):
        """The network's scores (M, classes) for points (M, 2), as at inference: no dropout.

        Dropout is the identity at inference, so it is skipped rather than called with
        ``training=False``: no random number is drawn, whatever dropout class the run uses.
        The layers keep this forward pass as their last one.
        """
        self.dense1.forward(points)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        return self.dense2.output

    def predict(self, points):
        """Predicted classes (M,) for points (M, 2): for decision-boundary plots."""
        return np.argmax(self.outputs(points), axis=1)

    def evaluate(self, X, y):
        """``(accuracy, data loss)`` of the network on (X, y), dropout off, as Python floats.

        Like ``outputs``, it leaves this forward pass in the layers and the loss.
        """
        loss = self.loss_activation.forward(self.outputs(X), y)
        accuracy = np.mean(np.argmax(self.loss_activation.output, axis=1) == y)
        return float(accuracy), float(loss)


def train_spiral(
    optimizer,
    *,
    epochs=10001,
    print_every=100,
    samples=100,
    classes=3,
    hidden=64,
    regularization=None,
    dropout_rate=0.0,
    layers=nnlib.book,
    seed=0,
    validation=None,
    validate_every=1,
    batch_size=None,
    diagnostics=False,
    diagnose_every=1,
):
    """Train the book's spiral network with ``optimizer``, printing the book's log; return a run.

    The network: Dense(2, hidden), ReLU, [Dropout], Dense(hidden, classes) with softmax and
    cross-entropy, on ``spiral_data(samples, classes)``, for ``epochs`` epochs.

    optimizer: any object with the book's ``pre_update_params``, ``update_params(layer)`` and
        ``post_update_params``, e.g. ``nnlib.book.Optimizer_SGD(decay=1e-3)``.
    print_every: print the book's log line at every epoch divisible by it (None: silent).
    regularization: keyword arguments of the first ``Layer_Dense``, e.g.
        ``{"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4}`` (the book regularizes
        only the first layer). When given, the log splits the loss, as in chapters 14-15.
    dropout_rate: the rate of a ``Layer_Dropout`` after the ReLU (0: no dropout layer).
    layers: where the classes come from, a module or any object with the attributes
        ``Layer_Dense``, ``Activation_ReLU``, ``Layer_Dropout`` and
        ``Activation_Softmax_Loss_CategoricalCrossentropy``.
    seed: NumPy's global seed, set first (None: left alone). After ``nnfs.init()``, seed 0
        makes every call start from the book's data and weights, as each book script does.
    validation: ``(X_val, y_val)``: every ``validate_every`` epochs, before that epoch's
        training step, score the network with dropout off on the training and the validation
        data (see ``SpiralRun.validation``). Scoring draws no random number, so the training
        run and its log stay exactly the same.
    batch_size: None (the book's full-batch descent: one update per epoch) or the size of
        mini-batches: each epoch draws a new order of the samples from NumPy's global
        generator (seeded by ``seed``) and makes one update per batch, so every gradient is
        a noisy estimate. ``history`` then holds the epoch's means over its batches (weighted
        by batch size) and the rate of the epoch's first update.
    diagnostics: record each layer's gradient norm, update ratio and fraction of dead ReLU
        units (``SpiralRun.diagnostics``) at every epoch divisible by ``diagnose_every`` and
        at the last epoch. Off by default: then nothing is measured and nothing changes.
    """
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    diagnose_every = check_positive_int(diagnose_every, "diagnose_every")
    if seed is not None:
        np.random.seed(seed)
    run = _build_run(optimizer, samples, classes, hidden, regularization, dropout_rate, layers)
    if validation is not None:
        run.validation = {key: [] for key in VALIDATION_KEYS}
    tracker = None
    if diagnostics:
        tracker = TrainingDiagnostics([run.dense1, run.dense2], [run.activation1])
        run.diagnostics = {key: [] for key in ("epoch", *tracker.keys)}
    for epoch in range(epochs):
        # Scoring comes first: the training forward pass then overwrites what it left in the
        # layers, so the backward pass sees only the training data.
        if validation is not None and not epoch % validate_every:
            _record_validation(run, epoch, *validation)
        diagnose = tracker is not None and (not epoch % diagnose_every or epoch == epochs - 1)
        learning_rate = optimizer.current_learning_rate
        data_loss, regularization_loss, accuracy = _train_epoch(
            run, _batches(run, batch_size), tracker if diagnose else None
        )
        loss = data_loss + regularization_loss
        values = (loss, data_loss, regularization_loss, accuracy, learning_rate)
        for key, value in zip(HISTORY_KEYS, values, strict=True):
            run.history[key].append(float(value))
        if print_every and not epoch % print_every:
            print(_log_line(epoch, *values, split_loss=bool(regularization)))
        if diagnose:
            run.diagnostics["epoch"].append(epoch)
            for key, value in tracker.end_epoch().items():
                run.diagnostics[key].append(value)
    return run


def spiral_curves(
    seed,
    optimizer,
    *,
    epochs,
    log_every,
    hidden=64,
    samples=100,
    classes=3,
    batch_size=None,
    diagnostics=False,
    **network,
):
    """One silent spiral run for ``nnlib.experiments.run_over_seeds``: a dict of curves.

    seed: NumPy's global seed (the data, the weights, the mini-batch orders, dropout).
    optimizer: a zero-argument factory such as ``lambda: Adam(learning_rate=0.02)`` (each call
        makes a fresh optimizer, so every seed starts from scratch), or an optimizer that has
        not made any update yet.
    epochs, log_every: train ``epochs`` epochs; log the epochs divisible by ``log_every`` and
        the last one. hidden, samples, classes, batch_size: as in ``train_spiral``.
    diagnostics: also return each layer's gradient norm, update ratio and dead-unit fraction.
    network: ``train_spiral``'s other options: ``regularization``, ``dropout_rate``, ``layers``.
    Returns ``{"epoch", "loss", "acc", "lr"}`` (plus ``grad_norm_1``, ``grad_norm_2``,
    ``update_ratio_1``, ``update_ratio_2``, ``dead_fraction_1`` with diagnostics), lists of
    one length: the logged epochs, the loss (with any regularization) and the accuracy
    measured on that epoch's training pass, before its update, and the rate it used.
    """
    epochs = check_positive_int(epochs, "epochs")
    log_every = check_positive_int(log_every, "log_every")
    run = train_spiral(
        _fresh_optimizer(optimizer),
        epochs=epochs,
        print_every=None,
        samples=samples,
        classes=classes,
        hidden=hidden,
        seed=seed,
        batch_size=batch_size,
        diagnostics=diagnostics,
        diagnose_every=log_every,
        **network,
    )
    logged = [epoch for epoch in range(epochs) if not epoch % log_every or epoch == epochs - 1]
    curves = {
        "epoch": logged,
        "loss": [run.history["loss"][epoch] for epoch in logged],
        "acc": [run.history["accuracy"][epoch] for epoch in logged],
        "lr": [run.history["learning_rate"][epoch] for epoch in logged],
    }
    if diagnostics:
        curves.update({key: values for key, values in run.diagnostics.items() if key != "epoch"})
    return curves


def _fresh_optimizer(optimizer):
    """An optimizer that has made no update: ``optimizer`` itself, or what the factory makes.

    A class (``SGD``) is a factory too: it has ``update_params``, but only as a function.
    """
    if isinstance(optimizer, type) or not hasattr(optimizer, "update_params"):
        if not callable(optimizer):
            raise TypeError(
                f"optimizer must be an optimizer or a zero-argument factory such as "
                f"lambda: Adam(learning_rate=0.02), got {optimizer!r}."
            )
        made = optimizer()
        if not hasattr(made, "update_params"):
            raise TypeError(f"the optimizer factory must return an optimizer, got {made!r}.")
        return made
    if getattr(optimizer, "iterations", 0):
        raise ValueError(
            f"this optimizer has already made {optimizer.iterations} updates; pass a factory "
            f"instead (e.g. lambda: Adam(learning_rate=0.02)) so that every seed starts fresh."
        )
    return optimizer


def _build_run(optimizer, samples, classes, hidden, regularization, dropout_rate, layers):
    """The data and the layers, drawn in the book's order: data, dense1's weights, dense2's."""
    X, y = spiral_data(samples=samples, classes=classes)
    return SpiralRun(
        X=X,
        y=y,
        dense1=layers.Layer_Dense(2, hidden, **(regularization or {})),
        activation1=layers.Activation_ReLU(),
        dropout1=layers.Layer_Dropout(dropout_rate) if dropout_rate else None,
        dense2=layers.Layer_Dense(hidden, classes),
        loss_activation=layers.Activation_Softmax_Loss_CategoricalCrossentropy(),
        optimizer=optimizer,
    )


def _batches(run, batch_size):
    """The epoch's batches of ``(X, y)``: all the data at once, or shuffled mini-batches."""
    if batch_size is None:
        return [(run.X, run.y)]
    order = np.random.permutation(len(run.X))
    return [
        (run.X[order[start : start + batch_size]], run.y[order[start : start + batch_size]])
        for start in range(0, len(order), batch_size)
    ]


def _train_epoch(run, batches, tracker=None):
    """One update per batch; returns ``(data_loss, regularization_loss, accuracy)``.

    With one batch these are that training pass's values, unchanged (the book's numbers);
    with several, their means over the batches weighted by batch size. tracker: a
    ``TrainingDiagnostics`` to feed (None: nothing is measured).
    """
    measured = []
    for index, (X, y) in enumerate(batches):
        measured.append(_forward(run, X, y))
        if tracker is not None:
            tracker.observe_activations()
        _backward(run, y)
        if tracker is not None and index == len(batches) - 1:
            tracker.before_update()
        _update(run)
    if len(batches) == 1:
        return measured[0]
    sizes = [len(y) for _, y in batches]
    return tuple(
        math.fsum(size * float(values[part]) for size, values in zip(sizes, measured, strict=True))
        / sum(sizes)
        for part in range(3)
    )


def _forward(run, X, y):
    """The training forward pass; returns ``(data_loss, regularization_loss, accuracy)``."""
    run.dense1.forward(X)
    run.activation1.forward(run.dense1.output)
    hidden_output = run.activation1.output
    if run.dropout1 is not None:
        run.dropout1.forward(hidden_output)
        hidden_output = run.dropout1.output
    run.dense2.forward(hidden_output)
    data_loss = run.loss_activation.forward(run.dense2.output, y)
    # The book's sum, layer by layer: another order could round the float32 sum differently.
    penalty = run.loss_activation.loss.regularization_loss
    regularization_loss = penalty(run.dense1) + penalty(run.dense2)
    predictions = np.argmax(run.loss_activation.output, axis=1)
    accuracy = np.mean(predictions == y)
    return data_loss, regularization_loss, accuracy


def _backward(run, y):
    """The backward pass, from the loss back to the first layer."""
    run.loss_activation.backward(run.loss_activation.output, y)
    run.dense2.backward(run.loss_activation.dinputs)
    gradient = run.dense2.dinputs
    if run.dropout1 is not None:
        run.dropout1.backward(gradient)
        gradient = run.dropout1.dinputs
    run.activation1.backward(gradient)
    run.dense1.backward(run.activation1.dinputs)


def _update(run):
    """One optimizer step: the decayed rate first, then each layer, then count the update."""
    run.optimizer.pre_update_params()
    run.optimizer.update_params(run.dense1)
    run.optimizer.update_params(run.dense2)
    run.optimizer.post_update_params()


def _record_validation(run, epoch, X_val, y_val):
    """Score the network, dropout off, on the training and the validation data."""
    train_accuracy, train_loss = run.evaluate(run.X, run.y)
    val_accuracy, val_loss = run.evaluate(X_val, y_val)
    values = (epoch, train_accuracy, train_loss, val_accuracy, val_loss)
    for key, value in zip(VALIDATION_KEYS, values, strict=True):
        run.validation[key].append(value)


def _log_line(epoch, loss, data_loss, regularization_loss, accuracy, learning_rate, split_loss):
    """The book's log line; chapters 14-15 add the data and regularization parts of the loss."""
    loss_text = f"loss: {loss:.3f}"
    if split_loss:
        loss_text += f" (data_loss: {data_loss:.3f}, reg_loss: {regularization_loss:.3f})"
    return f"epoch: {epoch}, acc: {accuracy:.3f}, {loss_text}, lr: {learning_rate}"
