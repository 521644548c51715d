"""Toy 2-D loss surfaces, to watch nnlib's optimizers move where you can see them.

    surface = Quadratic()                   # 0.5 * (w1**2 + 20 * w2**2): a long, narrow valley
    path = run_optimizer(SGD(learning_rate=0.09), surface, start=VALLEY_START, steps=50)
    plot_surface_paths(surface.loss, {"SGD": path}, xlim=VALLEY_XLIM, ylim=VALLEY_YLIM)
    plain_descent_regime(surface, 0.09)     # "zig-zag": 1 - 0.09 * 20 = -0.8 across the valley

    plot_setting(surface, SGD, {"learning_rate": 0.09, "momentum": 0.5},
                 start=VALLEY_START, steps=50)                 # the figure a notebook stores
    explore(surface, SGD, {"learning_rate": (0.005, 0.12, 0.09, 0.005),
                           "momentum": (0.0, 0.95, 0.0, 0.05)},
            start=VALLEY_START, steps=50)                      # the same figure, with sliders

The two coordinates (w1, w2) are wrapped as a layer-like ``SurfacePoint`` with ``weights``
(1, 2) and empty ``biases`` (1, 0), so a path comes from the same ``pre_update_params`` /
``update_params`` / ``post_update_params`` calls that train a network (``descend``), and the
optimizer's state (``weight_momentums``, ``weight_cache``) can be read on the point after
every step.
"""

import io

import numpy as np

from nnlib.validation import check_number, check_positive_int

# The chapters' valley: Quadratic() from this start, drawn in these limits.
VALLEY_START = (-4.0, 1.0)
VALLEY_XLIM = (-4.5, 1.5)
VALLEY_YLIM = (-1.5, 1.5)

# The course's symbols for the optimizers' settings (notebooks/00_notation.ipynb).
SYMBOLS = {
    "learning_rate": "η",
    "momentum": "μ",
    "rho": "ρ",
    "beta_1": "β₁",
    "beta_2": "β₂",
    "epsilon": "ε",
    "decay": "decay",
}


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
        descend(optimizer, point)
        path[step] = point.weights[0]
        if on_step is not None:
            on_step(optimizer, point)
    return path


def descend(optimizer, layers):
    """One update of every layer, in the book's order (what one training step does).

    layers: a layer (e.g. a ``SurfacePoint``) or a list of them, each with its gradients
    (``dweights``, ``dbiases``) already set. The decayed rate is computed once, then each
    layer is updated, then the update is counted (``optimizer.iterations += 1``).
    """
    if not isinstance(layers, list | tuple):
        layers = [layers]
    optimizer.pre_update_params()
    for layer in layers:
        optimizer.update_params(layer)
    optimizer.post_update_params()


def run_optimizers(optimizers, surface, start, steps):
    """``run_optimizer`` for each of a dict ``label -> fresh optimizer``: ``label -> path``."""
    return {
        label: run_optimizer(optimizer, surface, start, steps)
        for label, optimizer in optimizers.items()
    }


def plain_descent_factors(surface, learning_rate):
    """What one plain gradient-descent step does to the distance from the minimum.

    On a quadratic, w - minimum along each axis of the valley (an eigenvector of H, with
    curvature λ) is multiplied by 1 - η λ at every step. Returns those factors, (2,), for the
    gentlest axis first. A factor in [0, 1) shrinks smoothly; in (-1, 0) the point jumps to
    the other side each step, closer every time (a zig-zag); below -1 it jumps further out
    every time (divergence). So η < 1 / λ_max is smooth, 1 / λ_max < η < 2 / λ_max
    zig-zags, and η > 2 / λ_max diverges; for Quadratic() (λ = 1, 20): 0.05 and 0.1.
    """
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_open=True)
    return 1.0 - learning_rate * np.linalg.eigvalsh(surface.hessian)


def plain_descent_regime(surface, learning_rate):
    """``"smooth"``, ``"zig-zag"``, ``"oscillates"`` (a factor of exactly -1: the point
    bounces between two walls forever) or ``"diverges"``, from ``plain_descent_factors``.
    """
    factors = plain_descent_factors(surface, learning_rate)
    if np.any(factors < -1):
        return "diverges"
    if np.any(factors == -1):
        return "oscillates"
    if np.any(factors < 0):
        return "zig-zag"
    return "smooth"


def effective_learning_rates(optimizer, layer):
    """Each weight's rate ``η_t / (sqrt(cache) + ε)`` after the optimizer's last update.

    For AdaGrad and RMSprop (cache c, the book's ``weight_cache``), and for Adam, whose second
    moment s (also ``weight_cache``) is bias-corrected first: ŝ = s / (1 - β₂ᵗ⁺¹) with t + 1
    the number of updates made. Returns an array of ``layer.weights``' shape.
    """
    cache = getattr(layer, "weight_cache", None)
    if cache is None:
        raise ValueError(
            f"{type(layer).__name__} has no weight_cache: effective rates need an optimizer "
            f"that keeps one (AdaGrad, RMSprop, Adam) and at least one update."
        )
    beta_2 = getattr(optimizer, "beta_2", None)
    if beta_2 is not None:
        cache = cache / (1 - beta_2**optimizer.iterations)
    return optimizer.current_learning_rate / (np.sqrt(cache) + optimizer.epsilon)


