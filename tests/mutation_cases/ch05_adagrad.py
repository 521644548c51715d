"""One-change mistakes in chapter 5's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "adagrad-cache-not-squared",
        "05_adagrad",
        "5.1",
        "layer.weight_cache += layer.dweights**2",
        "layer.weight_cache += layer.dweights",
    ),
)
