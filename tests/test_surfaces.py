"""Tests for nnlib.surfaces: the toy quadratic and optimizer paths from nnlib's real optimizers,
the regimes of plain descent, effective rates, the static figure and its sliders."""

import sys

import matplotlib
import numpy as np
import pytest

from nnlib import SGD, Adagrad, Adam, RMSprop
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.surfaces import (
    VALLEY_START,
    VALLEY_XLIM,
    VALLEY_YLIM,
    Quadratic,
    SurfacePoint,
    descend,
    describe_settings,
    effective_learning_rates,
    explore,
    plain_descent_factors,
    plain_descent_regime,
    plot_setting,
    run_optimizer,
    run_optimizers,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TILTED = Quadratic(hessian=((3.0, 1.5), (1.5, 2.0)), minimum=(0.5, -1.0))
START = (-4.0, 1.0)


def test_loss_is_half_the_quadratic_form_and_zero_at_the_minimum():
    points = np.random.default_rng(0).standard_normal((5, 2))
    offsets = points - TILTED.minimum
    expected = 0.5 * np.einsum("ni,ij,nj->n", offsets, TILTED.hessian, offsets)
    assert np.allclose(TILTED.loss(points[:, 0], points[:, 1]), expected, rtol=1e-12)
    assert TILTED.loss(*TILTED.minimum) == 0.0


def test_loss_keeps_the_shape_of_a_grid():
    grid_x, grid_y = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-2, 2, 4))
    losses = Quadratic().loss(grid_x, grid_y)
    assert losses.shape == (4, 7)
    assert losses[0, 0] == pytest.approx(0.5 * (1 + 20 * 4))


@pytest.mark.parametrize("surface", [Quadratic(), TILTED], ids=["default", "tilted"])
def test_gradient_matches_finite_differences(surface):
    for point in np.random.default_rng(1).uniform(-3, 3, size=(4, 2)):
        numeric = numerical_gradient(lambda p=point: surface.loss(p[0], p[1]), point)
        assert relative_error(surface.gradient(point), numeric) < 1e-8


def test_gradient_keeps_leading_dimensions():
    points = np.arange(12.0).reshape(2, 3, 2)
    gradients = TILTED.gradient(points)
    assert gradients.shape == (2, 3, 2)
    assert np.allclose(gradients[1, 2], TILTED.hessian @ (points[1, 2] - TILTED.minimum))


def test_default_surface_is_a_valley_20_times_steeper_across_than_along():
    assert Quadratic().condition_number == pytest.approx(20.0)
    assert Quadratic(hessian=((2.0, 0.0), (0.0, 2.0))).condition_number == pytest.approx(1.0)


@pytest.mark.parametrize(
    "hessian",
    [((1.0, 0.5), (0.0, 1.0)), ((1.0, 0.0), (0.0, -1.0)), ((1.0, 2.0), (2.0, 1.0)), (1.0, 2.0)],
    ids=["not symmetric", "saddle", "indefinite", "not 2x2"],
)
def test_rejects_a_hessian_that_is_not_a_bowl(hessian):
    with pytest.raises(ValueError, match="hessian"):
        Quadratic(hessian=hessian)


def test_rejects_a_minimum_that_is_not_two_numbers():
    with pytest.raises(ValueError, match="minimum"):
        Quadratic(minimum=(0.0, 0.0, 0.0))


def test_surface_point_looks_like_a_layer():
    point = SurfacePoint((1.5, -2.0))
    assert point.weights.shape == (1, 2) and point.weights.dtype == np.float64
    assert point.biases.shape == (1, 0) and point.dbiases.shape == (1, 0)
    assert point.weights.tolist() == [[1.5, -2.0]]


def test_path_starts_at_the_start_and_has_one_row_per_step():
    start = np.array(START)
    path = run_optimizer(SGD(learning_rate=0.01), Quadratic(), start, steps=7)
    assert path.shape == (8, 2)
    assert path[0].tolist() == list(START)
    assert start.tolist() == list(START), "the caller's start must not be moved"


def test_sgd_path_is_the_hand_written_update_with_decay():
    surface, learning_rate, decay = TILTED, 0.1, 0.05
    path = run_optimizer(SGD(learning_rate=learning_rate, decay=decay), surface, START, steps=20)
    point = np.array(START)
    for step in range(20):
        current_learning_rate = learning_rate * (1.0 / (1.0 + decay * step))
        point = point - current_learning_rate * surface.gradient(point)
        assert np.allclose(path[step + 1], point, rtol=1e-13, atol=1e-15)


def test_momentum_path_is_the_hand_written_update():
    surface, learning_rate, momentum = Quadratic(), 0.02, 0.9
    path = run_optimizer(SGD(learning_rate=learning_rate, momentum=momentum), surface, START, 30)
    point, velocity = np.array(START), np.zeros(2)
    for step in range(30):
        velocity = momentum * velocity - learning_rate * surface.gradient(point)
        point = point + velocity
        assert np.allclose(path[step + 1], point, rtol=1e-13, atol=1e-15)


