"""Tests for nnlib.surfaces: the toy quadratic and optimizer paths from nnlib's real optimizers."""

import numpy as np
import pytest

from nnlib import SGD, Adagrad, Adam, RMSprop
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.surfaces import Quadratic, SurfacePoint, run_optimizer

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
