"""One-change mistakes in chapter 8's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
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
)
