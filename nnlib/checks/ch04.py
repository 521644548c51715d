"""Self-checks of chapter 4's exercises: the rolling ball's position, the repaired SGD with
momentum, momentum tuned for a steeper valley, and Nesterov's momentum.

Each check computes what is expected before it calls the learner's code. Where a wrong
result is what a known mistake gives (the velocity built from the weights, the typo
``layer.bias_momentum``, velocities kept on the optimizer, the heavy ball's step where
Nesterov's look-ahead belongs, the long-run step taken from the first update on), the hint
names the mistake; otherwise it points at the idea.
"""

import copy
from types import SimpleNamespace

import numpy as np

from nnlib.checks.expect import expect_array, learner_method, number, same_values
from nnlib.checks.optimizers import optimizer_step, parameter_layers, set_gradients
from nnlib.checks.verdict import CheckFailure, self_check
from nnlib.optimizers import SGD
from nnlib.surfaces import Quadratic, run_optimizer

# Exercise 4.1: one parameter on a slope whose gradient is the same everywhere.
SLOPE = {"steps": 12, "learning_rate": 0.1, "momentum": 0.75, "gradient": 0.5}
POSITION_TOLERANCE = 0.01
# position_after's self-check: not the slope itself, whose answer a failure would show.
POSITION_CASES = (
    {"steps": 8, "learning_rate": 0.05, "momentum": 0.6, "gradient": 2.0},
    {"steps": 5, "learning_rate": 0.2, "momentum": 0.0, "gradient": -1.0},
)

# Exercise 4.4: a valley 100 times steeper across than along, turned; its floor runs along
# (0.6, 0.8). The target: the loss down to a millionth of its start in 60 steps.
STEEP_VALLEY = Quadratic(hessian=((64.36, -47.52), (-47.52, 36.64)), minimum=(1.0, -0.5))
STEEP_START = (-2.4, -4.2)
STEEP_STEPS = 60
LOSS_FRACTION = 1e-6
# (η, μ) pairs the chapter runs or names, on the valley and on the spiral.
CHAPTER_SETTINGS = (
    (0.02, 0.0),
    (0.09, 0.0),
    (0.092, 0.0),
    (0.2, 0.0),
    (0.02, 0.9),
    (0.013, 0.9),
    (0.106, 0.5),
    (0.11, 0.5),
    (1.0, 0.5),
    (1.0, 0.9),
    (0.3, 0.9),
)

TYPO_HINT = (
    "layer.{name}_momentum (singular) is a new attribute: layer.{name}_momentums, the one the "
    "next step reads, stays at zero, so these parameters take plain SGD steps."
)
FROM_WEIGHTS_HINT = (
    "this velocity is built from the weights (layer.{parameter}) where the gradient belongs: "
    "it pulls every parameter toward 0 whatever the loss says."
)
SHARED_HINT = (
    "the velocities are kept on the optimizer (self.weight_momentums), one array for every "
    "layer: each layer needs its own, on the layer."
)
SIGN_HINT = (
    "a sign is off: the new velocity keeps μ times the old one and steps against the gradient."
)
VELOCITY_HINT = (
    "the new velocity is μ times the previous one (from the layer, zeros at its first step) "
    "plus this step's move against the gradient, at the current learning rate."
)
PARAMETER_HINT = "the velocities are right: the parameters move by the new velocity."


# --- exercise 4.1: how far the ball rolls ---------------------------------------------------


def roll_down_slope(optimizer, steps=SLOPE["steps"], gradient=SLOPE["gradient"]):
    """(weight, bias) of a one-weight layer from (0, 0) after ``steps`` full optimizer steps,
    with the gradient ``gradient`` for both at every step."""
    layer = SimpleNamespace(weights=np.zeros((1, 1)), biases=np.zeros((1, 1)))
    for _ in range(steps):
        layer.dweights = np.full((1, 1), float(gradient))
        layer.dbiases = np.full((1, 1), float(gradient))
        optimizer_step(optimizer, [layer])
    return float(layer.weights[0, 0]), float(layer.biases[0, 0])


