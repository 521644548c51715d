"""Self-checks of chapter 9's exercises: two predictions (an untrained network's loss, a short
run's last learning rate), a pixel standardizer, a recipe for a short training budget, and what
leaving one change out costs in that budget.

Each check computes what is expected before it calls the learner's code. Where a wrong answer
matches a known mistake (0.1, the probability, given as the loss; the last batch or the first
update miscounted; a standardizer that uses the statistics of the images it transforms, or of
each image; the chapter's leave-one-out answer carried over to another budget) its hint names
that mistake.
"""

import functools
import math
from itertools import pairwise
from types import SimpleNamespace

import numpy as np

from nnlib.book import (
    Accuracy_Categorical,
    Activation_ReLU,
    Activation_Softmax,
    Layer_Dense,
    Layer_Dropout,
    Loss_CategoricalCrossentropy,
    Model,
    Optimizer_Adam,
)
from nnlib.checks.expect import expect_array, expect_unchanged, learner_class
from nnlib.checks.verdict import CheckFailure, self_check
from nnlib.datasets import load_fashion_mnist, prepare_images

# Exercise 9.1: the untrained network's loss on 10 classes; the learning rate of the last
# update of a short run with the chapter's recipe (2 epochs of 16 batches: t = 0 ... 31).
UNTRAINED_LOSS = math.log(10)
RECIPE_RATE, RECIPE_DECAY, RECIPE_BATCHES, RECIPE_EPOCHS = 0.003, 3e-3, 16, 2
LAST_RATE = RECIPE_RATE / (1 + RECIPE_DECAY * (RECIPE_EPOCHS * RECIPE_BATCHES - 1))
LOSS_TOLERANCE, RATE_TOLERANCE = 0.05, 1e-3  # absolute; relative

# Exercise 9.2: the deviation floor of the chapter's pixel statistics.
SCALE_FLOOR = 0.1

# Exercises 9.4 and 9.5: the short budget. The first FIT_IMAGES training images, at most
# MAX_UPDATES optimizer steps, scored on the last VALIDATION_IMAGES training images.
FIT_IMAGES, VALIDATION_IMAGES, MAX_UPDATES = 2000, 10000, 32
LAYER_SIZES = (784, 128, 128, 10)
SHORT_TARGET = 0.78
SETTING_NAMES = (
    "he_init",
    "standardized",
    "dropout_rate",
    "reshuffle",
    "learning_rate",
    "decay",
    "batch_size",
    "epochs",
)
BOOK_RECIPE = dict(
    he_init=False, standardized=False, dropout_rate=0.0, reshuffle=False, learning_rate=0.001,
    decay=1e-3,
)  # fmt: skip
CHAPTER_RECIPE = dict(
    he_init=True, standardized=True, dropout_rate=0.1, reshuffle=True, learning_rate=0.003,
    decay=3e-3,
)  # fmt: skip
# Exercise 9.5: leave one of the chapter's five changes out of CHAPTER_RECIPE, in the short
# budget (batches of 128, 2 epochs, seeds 0-2). Measured once with short_run: the mean
# validation accuracy falls most without He initialization, by 0.057 (standardizing 0.031,
# the larger rate 0.020, reshuffling 0.013, dropout 0.005); over seeds 0-4, by 0.058.
CHANGES = ("he_init", "standardized", "dropout_rate", "reshuffle", "learning_rate")
COSTLIEST_CHANGE, COSTLIEST_DROP, DROP_TOLERANCE = "he_init", 0.057, 0.015


@self_check
def check_predictions(predicted_loss, predicted_last_rate):
    """The learner's predictions: the untrained network's loss, a short run's last rate."""
    yield f"predicted loss of the untrained network, within {LOSS_TOLERANCE}"
    loss = _number(predicted_loss, "predicted_untrained_loss")
    if abs(loss - UNTRAINED_LOSS) > LOSS_TOLERANCE:
        raise CheckFailure(
            f"predicted_untrained_loss is {loss:.4g}; the untrained network's loss is "
            f"{UNTRAINED_LOSS:.4f}",
            _loss_hint(loss),
        )
    yield f"predicted learning rate of the last update, within {RATE_TOLERANCE:.1%}"
    rate = _number(predicted_last_rate, "predicted_last_rate")
    if abs(rate - LAST_RATE) > RATE_TOLERANCE * LAST_RATE:
        raise CheckFailure(
            f"predicted_last_rate is {rate:.6g}; the last update used {LAST_RATE:.6g}",
            _rate_hint(rate),
        )


