"""One-change mistakes in chapter 3's solution (see tests/mutations.py)."""

from tests.mutations import Mutation

CHAPTER = "03_learning_rate_decay"
FIXED_DECAY = (
    "self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)"
)

MUTATIONS = (
    Mutation(
        "planted-bug-left-in",
        CHAPTER,
        "3.1",
        "(1.0 + self.decay * self.iterations)",
        "(1.0 + self.decay * self.learning_rate)",
    ),
    Mutation(
        "decay-without-brackets",
        CHAPTER,
        "3.1",
        FIXED_DECAY,
        "self.current_learning_rate = self.learning_rate / 1.0 + self.decay * self.iterations",
    ),
    Mutation(
        "decay-compounds",
        CHAPTER,
        "3.1",
        FIXED_DECAY,
        FIXED_DECAY.replace("= self.learning_rate", "= self.current_learning_rate"),
    ),
    Mutation(
        "updates-counted-per-epoch",
        CHAPTER,
        "3.3",
        "predicted_updates = 100 * batches_per_epoch",
        "predicted_updates = 100",
    ),
    Mutation(
        "points-per-class-taken-for-all",
        CHAPTER,
        "3.3",
        "batches_per_epoch = 300 // 20",
        "batches_per_epoch = 100 // 20",
    ),
    Mutation(
        "warmup-from-zero",
        CHAPTER,
        "3.4",
        "self.learning_rate * (t + 1) / self.warmup_steps",
        "self.learning_rate * t / self.warmup_steps",
    ),
    Mutation(
        "decay-not-restarted-after-warmup",
        CHAPTER,
        "3.4",
        "1.0 + self.decay * (t - self.warmup_steps)",
        "1.0 + self.decay * t",
    ),
    Mutation(
        "warmup-one-update-too-long",
        CHAPTER,
        "3.4",
        "if t < self.warmup_steps:",
        "if t <= self.warmup_steps:",
    ),
)