def test_momentum_moves_further_along_the_valley_floor_than_sgd():
    # With a step small enough for the steep walls, SGD crawls along the shallow w1;
    # momentum accumulates the steady w1 gradient into a longer stride.
    surface = Quadratic()
    sgd = run_optimizer(SGD(learning_rate=0.02), surface, START, steps=50)
    momentum = run_optimizer(SGD(learning_rate=0.02, momentum=0.5), surface, START, steps=50)
    assert abs(sgd[-1, 0]) > 1.4  # 4 * (1 - 0.02) ** 50
    assert abs(momentum[-1, 0]) < 0.5 * abs(sgd[-1, 0])
    assert surface.loss(*momentum[-1]) < surface.loss(*sgd[-1]) / 5


def test_adagrad_first_step_moves_both_coordinates_by_the_learning_rate():
    # cache = g**2 after one step, so the step is lr * g / |g|: the curvature cancels out.
    path = run_optimizer(Adagrad(learning_rate=0.5), Quadratic(), START, steps=1)
    assert np.allclose(path[1] - path[0], [0.5, -0.5], rtol=1e-6)


def test_on_step_sees_the_point_and_the_optimizer_state_after_every_step():
    seen = []

    def record(optimizer, point):
        seen.append((optimizer.iterations, point.weights[0].copy(), point.weight_cache.copy()))

    path = run_optimizer(RMSprop(learning_rate=0.01, rho=0.9), Quadratic(), START, 5, record)
    assert [iterations for iterations, _, _ in seen] == [1, 2, 3, 4, 5]
    for step, (_, weights, cache) in enumerate(seen, start=1):
        assert np.array_equal(weights, path[step])
        assert cache.shape == (1, 2) and np.all(cache > 0)


def test_adam_bias_correction_makes_the_first_step_the_learning_rate():
    path = run_optimizer(Adam(learning_rate=0.05), Quadratic(), START, steps=1)
    assert np.allclose(np.abs(path[1] - path[0]), 0.05, rtol=1e-6)


@pytest.mark.parametrize("optimizer", [SGD(0.02, momentum=0.5), Adagrad(0.5), Adam(0.2)])
def test_every_optimizer_gets_close_to_the_minimum(optimizer):
    surface = TILTED
    path = run_optimizer(optimizer, surface, START, steps=300)
    start_loss = surface.loss(*START)
    assert surface.loss(*path[-1]) < 1e-3 * start_loss


@pytest.mark.parametrize("steps", [0, -3, 2.5])
def test_rejects_a_step_count_that_is_not_a_positive_integer(steps):
    with pytest.raises(ValueError, match="steps"):
        run_optimizer(SGD(), Quadratic(), START, steps)


def test_descend_is_the_books_three_calls_for_one_or_several_layers():
    first, second = SurfacePoint((1.0, 2.0)), SurfacePoint((-1.0, 0.5))
    first.dweights, second.dweights = np.array([[1.0, -2.0]]), np.array([[0.5, 0.5]])
    optimizer = SGD(learning_rate=0.1, decay=1.0)
    descend(optimizer, [first, second])
    assert optimizer.iterations == 1
    assert np.allclose(first.weights, [[0.9, 2.2]]) and np.allclose(second.weights, [[-1.05, 0.45]])
    descend(optimizer, first)  # a single layer; the rate has decayed to 0.1 / (1 + 1)
    assert optimizer.iterations == 2
    assert np.allclose(first.weights, [[0.85, 2.3]])


def test_run_optimizers_gives_each_label_its_path():
    paths = run_optimizers({"a": SGD(0.01), "b": SGD(0.05)}, Quadratic(), START, steps=3)
    assert list(paths) == ["a", "b"]
    assert np.array_equal(paths["b"], run_optimizer(SGD(0.05), Quadratic(), START, steps=3))


@pytest.mark.parametrize(
    ("learning_rate", "factor_across", "regime"),
    [(0.02, 0.6, "smooth"), (0.07, -0.4, "zig-zag"), (0.1, -1.0, "oscillates"),
     (0.11, -1.2, "diverges")],
)  # fmt: skip
def test_plain_descent_in_the_valley_zig_zags_above_0_05_and_diverges_above_0_1(
    learning_rate, factor_across, regime
):
    valley = Quadratic()
    factors = plain_descent_factors(valley, learning_rate)
    assert factors == pytest.approx([1 - learning_rate, factor_across])
    assert plain_descent_regime(valley, learning_rate) == regime
    # The path itself: w2 is multiplied by 1 - 20 η at every step, w1 by 1 - η.
    path = run_optimizer(SGD(learning_rate=learning_rate), valley, VALLEY_START, steps=12)
    steps = np.arange(13)
    assert np.allclose(path[:, 1], VALLEY_START[1] * factor_across**steps, rtol=1e-10)
    assert np.allclose(path[:, 0], VALLEY_START[0] * (1 - learning_rate) ** steps, rtol=1e-10)
    sign_changes = np.sum(np.diff(np.sign(path[:, 1])) != 0)
    assert sign_changes == (12 if factor_across < 0 else 0)