def _number(value, name: str) -> float:
    if value is None:
        raise NotImplementedError(f"{name} is still None: store your number")
    try:
        return float(np.asarray(value).item())
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} is {value!r:.60}, not a number", "store one number.") from None


def _loss_hint(loss: float) -> str:
    """Name the known slips: the probability itself, log base 10, log of the class count."""
    if math.isclose(loss, 0.1, abs_tol=0.02):
        return (
            "0.1 is the probability each class gets; the loss of a sample is a function of "
            "the probability of its correct class."
        )
    if math.isclose(loss, 1.0, abs_tol=0.05):
        return "that is log base 10; cross-entropy uses the natural logarithm."
    return (
        "start from the softmax's output when all scores are nearly equal, then take the "
        "categorical cross-entropy of one sample."
    )


def _rate_hint(rate: float) -> str:
    """Name the known slips: the last batch forgotten, t counted from 1, decay per epoch."""
    batches = RECIPE_EPOCHS * RECIPE_BATCHES

    def rate_at(t):
        return RECIPE_RATE / (1 + RECIPE_DECAY * t)

    if math.isclose(rate, rate_at(batches), rel_tol=RATE_TOLERANCE):
        return "t counts the updates already made: the first update uses t = 0."
    if math.isclose(rate, rate_at(batches - RECIPE_EPOCHS - 1), rel_tol=RATE_TOLERANCE):
        return "2000 is not a multiple of 128: the last, smaller batch is a step too."
    if math.isclose(rate, rate_at(RECIPE_EPOCHS - 1), rel_tol=RATE_TOLERANCE):
        return "the decay counts updates (batches), not epochs."
    return "count the updates of the run, then use the decay formula of chapter 3."


def _standardizer_data(seed: int, samples: int):
    """Training rows (300, 6) with one nearly constant column, and new rows from another
    distribution (so that their own statistics differ from the training ones)."""
    rng = np.random.default_rng(seed)
    spread = np.array([1.0, 0.5, 2.0, 0.3, 1.0, 0.001])
    centre = np.array([0.0, -0.5, 1.0, 0.2, -1.0, -1.0])
    X_train = centre + spread * rng.standard_normal((300, 6))
    X_new = centre + 0.5 + 2 * spread * rng.standard_normal((samples, 6))
    return X_train, X_new


def _standardized(X, mean, scale):
    return (X - mean) / scale


@self_check
def check_pixel_standardizer(PixelStandardizer, *, seeds=(0,), samples=(20, 1)):
    """PixelStandardizer().fit(X_train).transform(X) against the training statistics."""
    cls = learner_class(PixelStandardizer, "PixelStandardizer")
    for seed in seeds:
        for count in samples:
            X_train, X_new = _standardizer_data(seed, count)
            mean = X_train.mean(axis=0)
            scale = np.maximum(X_train.std(axis=0), SCALE_FLOOR)
            expected = _standardized(X_new, mean, scale)
            mistakes = {
                "own": _own_statistics(X_new),
                "per image": _per_image(X_new),
                "no floor": _standardized(X_new, mean, X_train.std(axis=0)),
            }
            yield f"fit on 300 training rows, transform {count} new row(s) of another spread"
            standardizer = cls()
            standardizer.fit(X_train.copy())
            kept = X_new.copy()
            got = standardizer.transform(kept)
            expect_array(
                "transform(X)",
                got,
                expected,
                _standardizer_hint(got, mistakes),
                rtol=1e-4,
                atol=1e-4,
            )
            expect_unchanged("the rows passed to transform", kept, X_new)


def _own_statistics(X):
    return _standardized(X, X.mean(axis=0), np.maximum(X.std(axis=0), SCALE_FLOOR))


