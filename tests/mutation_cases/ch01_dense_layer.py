"""One-change mistakes in chapter 1's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "softmax-without-max",
        "01_dense_layer",
        "1.3",
        "np.exp(inputs - np.max(inputs, axis=1, keepdims=True))",
        "np.exp(inputs)",
    ),
)
