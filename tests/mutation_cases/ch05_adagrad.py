"""One-change mistakes in chapter 5's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "adagrad-cache-overwritten",
        "05_adagrad",
        "5.1",
        "layer.weight_cache += layer.dweights**2",
        "layer.weight_cache = layer.dweights**2",
    ),
    Mutation(
        "adagrad-bias-cache-not-squared",
        "05_adagrad",
        "5.1",
        "layer.bias_cache += layer.dbiases**2",
        "layer.bias_cache += layer.dbiases",
    ),
    Mutation(
        "adagrad-predicted-rate-without-root",
        "05_adagrad",
        "5.3",
        "predicted_rate = 1 / np.sqrt(25 * 0.5**2)",
        "predicted_rate = 1 / (25 * 0.5**2)",
    ),
    Mutation(
        "adagrad-predicted-distance-as-plain-descent",
        "05_adagrad",
        "5.3",
        "predicted_distance = sum(1 / np.sqrt(k) for k in range(1, 26))",
        "predicted_distance = 25 * 0.5",
    ),
    Mutation(
        "warmup-starts-at-zero",
        "05_adagrad",
        "5.4",
        "self.learning_rate * (self.iterations + 1) / self.warmup",
        "self.learning_rate * self.iterations / self.warmup",
    ),
    Mutation(
        "warmup-decay-typo",
        "05_adagrad",
        "5.4",
        "1.0 + self.decay * updates_after_warmup",
        "1.0 / +self.decay * updates_after_warmup",
    ),
)
