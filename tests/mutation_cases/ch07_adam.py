"""One-change mistakes in chapter 7's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "adam-fix-keeps-cache-from-first-moment",
        "07_adam",
        "7.1",
        "(1 - self.beta_2) * layer.dweights**2",
        "(1 - self.beta_2) * layer.weight_momentums**2",
    ),
    Mutation(
        "adam-fix-bias-cache-not-squared",
        "07_adam",
        "7.1",
        "(1 - self.beta_2) * layer.dbiases**2",
        "(1 - self.beta_2) * layer.dbiases",
    ),
    Mutation(
        "adam-first-step-predicted-as-sgd",
        "07_adam",
        "7.2",
        "first_step = 0.02\n",
        "first_step = 0.02 * 40\n",
    ),
    Mutation(
        "adam-second-step-ignores-first-moment",
        "07_adam",
        "7.2",
        "second_step = 0.02 / 19",
        "second_step = 0.02",
    ),
    Mutation(
        "adamw-decay-at-starting-rate",
        "07_adam",
        "7.3",
        "self.current_learning_rate * self.weight_decay",
        "self.learning_rate * self.weight_decay",
    ),
    Mutation(
        "adamw-decays-updated-weights",
        "07_adam",
        "7.3",
        "weights_before = layer.weights.copy()",
        "weights_before = layer.weights",
    ),
    Mutation(
        "ablation-keeps-the-chapters-rate",
        "07_adam",
        "7.4",
        "return 0.02",
        "return 0.03",
    ),
    Mutation(
        "ablation-rate-where-the-correction-helps",
        "07_adam",
        "7.4",
        "return 0.02",
        "return 0.05",
    ),
)
