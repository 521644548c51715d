"""The lower bound: one epoch's matrix products, at the rate this machine multiplies them.

A training step of the network runs, per Dense layer with D inputs and M neurons and a
batch of B samples, the forward product (B, D) @ (D, M), the weight gradient
(D, B) @ (B, M) and, except for the first layer (whose inputs are the data), the input
gradient (B, M) @ (M, D). Each is timed here with ``np.dot`` on float32 operands laid out as
in training (transposes are views); ``2 * B * D * M`` floating-point operations per call
give its rate. The bound is the epoch's operations divided by those rates: what the epoch
would take if it did nothing but its matrix products.
"""

import time

import numpy as np

from benchmark.problem import BATCH_SIZE, DTYPE, LAYER_SIZES, train_samples

MIN_SECONDS = 0.3  # per product: enough calls for a stable median
MIN_CALLS = 30


def run_lower_bound(config):
    """Time every product of a step; returns the bound in seconds per epoch and the details.

    ``config``: ``subset`` (the number of training samples follows from it) and ``seed``.
    """
    n_samples = train_samples(config["subset"])
    batch = min(BATCH_SIZE, n_samples)
    rng = np.random.default_rng(config["seed"])
    products = []
    for name, left, right in step_products(batch, rng):
        seconds = median_seconds(lambda left=left, right=right: np.dot(left, right))
        flop = 2 * left.shape[0] * left.shape[1] * right.shape[1]
        products.append(
            {
                "product": name,
                "shapes": [list(left.shape), list(right.shape)],
                "seconds_per_call": seconds,
                "gflop_per_second": flop / seconds / 1e9,
                "seconds_per_epoch": seconds * n_samples / batch,
                "gflop_per_epoch": flop * n_samples / batch / 1e9,
            }
        )
    seconds = sum(product["seconds_per_epoch"] for product in products)
    gflop = sum(product["gflop_per_epoch"] for product in products)
    return {
        "seconds_per_epoch": seconds,
        "gflop_per_epoch": gflop,
        "gflop_per_second": gflop / seconds,
        "products": products,
    }


def step_products(batch, rng):
    """``(name, left, right)`` for every matrix product of one training step."""
    layers = list(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True))
    for index, (n_inputs, n_neurons) in enumerate(layers, start=1):
        inputs = _random(rng, batch, n_inputs)
        weights = _random(rng, n_inputs, n_neurons)
        dvalues = _random(rng, batch, n_neurons)
        yield f"layer {index} forward", inputs, weights
        yield f"layer {index} dweights", inputs.T, dvalues
        if index > 1:
            yield f"layer {index} dinputs", dvalues, weights.T


def median_seconds(call):
    """The median wall time of ``call()`` over at least MIN_CALLS calls and MIN_SECONDS."""
    call()  # warm up: first-call allocations, BLAS buffers
    times = []
    start = time.perf_counter()
    while len(times) < MIN_CALLS or time.perf_counter() - start < MIN_SECONDS:
        before = time.perf_counter()
        call()
        times.append(time.perf_counter() - before)
    return float(np.median(times))


def _random(rng, rows, columns):
    return rng.standard_normal((rows, columns), dtype=DTYPE)
