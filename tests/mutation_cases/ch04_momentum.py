"""One-change mistakes in chapter 4's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "momentum-sign",
        "04_momentum",
        "4.1",
        "self.momentum * layer.weight_momentums",
        "-self.momentum * layer.weight_momentums",
    ),
)
