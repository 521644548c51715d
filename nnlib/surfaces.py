"""Toy 2-D loss surfaces, to watch nnlib's optimizers move where you can see them.

    surface = Quadratic()                   # 0.5 * (w1**2 + 20 * w2**2): a long, narrow valley
    path = run_optimizer(SGD(learning_rate=0.09), surface, start=(-4.0, 1.0), steps=50)
    plot_surface_paths(surface.loss, {"SGD": path}, xlim=(-4.5, 0.5), ylim=(-1.5, 1.5))

The two coordinates (w1, w2) are wrapped as a layer-like ``SurfacePoint`` with ``weights``
(1, 2) and empty ``biases`` (1, 0), so a path comes from the same ``pre_update_params`` /
``update_params`` / ``post_update_params`` calls that train a network, and the optimizer's
state (``weight_momentums``, ``weight_cache``) can be read on the point after every step.
"""

import numpy as np

from nnlib.validation import check_positive_int


class Quadratic:
    """``L(w) = 0.5 * (w - minimum) H (w - minimum)^T`` for a symmetric positive-definite H.

    hessian H: (2, 2), the curvature; its eigenvalues are the curvatures along the valley's
    axes, and their ratio (``condition_number``) says how much steeper the walls are than the
    floor. The default diag(1, 20) is a valley along w1, 20 times steeper across it (w2).
    minimum: (2,), where the loss is 0.
    """

    def __init__(self, hessian=((1.0, 0.0), (0.0, 20.0)), minimum=(0.0, 0.0)):
        hessian = np.array(hessian, dtype=np.float64)
        minimum = np.array(minimum, dtype=np.float64)
        if hessian.shape != (2, 2) or not np.array_equal(hessian, hessian.T):
            raise ValueError(f"hessian must be a symmetric 2x2 matrix, got {hessian.tolist()}.")
        if np.linalg.eigvalsh(hessian)[0] <= 0:
            raise ValueError(
                f"hessian must be positive definite (a bowl with one minimum), got "
                f"{hessian.tolist()} with eigenvalues {np.linalg.eigvalsh(hessian).tolist()}."
            )
        if minimum.shape != (2,):
            raise ValueError(f"minimum must be 2 numbers (w1, w2), got shape {minimum.shape}.")
        self.hessian = hessian
        self.minimum = minimum

    @property
    def condition_number(self):
        """Largest over smallest curvature: 1 for a round bowl, large for a narrow valley."""
        low, high = np.linalg.eigvalsh(self.hessian)
        return float(high / low)

    def loss(self, w1, w2):
        """w1, w2: arrays of one shape (e.g. from ``np.meshgrid``) -> losses of that shape."""
        d1 = np.asarray(w1, dtype=np.float64) - self.minimum[0]
        d2 = np.asarray(w2, dtype=np.float64) - self.minimum[1]
        (h11, h12), (_, h22) = self.hessian
        return 0.5 * (h11 * d1**2 + 2 * h12 * d1 * d2 + h22 * d2**2)

    def gradient(self, points):
        """points: (..., 2) rows of (w1, w2) -> dL/dw: (..., 2), that is ``(w - minimum) H``."""
        # The @ operator, not np.dot: nnfs.init() replaces np.dot with a float32 version.
        return (np.asarray(points, dtype=np.float64) - self.minimum) @ self.hessian


class SurfacePoint:
    """A point (w1, w2) dressed as a layer, so that any nnlib optimizer can move it.

    weights: (1, 2) = [[w1, w2]]; biases: (1, 0), empty, so bias updates change nothing;
    dweights (1, 2) and dbiases (1, 0): the gradient, set before each update.
    """

    def __init__(self, start):
        self.weights = np.array(start, dtype=np.float64).reshape(1, 2)
        self.biases = np.zeros((1, 0), dtype=np.float64)
        self.dweights = None
        self.dbiases = np.zeros((1, 0), dtype=np.float64)


def run_optimizer(optimizer, surface, start, steps, on_step=None):
    """Take ``steps`` optimizer steps on ``surface`` from ``start``; return the path.

    optimizer: a fresh nnlib optimizer (or any object with the book's three methods).
    surface: anything with ``gradient(points: (..., 2)) -> (..., 2)``, e.g. ``Quadratic()``.
    start: (w1, w2). on_step: optional ``on_step(optimizer, point)``, called after every step
    with the ``SurfacePoint``, e.g. to record ``point.weight_cache``.
    Returns path: (steps + 1, 2), the start and then the point after each step.
    """
    steps = check_positive_int(steps, "steps")
    point = SurfacePoint(start)
    path = np.empty((steps + 1, 2))
    path[0] = point.weights[0]
    for step in range(1, steps + 1):
        point.dweights = surface.gradient(point.weights)
        optimizer.pre_update_params()
        optimizer.update_params(point)
        optimizer.post_update_params()
        path[step] = point.weights[0]
        if on_step is not None:
            on_step(optimizer, point)
    return path
