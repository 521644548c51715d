"""What happens inside a network while it trains: gradient norms, update sizes, dead ReLUs.

Three numbers per layer, the ones to look at when a loss curve stalls or explodes:

- the gradient norm ``‖∂L/∂W‖`` of a dense layer's weights (Frobenius norm);
- the update-to-weight ratio ``‖ΔW‖ / ‖W‖`` of its last update, ΔW = W after - W before;
  around 1e-3 is the usual healthy range; much larger and the weights are thrown around,
  much smaller and the layer barely learns;
- the fraction of dead units of a ReLU: units whose output is 0 for every sample seen (all
  the epoch's batches). Such a unit passes no gradient back, so nothing revives it.

``Model.train(..., diagnostics=True)`` and ``train_spiral(..., diagnostics=True)`` record them
per epoch through :class:`TrainingDiagnostics`; without the option nothing is computed.
"""

import numpy as np


def gradient_norm(layer):
    """``‖∂L/∂W‖``: the Frobenius norm of ``layer.dweights`` (D, H), as a float."""
    if getattr(layer, "dweights", None) is None:
        raise ValueError(
            f"{type(layer).__name__} has no dweights: run a backward pass before measuring "
            f"its gradient norm."
        )
    return float(np.linalg.norm(layer.dweights))


def update_ratio(weights_before, weights_after):
    """``‖W_after - W_before‖ / ‖W_before‖`` for two arrays of one shape, as a float.

    The size of one update relative to the weights it changes (inf when W_before is all 0).
    """
    weights_before = np.asarray(weights_before, dtype=np.float64)
    weights_after = np.asarray(weights_after, dtype=np.float64)
    if weights_before.shape != weights_after.shape:
        raise ValueError(
            f"weights before and after the update must have one shape, got "
            f"{weights_before.shape} and {weights_after.shape}."
        )
    before = np.linalg.norm(weights_before)
    change = np.linalg.norm(weights_after - weights_before)
    return float(change / before) if before else float("inf")


def alive_units(relu_output):
    """relu_output: (N, H) -> (H,) booleans, True for the units positive on some sample."""
    relu_output = np.asarray(relu_output)
    if relu_output.ndim != 2:
        raise ValueError(f"a ReLU's output must have shape (N, H), got shape {relu_output.shape}.")
    return np.any(relu_output > 0, axis=0)


def dead_fraction(relu_output):
    """relu_output: (N, H) -> the fraction of the H units that are 0 on all N samples."""
    return float(np.mean(~alive_units(relu_output)))


class TrainingDiagnostics:
    """Records, once per epoch, every dense layer's gradient norm and update ratio and every
    ReLU's fraction of dead units.

    dense_layers: layers with ``weights`` and, after backward, ``dweights``, numbered 1, 2, ...
    relu_layers: ReLU activations (their ``output`` is read), numbered 1, 2, ...
    ``history`` holds one list per key of ``keys``: ``grad_norm_i`` and ``update_ratio_i``
    for dense layer i (of the epoch's last update), ``dead_fraction_j`` for ReLU j (over all
    the samples of the epoch).

    Per training step: ``observe_activations()`` after the forward pass; on the epoch's last
    step ``before_update()`` just before the optimizer's update; then ``end_epoch()``.
    """

    def __init__(self, dense_layers, relu_layers):
        self.dense_layers = list(dense_layers)
        self.relu_layers = list(relu_layers)
        self.keys = (
            [f"grad_norm_{i}" for i in range(1, len(self.dense_layers) + 1)]
            + [f"update_ratio_{i}" for i in range(1, len(self.dense_layers) + 1)]
            + [f"dead_fraction_{j}" for j in range(1, len(self.relu_layers) + 1)]
        )
        self.history = {key: [] for key in self.keys}
        self._alive = None
        self._weights_before = None

    def observe_activations(self):
        """Note which units of each ReLU were positive on this step's batch."""
        alive = [alive_units(relu.output) for relu in self.relu_layers]
        if self._alive is None:
            self._alive = alive
        else:
            self._alive = [seen | now for seen, now in zip(self._alive, alive, strict=True)]

    def before_update(self):
        """Copy the weights the coming update will change (for the update ratio)."""
        self._weights_before = [layer.weights.copy() for layer in self.dense_layers]

    def end_epoch(self):
        """Append this epoch's values to ``history`` and return them as a dict."""
        if self._weights_before is None or self._alive is None:
            raise RuntimeError(
                "end_epoch() needs observe_activations() after a forward pass and "
                "before_update() before the update, in that epoch."
            )
        values = {}
        for i, layer in enumerate(self.dense_layers, start=1):
            values[f"grad_norm_{i}"] = gradient_norm(layer)
        for i, (layer, before) in enumerate(
            zip(self.dense_layers, self._weights_before, strict=True), start=1
        ):
            values[f"update_ratio_{i}"] = update_ratio(before, layer.weights)
        for j, alive in enumerate(self._alive, start=1):
            values[f"dead_fraction_{j}"] = float(np.mean(~alive))
        for key in self.keys:
            self.history[key].append(values[key])
        self._alive = None
        self._weights_before = None
        return values
