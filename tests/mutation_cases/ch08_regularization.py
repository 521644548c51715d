"""One-change mistakes in chapter 8's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

MUTATIONS = (
    Mutation(
        "l1-gradient-np-sign",
        "08_regularization",
        "8.1",
        "l1 * np.where(parameters < 0, -1.0, 1.0)",
        "l1 * np.sign(parameters)",
    ),
    Mutation(
        "l2-gradient-without-2",
        "08_regularization",
        "8.1",
        "gradient += 2 * l2 * parameters",
        "gradient += l2 * parameters",
    ),
    Mutation(
        "dropout-on-at-inference",
        "08_regularization",
        "8.2",
        "self.output = inputs.copy()\n            return self.output\n",
        "self.output = inputs.copy()\n",
    ),
    Mutation(
        "dropout-not-scaled",
        "08_regularization",
        "8.2",
        "size=inputs.shape) / keep_rate",
        "size=inputs.shape)",
    ),
    Mutation(
        "dropout-rates-added",
        "08_regularization",
        "8.3",
        "predicted_kept = 0.8 * 0.5",
        "predicted_kept = 1 - 0.2 - 0.5",
    ),
    Mutation(
        "dropout-last-scaling-only",
        "08_regularization",
        "8.3",
        "predicted_largest = 1 / (0.8 * 0.5)",
        "predicted_largest = 1 / 0.5",
    ),
    Mutation(
        "early-stop-tie-improves",
        "08_regularization",
        "8.5",
        "if val_losses[index] < val_losses[best]:",
        "if val_losses[index] <= val_losses[best]:",
    ),
    Mutation(
        "early-stop-patience-off-by-one",
        "08_regularization",
        "8.5",
        "if waited == patience:",
        "if waited > patience:",
    ),
    Mutation(
        "early-stop-best-after-stop",
        "08_regularization",
        "8.5",
        "return best, index",
        "return int(np.argmin(val_losses)), index",
    ),
)