def slope_position(steps, learning_rate, momentum, gradient) -> float:
    """Where nnlib's SGD takes the weight in ``steps`` updates on the slope."""
    optimizer = SGD(learning_rate=learning_rate, momentum=momentum)
    return roll_down_slope(optimizer, steps, gradient)[0]


def position_mistakes(steps, learning_rate, momentum, gradient) -> dict:
    """{a known wrong answer: its hint} for the position after ``steps`` updates."""
    long_run_step = -learning_rate * gradient / (1 - momentum)
    last_velocity = long_run_step * (1 - momentum**steps)
    mistakes = {
        steps * long_run_step: "that is every update at the long-run step η g / (1 − μ): the "
        "velocity starts at 0 and needs a while to grow to it.",
        -steps * learning_rate * gradient: "that is plain descent's distance: with momentum "
        "each step is longer than the one before.",
        last_velocity: "that is the last step (the velocity after the last update), not the "
        "distance covered: add up the steps.",
        -slope_position(steps, learning_rate, momentum, gradient): "the ball rolls against "
        "the gradient: check the sign.",
    }
    for other in (steps - 1, steps + 1):
        if other > 0:
            mistakes[slope_position(other, learning_rate, momentum, gradient)] = (
                "one update too many or too few: the first update (t = 0) gives v₁ = −η g, "
                "the last one t = steps − 1."
            )
    return mistakes


def _position_hint(value: float, expected: float, mistakes: dict, tolerance: float) -> str:
    for wrong, hint in mistakes.items():
        if wrong != expected and abs(value - wrong) <= tolerance * max(abs(wrong), 1e-12):
            return hint
    return (
        "the position is the sum of the steps v₁ … v_T, and the chapter gives each of them; "
        "split the sum and use the geometric series once more."
    )


def _as_number(label: str, got) -> float:
    """``got`` as a finite float, or a failure saying what it is instead."""
    try:
        value = float(np.asarray(got, dtype=np.float64).item())
    except (TypeError, ValueError):
        value = np.nan
    if got is None or not np.isfinite(value):
        raise CheckFailure(f"{label} is {got!r:.60}, not a number", "give a finite number.")
    return value


@self_check
def check_slope_prediction(predicted_position):
    """predicted_position: where 12 updates on the slope take the weight, within 1%."""
    expected = slope_position(**SLOPE)
    mistakes = position_mistakes(**SLOPE)
    yield (
        f"predicted_position within {POSITION_TOLERANCE:.0%} of where {SLOPE['steps']} updates "
        "take the ball"
    )
    value = _as_number("predicted_position", predicted_position)
    if abs(value - expected) > POSITION_TOLERANCE * abs(expected):
        if value * expected <= 0:
            direction = "the other way from"
        else:
            direction = "further than" if abs(value) > abs(expected) else "not as far as"
        raise CheckFailure(
            f"predicted_position {number(value)} is more than {POSITION_TOLERANCE:.0%} off: "
            f"your ball rolls {direction} the real one",
            _position_hint(value, expected, mistakes, POSITION_TOLERANCE),
        )


@self_check
def check_position_after(position_after, *, cases=POSITION_CASES):
    """position_after(steps, learning_rate, momentum, gradient) against nnlib's SGD's runs."""
    for case in cases:
        expected = slope_position(**case)
        mistakes = position_mistakes(**case)
        arguments = ", ".join(f"{key}={value}" for key, value in case.items())
        yield f"position_after({arguments})"
        value = _as_number("the position", position_after(**case))
        if not np.isclose(value, expected, rtol=1e-6, atol=1e-12):
            raise CheckFailure(
                f"expected {number(expected)}, got {number(value)}",
                _position_hint(value, expected, mistakes, 1e-6),
            )


# --- exercise 4.2: the repaired SGD with momentum -----------------------------------------


