"""One-change mistakes in chapter 3's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
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
)