def _per_image(X):
    mean, scale = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
    return _standardized(X, mean, np.maximum(scale, SCALE_FLOOR))


def _standardizer_hint(got, mistakes: dict) -> str:
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return "transform returns one array, shaped like its input."
    if got.shape == mistakes["own"].shape:
        if np.allclose(got, mistakes["own"], atol=1e-4):
            return (
                "your transform standardizes the rows with their own statistics: the mean and "
                "deviation must be the training images', learned once by fit."
            )
        if np.allclose(got, mistakes["per image"], atol=1e-4):
            return "these are statistics of each image (a row); standardize each pixel (column)."
        if np.allclose(got, mistakes["no floor"], atol=1e-4):
            return "a nearly constant pixel is blown up: keep the floor on the deviation."
    return "transform shifts and divides each column by what fit learned from the training rows."


@functools.cache
def short_data() -> SimpleNamespace:
    """The short budget's images: ``fit`` (the first 2000 training images) and ``validation``
    (the last 10000), scaled to [-1, 1], their ``fit_labels`` and ``validation_labels``, and
    the fit images' pixel statistics ``mean`` and ``scale`` (the chapter's, floor included)."""
    images, labels, _, _ = load_fashion_mnist(download=False, quiet=True)
    fit = prepare_images(images[:FIT_IMAGES])
    mean = fit.mean(axis=0, dtype=np.float64)
    scale = np.maximum(fit.std(axis=0, dtype=np.float64), SCALE_FLOOR)
    return SimpleNamespace(
        fit=fit,
        fit_labels=labels[:FIT_IMAGES],
        validation=prepare_images(images[-VALIDATION_IMAGES:]),
        validation_labels=labels[-VALIDATION_IMAGES:],
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
    )


@functools.cache
def short_inputs(standardized: bool) -> tuple[np.ndarray, np.ndarray]:
    """The fit and validation inputs of the network: the scaled pixels, or with
    ``standardized`` those pixels standardized with the fit images' statistics."""
    data = short_data()
    if not standardized:
        return data.fit, data.validation
    return (data.fit - data.mean) / data.scale, (data.validation - data.mean) / data.scale


def build_model(he_init=False, dropout_rate=0.0, learning_rate=0.001, decay=1e-3) -> Model:
    """The chapter's 784-128-128-10 classifier, finalized (the chapter's build_model)."""
    model = Model()
    for number, (n_inputs, n_neurons) in enumerate(pairwise(LAYER_SIZES), start=1):
        dense = Layer_Dense(n_inputs, n_neurons, dtype=np.float32)
        if he_init:
            weights = np.sqrt(2 / n_inputs) * np.random.randn(n_inputs, n_neurons)
            dense.weights = weights.astype(np.float32)
        model.add(dense)
        if number == len(LAYER_SIZES) - 1:
            model.add(Activation_Softmax())
        else:
            model.add(Activation_ReLU())
            if dropout_rate:
                model.add(Layer_Dropout(dropout_rate))
    model.set(
        loss=Loss_CategoricalCrossentropy(),
        optimizer=Optimizer_Adam(learning_rate=learning_rate, decay=decay),
        accuracy=Accuracy_Categorical(),
    )
    model.finalize()
    return model


def short_run(
    seed,
    *,
    he_init,
    standardized,
    dropout_rate,
    reshuffle,
    learning_rate,
    decay,
    batch_size,
    epochs,
) -> tuple[float, Model]:
    """One run in the short budget, as the chapter's short_run: the fit images (standardized
    with their statistics or not) shuffled once, then ``epochs`` epochs in batches of
    ``batch_size``, in a new order each epoch with ``reshuffle``. Returns the validation
    accuracy and the trained model."""
    data = short_data()
    fit, validation = short_inputs(standardized)
    np.random.seed(seed)
    order = np.random.permutation(len(fit))
    model = build_model(he_init, dropout_rate, learning_rate, decay)
    model.train(
        fit[order],
        data.fit_labels[order],
        epochs=epochs,
        batch_size=batch_size,
        shuffle=reshuffle,
        verbose=False,
    )
    _, accuracy = model.evaluate(validation, data.validation_labels, verbose=False)
    return float(accuracy), model


