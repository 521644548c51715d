"""One-change mistakes in chapter 9's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "loss-is-the-probability",
        "09_fashion_mnist",
        "9.1",
        "predicted_untrained_loss = -np.log(1 / 10)",
        "predicted_untrained_loss = 1 / 10",
    ),
    Mutation(
        "last-batch-forgotten",
        "09_fashion_mnist",
        "9.1",
        "(2 * np.ceil(2000 / 128) - 1)",
        "(2 * (2000 // 128) - 1)",
    ),
    Mutation(
        "first-update-at-t-1",
        "09_fashion_mnist",
        "9.1",
        "(2 * np.ceil(2000 / 128) - 1)",
        "(2 * np.ceil(2000 / 128))",
    ),
    Mutation(
        "own-statistics-kept",
        "09_fashion_mnist",
        "9.2",
        "return (X - self.mean) / self.scale",
        "return (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 0.1)",
    ),
    Mutation(
        "no-floor-on-the-deviation",
        "09_fashion_mnist",
        "9.2",
        "self.mean, self.scale = mean, np.maximum(scale, 0.1)",
        "self.mean, self.scale = mean, scale",
    ),
    Mutation(
        "no-he-initialization",
        "09_fashion_mnist",
        "9.4",
        '"he_init": True,\n    "standardized": True,\n    "dropout_rate": 0.1,',
        '"he_init": False,\n    "standardized": True,\n    "dropout_rate": 0.1,',
    ),
    Mutation(
        "over-budget",
        "09_fashion_mnist",
        "9.4",
        '\n    "batch_size": 128,',
        '\n    "batch_size": 64,',
    ),
    Mutation(
        "the-chapters-recipe",
        "09_fashion_mnist",
        "9.4",
        '"learning_rate": 0.002,\n    "decay": 0.0,',
        '"learning_rate": 0.003,\n    "decay": 3e-3,',
    ),
    Mutation(
        "least-costly-change",
        "09_fashion_mnist",
        "9.5",
        "max(costs, key=costs.get)",
        "min(costs, key=costs.get)",
    ),
    Mutation(
        "cost-with-the-wrong-sign",
        "09_fashion_mnist",
        "9.5",
        "costs[name] = all_five - mean_accuracy(**changes)",
        "costs[name] = mean_accuracy(**changes) - all_five",
    ),
)