def _velocity_hint(got, layer, optimizer, name: str, entry: dict, rate: float, mu: float) -> str:
    """The hint for a wrong velocity of ``name`` (weight or bias): the mistake it matches."""
    parameter = "weights" if name == "weight" else "biases"
    velocity, values, gradient = entry["v"], entry["p"], entry["g"]
    if getattr(optimizer, "weight_momentums", None) is not None:
        return SHARED_HINT
    singular = getattr(layer, f"{name}_momentum", None)
    if singular is not None and (got is None or same_values(got, np.zeros_like(velocity))):
        return TYPO_HINT.format(name=name)
    if same_values(got, mu * velocity - rate * values):
        return FROM_WEIGHTS_HINT.format(parameter=parameter)
    if same_values(got, -mu * velocity - rate * gradient) or same_values(
        got, mu * velocity + rate * gradient
    ):
        return SIGN_HINT
    return VELOCITY_HINT


def compare_momentum_steps(optimizer, reference, seed: int, steps: int, look_ahead: bool):
    """``steps`` steps of ``optimizer`` on two layers: velocities, then parameters, compared.

    The expected arrays come from the definition, v ← μ v − η g and θ ← θ + v, at the rate
    of ``reference`` (an nnlib SGD of the same settings). With ``look_ahead`` the layer must
    hold Nesterov's look-ahead point θ + μ v, where the gradient is taken; else θ itself.
    """
    rng = np.random.default_rng(seed)
    layers = parameter_layers(rng)
    states = [
        {"weight": _start_state(layer.weights), "bias": _start_state(layer.biases)}
        for layer in layers
    ]
    mu = reference.momentum
    for step_number in range(1, steps + 1):
        set_gradients(rng, layers)
        reference.pre_update_params()
        rate = reference.current_learning_rate
        reference.post_update_params()
        for layer, state in zip(layers, states, strict=True):
            for name, gradient in (("weight", layer.dweights), ("bias", layer.dbiases)):
                entry = state[name]
                entry["g"] = gradient.copy()
                entry["new_v"] = mu * entry["v"] - rate * gradient
                entry["new_theta"] = entry["theta"] + entry["new_v"]
                entry["new_p"] = entry["new_theta"] + (mu * entry["new_v"] if look_ahead else 0)
        optimizer_step(optimizer, layers)
        for index, (layer, state) in enumerate(zip(layers, states, strict=True), start=1):
            label = f"after step {step_number}, layer {index}"
            for name, entry in state.items():
                got = getattr(layer, f"{name}_momentums", None)
                if got is not None and same_values(got, entry["new_v"]):
                    continue
                # Only now: the hint may ask the learner's optimizer about its attributes.
                hint = _velocity_hint(got, layer, optimizer, name, entry, rate, mu)
                if got is None:
                    raise CheckFailure(f"{label}: layer.{name}_momentums is missing", hint)
                expect_array(f"{label}: {name}_momentums", got, entry["new_v"], hint)
            for name, entry in state.items():
                parameter = "weights" if name == "weight" else "biases"
                got = getattr(layer, parameter)
                parameter_hint = _look_ahead_hint if look_ahead else _heavy_ball_hint
                expect_array(
                    f"{label}: {parameter}", got, entry["new_p"], parameter_hint(got, entry, rate)
                )
                entry["v"], entry["theta"], entry["p"] = (
                    entry["new_v"],
                    entry["new_theta"],
                    entry["new_p"],
                )


def _start_state(parameters: np.ndarray) -> dict:
    """Velocity 0; θ and the stored point both the starting parameters."""
    return {"v": np.zeros_like(parameters), "theta": parameters.copy(), "p": parameters.copy()}


def _heavy_ball_hint(got, entry: dict, rate: float) -> str:
    if same_values(got, entry["p"] - rate * entry["g"]):
        return (
            "the velocities are right but the parameters took a plain SGD step: they move by "
            "the new velocity."
        )
    return PARAMETER_HINT


@self_check
def check_repaired_sgd(Optimizer_SGD, *, seeds=(0,), steps=3, momentum=0.9, decay=0.0):
    """Optimizer_SGD.update_params with momentum against nnlib's SGD, then without momentum."""
    cls = yield from learner_method(Optimizer_SGD, "Optimizer_SGD", "update_params")
    for seed in seeds:
        yield (
            f"{steps} steps on two layers, learning_rate=0.1, decay={decay}, "
            f"momentum={momentum}: weight_momentums, bias_momentums, weights, biases"
        )
        settings = {"learning_rate": 0.1, "decay": decay, "momentum": momentum}
        compare_momentum_steps(cls(**settings), SGD(**settings), seed, steps, look_ahead=False)
        yield "2 steps with momentum=0: plain SGD"
        _compare_plain(cls(learning_rate=0.1), seed)