def _read_settings(settings) -> dict:
    """The learner's settings as plain values, or a failure naming the missing one."""
    if settings is None:
        raise NotImplementedError("SHORT_SETTINGS is still None: store your settings")
    values = {}
    for name in SETTING_NAMES:
        try:
            value = settings.get(name)
        except AttributeError:
            raise CheckFailure(
                f"SHORT_SETTINGS is {type(settings).__name__}, not a dict",
                "a dict from setting names to values.",
            ) from None
        if value is None:
            raise CheckFailure(f"SHORT_SETTINGS has no {name!r}", "give every setting a value.")
        values[name] = value
    return values


@self_check
def check_short_settings(settings, *, seeds=(0,), target=SHORT_TARGET):
    """SHORT_SETTINGS: within the budget, not a recipe of the chapter, reaching the target."""
    yield "SHORT_SETTINGS gives every setting of short_run"
    values = _read_settings(settings)
    yield f"within the budget: at most {MAX_UPDATES} updates on the first {FIT_IMAGES} images"
    epochs, batch_size = values["epochs"], values["batch_size"]
    if int(epochs) != epochs or int(batch_size) != batch_size or epochs < 1 or batch_size < 1:
        raise CheckFailure(
            f"epochs {epochs} and batch_size {batch_size}", "both are whole numbers, at least 1."
        )
    updates = int(epochs) * math.ceil(FIT_IMAGES / int(batch_size))
    if updates > MAX_UPDATES:
        raise CheckFailure(
            f"{int(epochs)} epochs of {math.ceil(FIT_IMAGES / int(batch_size))} batches make "
            f"{updates} updates, more than {MAX_UPDATES}",
            "count the batches of one epoch, the last one included.",
        )
    values["epochs"], values["batch_size"] = int(epochs), int(batch_size)
    yield "your own settings: neither the book's recipe nor the chapter's"
    for recipe, name in ((BOOK_RECIPE, "the book's"), (CHAPTER_RECIPE, "the chapter's")):
        if all(np.isclose(values[key], value) for key, value in recipe.items()):
            raise CheckFailure(
                f"these are the settings of {name} recipe", "choose settings for this budget."
            )
    for seed in seeds:
        accuracy, _ = short_run(seed, **values)
        yield f"seed {seed}: validation accuracy {accuracy:.3f}, at least {target}"
        if accuracy < target:
            raise CheckFailure(
                f"validation accuracy {accuracy:.3f}, below {target}",
                "32 updates are few: what makes the first updates count? Try one change at "
                "a time, over a few seeds.",
            )


@self_check
def check_leave_one_out(costliest_change, accuracy_drop):
    """The change whose removal costs most in the short budget, and what it costs."""
    yield f"costliest_change is one of {', '.join(CHANGES)}"
    if costliest_change is None:
        raise NotImplementedError("costliest_change is still None: store your answer")
    if not isinstance(costliest_change, str) or costliest_change not in CHANGES:
        raise CheckFailure(
            f"costliest_change is {costliest_change!r:.60}",
            "name the change by its setting, e.g. 'dropout_rate'.",
        )
    yield "the costliest change in this budget"
    if costliest_change != COSTLIEST_CHANGE:
        hint = "compare each configuration's mean over the seeds with the mean of all five changes."
        if costliest_change == "standardized":
            hint = (
                "that is the chapter's answer for 189 updates on 8000 images; with 32 updates "
                "the runs may say otherwise: " + hint
            )
        raise CheckFailure(f"leaving out {costliest_change} is not what costs most", hint)
    yield f"accuracy_drop within {DROP_TOLERANCE} of the measured one"
    drop = _number(accuracy_drop, "accuracy_drop")
    if abs(drop - COSTLIEST_DROP) > DROP_TOLERANCE:
        hint = "the mean accuracy with all five changes minus the mean without that one."
        if drop < 0:
            hint = "a drop is positive: " + hint
        raise CheckFailure(f"accuracy_drop is {drop:.3f}", hint)