def describe_settings(settings):
    """``{"learning_rate": 0.09, "momentum": 0.5}`` -> ``"η = 0.09, μ = 0.5"``."""
    return ", ".join(f"{SYMBOLS.get(name, name)} = {value:.3g}" for name, value in settings.items())


def plot_setting(
    surface,
    make_optimizer,
    settings,
    *,
    start=VALLEY_START,
    steps=50,
    xlim=VALLEY_XLIM,
    ylim=VALLEY_YLIM,
    loss_ylim=None,
    axes=None,
):
    """The path of ``make_optimizer(**settings)`` on ``surface`` and the loss along it.

    make_optimizer: called with the settings as keyword arguments, e.g. ``SGD`` with
        ``{"learning_rate": 0.09, "momentum": 0.5}``; it must return a fresh optimizer.
    start, steps: where the path starts and how many updates it makes.
    xlim, ylim: the part of the surface drawn (a diverging path leaves it).
    loss_ylim: the loss axis (log scale); default from 1e-6 to 1e3 times the starting loss,
        fixed so that figures for different settings compare.
    axes: two axes (path, loss); default a new figure. Returns the two axes.
    """
    import matplotlib.pyplot as plt

    from nnlib.plotting import plot_surface_paths

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    path_axes, loss_axes = axes
    label = describe_settings(settings)
    path = run_optimizer(make_optimizer(**settings), surface, start, steps)
    losses = surface.loss(path[:, 0], path[:, 1])
    plot_surface_paths(surface.loss, {label: path}, xlim=xlim, ylim=ylim, ax=path_axes)
    path_axes.set(xlim=xlim, ylim=ylim, title=f"{steps} steps")
    path_axes.legend(loc="lower right", fontsize="small")
    start_loss = losses[0]
    loss_axes.plot(np.arange(steps + 1), losses, marker=".", markersize=3)
    loss_axes.set_yscale("log")
    loss_axes.set(
        xlabel="step",
        ylabel="loss",
        ylim=loss_ylim or (1e-6 * start_loss, 1e3 * start_loss),
        title=f"loss after {steps} steps: {losses[-1]:.3g}",
    )
    return path_axes, loss_axes


def explore(
    surface,
    make_optimizer,
    sliders,
    *,
    start=VALLEY_START,
    steps=50,
    xlim=VALLEY_XLIM,
    ylim=VALLEY_YLIM,
    loss_ylim=None,
):
    """Sliders for the optimizer's settings, redrawing ``plot_setting``'s figure on release.

    sliders: ``{setting: (low, high, value)}`` or ``(low, high, value, step)``, e.g.
        ``{"learning_rate": (0.005, 0.12, 0.09, 0.005), "momentum": (0.0, 0.95, 0.5)}``;
        each slider is labelled with the course's symbol (η, μ, ρ, β₁, β₂). The default step
        is a hundredth of the range.
    The other arguments are ``plot_setting``'s. Returns the widget (display it as a cell's
    last expression). Needs ``ipywidgets`` (installed with ``jupyter``, ``make lab``).
    """
    try:
        import ipywidgets
    except ImportError as error:
        raise ImportError(
            "explore() needs ipywidgets, which comes with the course's `lab` extra: run "
            "`make lab`, or `pip install ipywidgets` in this environment."
        ) from error
    import matplotlib.pyplot as plt

    if not isinstance(sliders, dict) or not sliders:
        raise TypeError(
            f"sliders must be a non-empty dict setting -> (low, high, value[, step]), "
            f"got {sliders!r}."
        )
    controls = {name: _slider(ipywidgets, name, spec) for name, spec in sliders.items()}
    # An image of the figure, not an Output widget: the notebook stores no widget state, and
    # nbconvert can execute it without keeping one (make execute, make book).
    image = ipywidgets.Image(format="png")

    def redraw(change=None):
        settings = {name: control.value for name, control in controls.items()}
        path_axes, _ = plot_setting(
            surface,
            make_optimizer,
            settings,
            start=start,
            steps=steps,
            xlim=xlim,
            ylim=ylim,
            loss_ylim=loss_ylim,
        )
        figure = path_axes.figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        image.value = buffer.getvalue()

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), image])


def _slider(ipywidgets, name, spec):
    """A FloatSlider for one setting from ``(low, high, value[, step])``."""
    if not isinstance(spec, tuple | list) or len(spec) not in (3, 4):
        raise ValueError(
            f"sliders[{name!r}] must be (low, high, value) or (low, high, value, step), "
            f"got {spec!r}."
        )
    low, high, value = (float(number) for number in spec[:3])
    if not low <= value <= high or low == high:
        raise ValueError(
            f"sliders[{name!r}]: need low <= value <= high and low < high, got low {low}, "
            f"high {high}, value {value}."
        )
    step = float(spec[3]) if len(spec) == 4 else (high - low) / 100
    return ipywidgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=SYMBOLS.get(name, name),
        continuous_update=False,
        readout_format=".3g",
    )
