"""One-change mistakes in chapter 9's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
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
