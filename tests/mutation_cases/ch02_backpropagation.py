"""One-change mistakes in chapter 2's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "dbiases-not-2d",
        "02_backpropagation",
        "2.1",
        "np.sum(dvalues, axis=0, keepdims=True)",
        "np.sum(dvalues, axis=0)",
    ),
    Mutation(
        "relu-mask-from-dvalues",
        "02_backpropagation",
        "2.2",
        "self.dinputs[self.inputs <= 0] = 0",
        "self.dinputs[dvalues <= 0] = 0",
    ),
    Mutation(
        "softmax-loss-gradient-sign",
        "02_backpropagation",
        "2.3",
        "self.dinputs[range(samples), y_true] -= 1",
        "self.dinputs[range(samples), y_true] += 1",
    ),
    Mutation(
        "softmax-loss-not-divided-by-samples",
        "02_backpropagation",
        "2.3",
        "        self.dinputs = self.dinputs / samples\n",
        "",
    ),
)
