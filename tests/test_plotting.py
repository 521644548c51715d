"""Figures: the numbers behind them, and that each draws what it says."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlib import plotting

POINTS = np.array([[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5]])
LABELS = np.array([0, 1, 2])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    counts = plotting.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_plane_grid_covers_the_data_with_a_margin():
    grid_x, grid_y, points = plotting._plane_grid(POINTS, resolution=5, margin=0.5)
    assert grid_x.shape == grid_y.shape == (5, 5)
    assert points.shape == (25, 2)
    assert (grid_x.min(), grid_x.max(), grid_y.min(), grid_y.max()) == (-1.5, 1.5, -0.5, 2.5)


def test_decision_boundary_colours_the_plane_by_the_predicted_class():
    seen = []

    def predict(points):
        seen.append(points.shape)
        return (points[:, 0] > 0).astype(int)

    ax = plotting.plot_decision_boundary(predict, POINTS, LABELS, resolution=20, title="t")
    assert seen == [(400, 2)]
    assert ax.get_title() == "t"
    assert len(ax.collections) >= 2  # the filled contours and the scattered data


def test_probability_map_is_an_image_of_the_plane():
    def predict_proba(points):
        return np.tile([0.2, 0.3, 0.5], (len(points), 1))

    ax = plotting.plot_probability_map(predict_proba, POINTS, LABELS, resolution=10)
    image = ax.get_images()[0].get_array()
    assert image.shape == (10, 10, 3)
    assert np.all((image >= 0) & (image <= 1))


def test_confusion_matrix_plot_writes_each_count_in_its_cell():
    names = ["a", "b", "c"]
    ax = plotting.plot_confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], names)
    texts = sorted((t.get_position(), t.get_text()) for t in ax.texts)
    assert len(texts) == 9
    assert ((2, 2), "2") in texts and ((2, 1), "1") in texts


def test_curves_draw_one_line_per_run():
    ax = plotting.plot_curves({"a": {"loss": [3, 2, 1]}, "b": [4, 3]}, key="loss")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert lines[0].get_xdata().tolist() == [1, 2, 3]


def test_image_grid_reshapes_flat_images_and_sets_titles():
    axes = plotting.plot_image_grid(np.zeros((3, 784)), titles=["x", "y", "z"], ncols=2)
    shown = [ax for ax in axes.ravel() if ax.get_images()]
    assert len(shown) == 3
    assert shown[0].get_images()[0].get_array().shape == (28, 28)
    assert [ax.get_title() for ax in shown] == ["x", "y", "z"]


def test_surface_paths_draw_each_path_and_the_start():
    path = np.array([[1.0, 1.0], [0.5, 0.2], [0.0, 0.0]])
    ax = plotting.plot_surface_paths(
        lambda a, b: a**2 + b**2, {"sgd": path}, xlim=(-1, 1), ylim=(-1, 1)
    )
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["sgd", "start"]
    assert ax.get_lines()[0].get_ydata().tolist() == [1.0, 0.2, 0.0]
