"""The benchmark's task in PyTorch (CPU): same data order, initial weights and Adam.

PyTorch's Adam adds epsilon to ``sqrt(v_hat)`` as the book does; the book's 1/t decay of the
learning rate is applied by setting the learning rate before every step. Two settings of
``torch.optim.Adam``: its default (what ``Adam(params, lr=...)`` gives) and ``fused=True``,
one kernel per parameter, its fastest on CPU.
"""

import numpy as np

from benchmark.measure import time_epochs
from benchmark.problem import (
    BETAS,
    EPSILON,
    LEARNING_RATE,
    accuracy,
    batches,
    initial_parameters,
    learning_rate,
    load_data,
)


def run_torch(config, *, fused=False):
    """Train with PyTorch on ``config["threads"]`` threads; see :mod:`.runners` for the rest."""
    import torch  # optional: only this runner needs it

    torch.set_num_threads(config["threads"])
    X, y, X_test, y_test = load_data(config["subset"], config["seed"])
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    network = torch_network(torch, initial_parameters(config["seed"]))
    optimizer = torch.optim.Adam(
        network.parameters(), lr=LEARNING_RATE, betas=BETAS, eps=EPSILON, fused=fused or None
    )
    loss_function = torch.nn.CrossEntropyLoss()
    steps = batches(len(X))
    step_count = [0]

    def train_epoch():
        for rows in steps:
            optimizer.param_groups[0]["lr"] = learning_rate(step_count[0])
            optimizer.zero_grad(set_to_none=True)
            loss_function(network(inputs[rows]), labels[rows]).backward()
            optimizer.step()
            step_count[0] += 1

    result = time_epochs(train_epoch, config["epochs"])
    with torch.no_grad():
        scores = network(torch.from_numpy(X_test)).numpy()
    result["test_accuracy"] = accuracy(scores, y_test)
    return result


def run_torch_fused(config):
    """:func:`run_torch` with PyTorch's fused Adam."""
    return run_torch(config, fused=True)


def torch_network(torch, parameters):
    """``Sequential(Linear, ReLU, ..., Linear)`` holding copies of ``parameters``.

    ``parameters``: nnlib's ``[(weights (D, M), biases (1, M)), ...]``; ``Linear`` keeps
    its weight as (M, D), hence the transpose.
    """
    layers = []
    for weights, biases in parameters:
        linear = torch.nn.Linear(*weights.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights.T))
            linear.bias.copy_(torch.from_numpy(biases[0]))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])
