"""One-change mistakes in chapter 6's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "rmsprop-cache-without-one-minus-rho",
        "06_rmsprop",
        "6.1",
        "self.rho * layer.weight_cache + (1 - self.rho) * layer.dweights**2",
        "self.rho * layer.weight_cache + layer.dweights**2",
    ),
    Mutation(
        "rmsprop-rho-swapped",
        "06_rmsprop",
        "6.1",
        "self.rho * layer.bias_cache + (1 - self.rho) * layer.dbiases**2",
        "(1 - self.rho) * layer.bias_cache + self.rho * layer.dbiases**2",
    ),
    Mutation(
        "rmsprop-first-step-as-adagrad",
        "06_rmsprop",
        "6.2",
        "predicted_first_step = 0.001 / np.sqrt(1 - 0.9)",
        "predicted_first_step = 0.001",
    ),
    Mutation(
        "rmsprop-jump-step-before-cache-update",
        "06_rmsprop",
        "6.2",
        "predicted_jump_step = 0.001 * 10 / np.sqrt(0.9 + 0.1 * 10**2)",
        "predicted_jump_step = 0.001 * 10 / np.sqrt(1.0)",
    ),
    Mutation(
        "rmsprop-momentum-from-the-weights",
        "06_rmsprop",
        "6.3",
        "mu * layer.weight_momentums - self.current_learning_rate * weight_step",
        "mu * layer.weights - self.current_learning_rate * weight_step",
    ),
    Mutation(
        "rmsprop-momentum-velocity-not-kept",
        "06_rmsprop",
        "6.3",
        "mu * layer.bias_momentums - self.current_learning_rate * bias_step",
        "-self.current_learning_rate * bias_step",
    ),
)
