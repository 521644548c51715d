"""One-change mistakes in chapter 7's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "adam-step-count-off-by-one",
        "07_adam",
        "7.2",
        "step = self.iterations + 1",
        "step = self.iterations",
    ),
)
