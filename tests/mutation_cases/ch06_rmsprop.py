"""One-change mistakes in chapter 6's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "rmsprop-rho-swapped",
        "06_rmsprop",
        "6.1",
        "self.rho * layer.weight_cache + (1 - self.rho) * layer.dweights**2",
        "(1 - self.rho) * layer.weight_cache + self.rho * layer.dweights**2",
    ),
)