def _compare_plain(optimizer, seed: int) -> None:
    """Two steps of ``optimizer`` against nnlib's plain SGD at learning_rate 0.1."""
    rng = np.random.default_rng(seed)
    references = parameter_layers(rng)
    layers = copy.deepcopy(references)
    reference = SGD(learning_rate=0.1)
    for step_number in range(1, 3):
        set_gradients(rng, layers, references)
        optimizer_step(reference, references)
        optimizer_step(optimizer, layers)
        for index, (layer, expected) in enumerate(zip(layers, references, strict=True), 1):
            for parameter in ("weights", "biases"):
                expect_array(
                    f"after step {step_number}, layer {index}: {parameter}",
                    getattr(layer, parameter),
                    getattr(expected, parameter),
                    "with momentum 0 the step is plain SGD's: −η times the gradient.",
                )


# --- exercise 4.4: momentum for a steeper valley ------------------------------------------


def valley_run(settings, start=STEEP_START, steps=STEEP_STEPS):
    """nnlib's SGD(**settings) on STEEP_VALLEY: the path, (steps + 1, 2)."""
    return run_optimizer(SGD(**settings), STEEP_VALLEY, start, steps)


def _valley_hint(end, start) -> str:
    """Where the run is stuck: across the walls or along the floor."""
    curvatures, axes = np.linalg.eigh(STEEP_VALLEY.hessian)
    along_floor, across = np.abs((np.asarray(end) - STEEP_VALLEY.minimum) @ axes)
    loss = STEEP_VALLEY.loss(*end)
    if not np.isfinite(loss) or loss > STEEP_VALLEY.loss(*start):
        return (
            "the path leaves the valley: the rate is past the walls' stable limit for this "
            "momentum. Which curvature sets that limit here?"
        )
    if across * np.sqrt(curvatures[1]) > along_floor * np.sqrt(curvatures[0]):
        return (
            "most of the loss left is across the walls, where the path still swings: the "
            "walls are far steeper than in the chapter's valley."
        )
    return (
        "most of the loss left is along the floor, where the path still crawls or swings "
        "slowly: the floor is gentler, relative to the walls, than in the chapter's valley. "
        "The chapter says how the best momentum depends on the ratio of the curvatures."
    )


@self_check
def check_valley_settings(settings, *, starts=(STEEP_START,)):
    """SGD settings bringing STEEP_VALLEY's loss to a millionth of its start in 60 steps."""
    allowed = ("learning_rate", "momentum", "decay")
    yield "the settings are a dict with learning_rate and momentum (decay if you like)"
    if not isinstance(settings, dict):
        raise CheckFailure(
            f"the settings are a {type(settings).__name__}, expected a dict",
            'write them as {"learning_rate": ..., "momentum": ...}.',
        )
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise CheckFailure(f"unknown settings: {', '.join(map(repr, unknown))}")
    missing = [name for name in ("learning_rate", "momentum") if name not in settings]
    if missing:
        raise CheckFailure(f"missing: {', '.join(missing)}", "choose both η and μ yourself.")
    try:
        SGD(**settings)
    except (TypeError, ValueError) as error:
        raise CheckFailure(f"SGD refused these settings: {error}") from None
    yield "they are your own, not one of the chapter's"
    pair = (float(settings["learning_rate"]), float(settings["momentum"]))
    if any(np.allclose(pair, chapter) for chapter in CHAPTER_SETTINGS):
        raise CheckFailure(
            f"η = {pair[0]:g}, μ = {pair[1]:g} is a setting of the chapter",
            "this valley is not the chapter's: tune for it.",
        )
    for start in starts:
        yield (
            f"{STEEP_STEPS} steps of nnlib's SGD(**settings) from {start} bring the loss "
            f"below {LOSS_FRACTION:g} of its start"
        )
        path = valley_run(settings, start)
        losses = STEEP_VALLEY.loss(path[:, 0], path[:, 1])
        fraction = losses[-1] / losses[0]
        if not fraction < LOSS_FRACTION:
            shown = f"{fraction:.2g}" if np.isfinite(fraction) else "not finite"
            raise CheckFailure(
                f"the loss after {STEEP_STEPS} steps is {shown} of its start, expected below "
                f"{LOSS_FRACTION:g}",
                _valley_hint(path[-1], start),
            )


