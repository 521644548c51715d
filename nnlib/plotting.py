"""Figures used by the chapters: data, training curves, decision boundaries, optimizer paths
on a 2-D loss surface, image grids and confusion matrices.

Every function draws on ``ax`` (a new figure when None) and returns the axes; call
``plt.show()`` in the notebook.
"""

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_classes(X, y, ax=None, title=None):
    """Scatter 2-D points X: (N, 2) coloured by class y: (N,)."""
    ax = _axes(ax)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="brg", edgecolors="none")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return ax


def _plane_grid(X, resolution, margin=0.1):
    """A resolution x resolution grid covering the data X: (N, 2) with a margin.

    Returns ``(grid_x, grid_y, points)``: two (R, R) coordinate arrays and the same points
    as an (R*R, 2) array of X's dtype, ready for a model.
    """
    x_range = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    y_range = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    grid_x, grid_y = np.meshgrid(x_range, y_range)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()]).astype(X.dtype)
    return grid_x, grid_y, points


def plot_decision_boundary(predict, X, y, ax=None, title=None, resolution=200):
    """Colour the plane by ``predict(points) -> (M,) classes`` and overlay the data.

    predict: a function of an (M, 2) array, e.g. ``lambda p: model.predict(p).argmax(1)``.
    """
    ax = _axes(ax)
    grid_x, grid_y, points = _plane_grid(X, resolution)
    classes = np.asarray(predict(points)).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, classes, alpha=0.25, cmap="brg", levels=np.arange(-0.5, 3))
    return plot_classes(X, y, ax=ax, title=title)


def plot_curves(histories, key="loss", ax=None, title=None, log_scale=False):
    """One line per run: ``histories`` maps a label to a history dict (or to a list)."""
    ax = _axes(ax)
    for label, history in histories.items():
        values = history[key] if isinstance(history, dict) else history
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    if log_scale:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_surface_paths(loss, paths, xlim, ylim, ax=None, title=None, levels=30):
    """Contours of ``loss(w1, w2)`` (vectorised) with each path (T, 2) drawn over them."""
    ax = _axes(ax, figsize=(6, 4.5))
    grid_x, grid_y = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    ax.contour(grid_x, grid_y, loss(grid_x, grid_y), levels=levels, cmap="Greys", linewidths=0.6)
    for label, path in paths.items():
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], marker=".", markersize=3, linewidth=1, label=label)
    ax.plot(*np.asarray(next(iter(paths.values())))[0], "ko", label="start")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_image_grid(images, titles=None, ncols=8, size=1.4):
    """Show images (N, 28, 28) (or (N, 784)) in a grid with optional titles; return axes."""
    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(len(images), side, side)
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.2))
    for index, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if index < len(images):
            ax.imshow(images[index], cmap="gray_r")
            if titles is not None:
                ax.set_title(titles[index], fontsize=7)
    fig.tight_layout()
    return axes


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names, ax=None, title=None):
    """Heat map of the confusion matrix with counts written in each cell."""
    counts = confusion_matrix(y_true, y_pred, len(class_names))
    ax = _axes(ax, figsize=(7, 6))
    ax.imshow(counts, cmap="Blues")
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right")
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = counts.max() / 2
    for i, j in np.ndindex(counts.shape):
        colour = "white" if counts[i, j] > threshold else "black"
        ax.text(j, i, counts[i, j], ha="center", va="center", fontsize=7, color=colour)
    if title:
        ax.set_title(title)
    return ax


def plot_probability_map(predict_proba, X, y, ax=None, title=None, resolution=200):
    """Colour the plane by the predicted class probabilities and overlay the data X: (N, 2).

    predict_proba: a function of an (M, 2) array returning (M, C) probabilities, e.g.
    ``model.predict``. Each point of the plane mixes the classes' colours (those of
    ``plot_classes``) in proportion to their probabilities, paled so that the data stay visible:
    where the model is sure the colour is clear, where it hesitates it turns greyish.
    """
    ax = _axes(ax)
    grid_x, grid_y, points = _plane_grid(X, resolution)
    probabilities = np.asarray(predict_proba(points), dtype=np.float64)
    class_colours = plt.get_cmap("brg")(np.linspace(0, 1, probabilities.shape[1]))[:, :3]
    pale = np.clip(1 - 0.35 * (1 - probabilities @ class_colours), 0, 1)
    # 32 shades per channel and no smoothing look the same and keep the PNG half as big.
    pale = (np.round(pale * 32) / 32).reshape(resolution, resolution, 3)
    extent = (grid_x[0, 0], grid_x[0, -1], grid_y[0, 0], grid_y[-1, 0])
    ax.imshow(pale, origin="lower", extent=extent, aspect="auto", interpolation="nearest")
    return plot_classes(X, y, ax=ax, title=title)
