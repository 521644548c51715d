"""One-change mistakes in chapter 4's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    # 4.1: every update at the long-run step, and the start-up sum one power too far.
    Mutation(
        "position-without-start-up",
        "04_momentum",
        "4.1",
        "return long_run_step * (steps - start_up)",
        "return long_run_step * steps",
    ),
    Mutation(
        "position-off-by-one",
        "04_momentum",
        "4.1",
        "(1 - momentum**steps)",
        "(1 - momentum ** (steps + 1))",
    ),
    # 4.2: the planted typo half kept, momentum built from the weights, biases left plain.
    Mutation(
        "bias-momentum-typo-kept",
        "04_momentum",
        "4.2",
        "layer.bias_momentums = self.momentum * layer.bias_momentums - rate * layer.dbiases",
        "layer.bias_momentum = self.momentum * layer.bias_momentums - rate * layer.dbiases",
    ),
    Mutation(
        "momentum-from-weights",
        "04_momentum",
        "4.2",
        "layer.weight_momentums = self.momentum * layer.weight_momentums - rate * layer.dweights",
        "layer.weight_momentums = self.momentum * layer.weight_momentums - rate * layer.weights",
    ),
    Mutation(
        "biases-plain-steps",
        "04_momentum",
        "4.2",
        "layer.biases += layer.bias_momentums",
        "layer.biases += -rate * layer.dbiases",
    ),
    # 4.4: the chapter's settings kept, and the chapter valley's best momentum.
    Mutation(
        "chapter-settings",
        "04_momentum",
        "4.4",
        'valley_settings = {"learning_rate": 0.03, "momentum": 0.7}',
        'valley_settings = {"learning_rate": 0.02, "momentum": 0.9}',
    ),
    Mutation(
        "chapter-valley-momentum",
        "04_momentum",
        "4.4",
        '{"learning_rate": 0.03, "momentum": 0.7}',
        '{"learning_rate": 0.03, "momentum": 0.5}',
    ),
    # 4.6: the heavy ball's step, the look-ahead with the old velocity, biases left behind.
    Mutation(
        "nesterov-heavy-ball-step",
        "04_momentum",
        "4.6",
        "layer.weights += self.momentum * weight_velocity - rate * layer.dweights",
        "layer.weights += weight_velocity",
    ),
    Mutation(
        "nesterov-old-velocity",
        "04_momentum",
        "4.6",
        "layer.weights += self.momentum * weight_velocity",
        "layer.weights += self.momentum * layer.weight_momentums",
    ),
    Mutation(
        "nesterov-biases-heavy-ball",
        "04_momentum",
        "4.6",
        "layer.biases += self.momentum * bias_velocity - rate * layer.dbiases",
        "layer.biases += bias_velocity",
    ),
)