# --- exercise 4.6: Nesterov's momentum -----------------------------------------------------


def _look_ahead_hint(got, entry: dict, rate: float) -> str:
    mu_old_velocity = entry["new_v"] + rate * entry["g"]  # μ times the velocity before
    if same_values(got, entry["p"] - rate * entry["g"]) and not np.any(mu_old_velocity):
        return (
            "at this first update your weights moved by the new velocity alone, as the heavy "
            "ball's would. The layer holds the look-ahead point θ + μ v: after the update, "
            "that point looks ahead with the velocity the update made."
        )
    if same_values(got, entry["p"] + entry["new_v"]):
        return (
            "your weights moved by the new velocity: that is the heavy ball's step. Here the "
            "layer holds the look-ahead point θ + μ v, not θ: write that point before and "
            "after the update, and subtract."
        )
    if same_values(got, entry["p"] + mu_old_velocity - rate * entry["g"]):
        return (
            "your look-ahead uses the velocity from before the update: the point stored after "
            "the update looks ahead with the velocity after it."
        )
    return (
        "layer.weights holds θ + μ v: write that point at update t and at t + 1, subtract, "
        "and express the change with what update_params has (the velocities, the gradient, "
        "μ and the current learning rate)."
    )


@self_check
def check_nesterov(Optimizer_Nesterov, *, seeds=(0,), steps=3, momentum=0.9, decay=0.0):
    """Optimizer_Nesterov.update_params: velocities and look-ahead points, then momentum 0."""
    cls = yield from learner_method(Optimizer_Nesterov, "Optimizer_Nesterov", "update_params")
    for seed in seeds:
        yield (
            f"{steps} steps on two layers, learning_rate=0.1, decay={decay}, "
            f"momentum={momentum}: the velocities, then the look-ahead weights and biases"
        )
        settings = {"learning_rate": 0.1, "decay": decay, "momentum": momentum}
        compare_momentum_steps(cls(**settings), SGD(**settings), seed, steps, look_ahead=True)
        yield "2 steps with momentum=0: plain SGD"
        _compare_plain(cls(learning_rate=0.1), seed)


def nesterov_by_definition(surface, settings, start, steps) -> np.ndarray:
    """θ + μ v after each step of Nesterov's definition on ``surface``: (steps + 1, 2)."""
    learning_rate, mu = settings["learning_rate"], settings["momentum"]
    decay = settings.get("decay", 0.0)
    theta, velocity = np.array(start, dtype=np.float64), np.zeros(2)
    points = [theta.copy()]
    for t in range(steps):
        rate = learning_rate / (1 + decay * t)
        velocity = mu * velocity - rate * surface.gradient(theta + mu * velocity)
        theta = theta + velocity
        points.append(theta + mu * velocity)
    return np.array(points)


@self_check
def check_nesterov_on_valley(
    Optimizer_Nesterov, *, settings=None, start=STEEP_START, steps=STEEP_STEPS
):
    """On STEEP_VALLEY, the stored points follow θ + μ v of Nesterov's definition."""
    settings = settings or {"learning_rate": 0.02, "momentum": 0.8, "decay": 0.01}
    cls = yield from learner_method(Optimizer_Nesterov, "Optimizer_Nesterov", "update_params")
    expected = nesterov_by_definition(STEEP_VALLEY, settings, start, steps)
    arguments = ", ".join(f"{key}={value}" for key, value in settings.items())
    yield f"{steps} steps on a valley, {arguments}: the weights follow θ + μ v"
    path = run_optimizer(cls(**settings), STEEP_VALLEY, start, steps)
    expect_array(
        "the path of layer.weights (step, coordinate)",
        path,
        expected,
        "the gradient each step gets is taken at the point the layer holds: that point must "
        "be the look-ahead θ + μ v of the definition.",
    )
