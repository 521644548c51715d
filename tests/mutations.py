"""Realistic wrong submissions: a solution notebook with one thing changed, as learners do.

Each mutation replaces one piece of a solution's code, found exactly once in the notebook's
code cells (so a changed solution fails loudly here instead of silently testing nothing),
and names the one exercise it breaks.
"""

from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Mutation:
    """``old`` replaced by ``new`` in ``chapter``'s solution, breaking ``exercise`` only."""

    name: str
    chapter: str
    exercise: str
    old: str
    new: str


MUTATIONS = (
    Mutation(
        "softmax-without-max",
        "01_dense_layer",
        "1.3",
        "np.exp(inputs - np.max(inputs, axis=1, keepdims=True))",
        "np.exp(inputs)",
    ),
    Mutation(
        "dbiases-not-2d",
        "02_backpropagation",
        "2.1",
        "np.sum(dvalues, axis=0, keepdims=True)",
        "np.sum(dvalues, axis=0)",
    ),
    Mutation(
        "relu-mask-from-dvalues",
        "02_backpropagation",
        "2.2",
        "self.dinputs[self.inputs <= 0] = 0",
        "self.dinputs[dvalues <= 0] = 0",
    ),
    Mutation(
        "softmax-loss-gradient-sign",
        "02_backpropagation",
        "2.3",
        "self.dinputs[range(samples), y_true] -= 1",
        "self.dinputs[range(samples), y_true] += 1",
    ),
    Mutation(
        "softmax-loss-not-divided-by-samples",
        "02_backpropagation",
        "2.3",
        "        self.dinputs = self.dinputs / samples\n",
        "",
    ),
    Mutation(
        "sgd-ignores-current-rate",
        "03_learning_rate_decay",
        "3.1",
        "layer.weights += -self.current_learning_rate * layer.dweights",
        "layer.weights += -self.learning_rate * layer.dweights",
    ),
    Mutation(
        "decay-compounds",
        "03_learning_rate_decay",
        "3.2",
        "self.current_learning_rate = self.learning_rate * (",
        "self.current_learning_rate = self.current_learning_rate * (",
    ),
    Mutation(
        "momentum-sign",
        "04_momentum",
        "4.1",
        "self.momentum * layer.weight_momentums",
        "-self.momentum * layer.weight_momentums",
    ),
    Mutation(
        "adagrad-cache-not-squared",
        "05_adagrad",
        "5.1",
        "layer.weight_cache += layer.dweights**2",
        "layer.weight_cache += layer.dweights",
    ),
    Mutation(
        "rmsprop-rho-swapped",
        "06_rmsprop",
        "6.1",
        "self.rho * layer.weight_cache + (1 - self.rho) * layer.dweights**2",
        "(1 - self.rho) * layer.weight_cache + self.rho * layer.dweights**2",
    ),
    Mutation(
        "adam-step-count-off-by-one",
        "07_adam",
        "7.2",
        "step = self.iterations + 1",
        "step = self.iterations",
    ),
    Mutation(
        "l2-gradient-without-2",
        "08_regularization",
        "8.1",
        "gradient += 2 * l2 * parameters",
        "gradient += l2 * parameters",
    ),
    Mutation(
        "l1-penalty-without-abs",
        "08_regularization",
        "8.2",
        "l1 * np.sum(np.abs(parameters))",
        "l1 * np.sum(parameters)",
    ),
    Mutation(
        "dropout-not-scaled",
        "08_regularization",
        "8.3",
        "size=inputs.shape) / keep_rate",
        "size=inputs.shape)",
    ),
    Mutation(
        "images-not-scaled",
        "09_fashion_mnist",
        "9.1",
        "return (flat - 127.5) / 127.5",
        "return flat",
    ),
    Mutation(
        "last-batch-dropped",
        "09_fashion_mnist",
        "9.2",
        "range(0, len(X), batch_size)",
        "range(0, len(X) - batch_size, batch_size)",
    ),
)


def mutated_notebook(solutions: Path, mutation: Mutation) -> bytes:
    """The solution notebook of ``mutation.chapter`` with the mutation applied."""
    notebook = nbformat.read(solutions / f"{mutation.chapter}.ipynb", as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    found = sum(cell.source.count(mutation.old) for cell in cells)
    assert found == 1, (
        f"mutation {mutation.name}: {mutation.old!r} occurs {found} times in the code of "
        f"solutions/{mutation.chapter}.ipynb, expected exactly once"
    )
    for cell in cells:
        cell.source = cell.source.replace(mutation.old, mutation.new)
    return nbformat.writes(notebook).encode("utf-8")