def test_the_zig_zag_and_the_divergence_start_at_one_and_two_over_the_steepest_curvature():
    tilted = Quadratic(hessian=((3.0, 1.0), (1.0, 3.0)))  # curvatures 2 and 4
    assert plain_descent_regime(tilted, 0.24) == "smooth"
    assert plain_descent_regime(tilted, 0.26) == "zig-zag"
    assert plain_descent_regime(tilted, 0.51) == "diverges"


def test_effective_rates_divide_the_rate_by_the_root_of_the_cache():
    gradient = np.array([[2.0, -0.5]])
    for optimizer in (Adagrad(learning_rate=0.5), RMSprop(learning_rate=0.5, rho=0.9)):
        point = SurfacePoint((0.0, 0.0))
        point.dweights = gradient
        descend(optimizer, point)
        cache = gradient**2 if isinstance(optimizer, Adagrad) else 0.1 * gradient**2
        expected = 0.5 / (np.sqrt(cache) + 1e-7)
        assert np.allclose(effective_learning_rates(optimizer, point), expected, rtol=1e-12)
    adam, point = Adam(learning_rate=0.5), SurfacePoint((0.0, 0.0))
    point.dweights = gradient
    descend(adam, point)  # the corrected second moment after one step is g**2
    assert np.allclose(effective_learning_rates(adam, point), 0.5 / (np.abs(gradient) + 1e-7))
    with pytest.raises(ValueError, match="no weight_cache"):
        effective_learning_rates(SGD(), SurfacePoint((0.0, 0.0)))


def test_settings_are_named_with_the_courses_symbols():
    settings = {"learning_rate": 0.09, "momentum": 0.5, "rho": 0.999, "beta_1": 0.9}
    assert describe_settings(settings) == "η = 0.09, μ = 0.5, ρ = 0.999, β₁ = 0.9"
    assert describe_settings({"beta_2": 0.99, "other": 2.0}) == "β₂ = 0.99, other = 2"


def test_plot_setting_draws_the_path_and_its_loss_in_fixed_limits():
    path_axes, loss_axes = plot_setting(Quadratic(), SGD, {"learning_rate": 0.11}, steps=20)
    expected = run_optimizer(SGD(learning_rate=0.11), Quadratic(), VALLEY_START, steps=20)
    drawn = path_axes.get_lines()[0]
    assert drawn.get_label() == "η = 0.11"
    assert np.array_equal(np.column_stack(drawn.get_data()), expected)
    # The diverging path leaves the picture; the picture stays where it was asked to be.
    assert path_axes.get_xlim() == VALLEY_XLIM and path_axes.get_ylim() == VALLEY_YLIM
    losses = loss_axes.get_lines()[0].get_ydata()
    assert np.allclose(losses, Quadratic().loss(expected[:, 0], expected[:, 1]))
    assert loss_axes.get_yscale() == "log"
    assert loss_axes.get_ylim() == pytest.approx((18e-6, 18e3))  # the start's loss is 18
    plt.close("all")


@pytest.mark.slow  # importing ipywidgets and drawing take about a second
def test_explore_redraws_with_the_sliders_settings():
    made = []

    def make_optimizer(**settings):
        made.append(settings)
        return SGD(**settings)

    widget = explore(
        Quadratic(),
        make_optimizer,
        {"learning_rate": (0.005, 0.12, 0.02, 0.005), "momentum": (0.0, 0.95, 0.5)},
        steps=5,
    )
    rate, momentum = widget.children[0].children
    assert (rate.description, rate.value, rate.min, rate.max, rate.step) == (
        "η", 0.02, 0.005, 0.12, 0.005
    )  # fmt: skip
    assert (momentum.description, momentum.value, momentum.step) == ("μ", 0.5, 0.0095)
    assert made == [{"learning_rate": 0.02, "momentum": 0.5}]  # drawn once when built
    image = widget.children[1]
    before = bytes(image.value)
    assert before.startswith(b"\x89PNG\r\n\x1a\n")
    rate.value = 0.09
    assert made[-1] == {"learning_rate": 0.09, "momentum": 0.5}
    assert bytes(image.value).startswith(b"\x89PNG") and bytes(image.value) != before
    assert plt.get_fignums() == []  # each drawing's figure is closed once it is an image


@pytest.mark.parametrize(
    ("sliders", "error", "message"),
    [
        ({}, TypeError, "non-empty dict"),
        ({"learning_rate": (0.1, 0.2)}, ValueError, r"\(low, high, value\)"),
        ({"learning_rate": (0.1, 0.2, 0.3)}, ValueError, "low <= value <= high"),
    ],
)
def test_explore_says_what_sliders_it_expects(sliders, error, message):
    with pytest.raises(error, match=message):
        explore(Quadratic(), SGD, sliders)


def test_explore_without_ipywidgets_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="make lab"):
        explore(Quadratic(), SGD, {"learning_rate": (0.01, 0.1, 0.05)})
