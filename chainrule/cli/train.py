"""`chainrule train`: the lecture's workflow on a folder of images, in one command.

flow_from_directory with a training/validation split (or a separate validation folder),
the chosen model, Adam, a ModelCheckpoint keeping the best weights, a per-epoch resumable
state, then the best weights are reloaded, evaluated and written up in report.md.
"""
from __future__ import annotations

import math
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import chainrule
from chainrule import optimizers
from chainrule.callbacks import Callback, CSVLogger, ModelCheckpoint, TensorBoard
from chainrule.cli import architectures, checks, data, report, run_state
from chainrule.cli.architectures import CLIError

LECTURE_AUGMENTATION = {"rotation_range": 40, "width_shift_range": 0.2,
                        "height_shift_range": 0.2, "shear_range": 0.2, "zoom_range": 0.2,
                        "horizontal_flip": True}


@dataclass
class TrainConfig:
    """Every setting of a run; saved as config.json in the run directory."""

    data_dir: str
    model: str = "seed-cnn"
    image_size: int = 150
    batch_size: int = 32
    epochs: int = 10
    validation_split: float = 0.2
    validation_dir: str | None = None
    augmentation: dict = field(default_factory=dict)
    optimizer: str = "adam"
    learning_rate: float = 0.001
    seed: int = 0
    vgg_weights: str | None = None
    color_mode: str = "rgb"


def augmentation_from_args(args) -> dict:
    """ImageDataGenerator arguments from --augment and the individual flags."""
    aug = dict(LECTURE_AUGMENTATION) if args.augment == "lecture" else {}
    for flag, key in (("rotation", "rotation_range"), ("shear", "shear_range"),
                      ("zoom", "zoom_range")):
        if getattr(args, flag) is not None:
            aug[key] = getattr(args, flag)
    if args.shift is not None:
        aug["width_shift_range"] = aug["height_shift_range"] = args.shift
    if args.flip:
        aug["horizontal_flip"] = True
    return aug


def config_from_args(args) -> TrainConfig:
    """The settings of a new run: the flags given, Keras-lecture defaults for the others."""
    bundled = args.data_dir is None
    data_dir = str(data.bundled_digits_dir()) if bundled else args.data_dir
    defaults = TrainConfig(data_dir=data_dir, image_size=32 if bundled else 150)
    given = {"model": args.model, "image_size": args.image_size,
             "batch_size": args.batch_size, "epochs": args.epochs,
             "validation_split": args.validation_split, "validation_dir": args.validation_dir,
             "optimizer": args.optimizer, "learning_rate": args.learning_rate,
             "seed": args.seed, "vgg_weights": args.vgg_weights,
             "augmentation": augmentation_from_args(args)}
    config = TrainConfig(**{**asdict(defaults),
                            **{k: v for k, v in given.items() if v is not None}})
    if args.validation_split is not None and args.validation_dir is not None:
        raise CLIError("--validation-split has no effect with --validation-dir (the images "
                       "of --validation-dir are the validation data); pass only one of them")
    if config.vgg_weights is not None and config.model != "vgg16-transfer":
        raise CLIError(f"--vgg-weights only applies to --model vgg16-transfer, not "
                       f"--model {config.model}")
    if config.vgg_weights not in (None, "imagenet") and not Path(config.vgg_weights).is_file():
        raise CLIError(f"--vgg-weights {config.vgg_weights}: no such file; pass 'imagenet' "
                       f"or the path of a VGG16 notop .h5 file")
    return config


class StopOnNonFiniteLoss(Callback):
    """Stops training at the first batch whose loss is NaN or infinite, and says where."""

    message = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.message = (f"training stopped: the loss became {loss} at epoch "
                            f"{self.epoch + 1}, batch {batch + 1}")
            print(f"\n{self.message}", flush=True)
            self.model.stop_training = True


class StopOnInterrupt(Callback):
    """First Ctrl-C: finish the current batch, then stop; a second one stops at once."""

    interrupted = False

    def on_train_begin(self, logs=None):
        self.interrupted = False
        self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.model.stop_training = True
        print("\nInterrupted: stopping after this batch (Ctrl-C again to stop now).",
              flush=True)

    def on_train_end(self, logs=None):
        signal.signal(signal.SIGINT, self._previous)


def load_config(out: Path, model: str | None = None) -> TrainConfig:
    """The settings of an existing run; `model`, when given, must be the run's model."""
    path = out / run_state.CONFIG
    if not path.exists():
        raise CLIError(f"{out} is not a run directory (no {run_state.CONFIG}); "
                       f"start a run with: chainrule train DATA_DIR --out {out}")
    try:
        config = TrainConfig(**run_state.read_json(path, "the settings of the run"))
    except TypeError as error:
        raise CLIError(f"cannot read {path}: it is not the config.json of a chainrule run "
                       f"({error})") from None
    _check_saved_config(config, path)
    if model is not None and model != config.model:
        raise CLIError(f"{out} was trained with --model {config.model}, not {model}; "
                       f"start a new run with another --out")
    return config


def _check_saved_config(config: TrainConfig, path: Path) -> None:
    """The values of a config.json written by hand or damaged: refused, not trained on."""
    whole = all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                for v in (config.image_size, config.batch_size, config.epochs))
    rate = isinstance(config.learning_rate, int | float) and math.isfinite(
        config.learning_rate) and config.learning_rate > 0
    if not (whole and rate and config.model in architectures.MODELS
            and isinstance(config.data_dir, str) and isinstance(config.augmentation, dict)):
        raise CLIError(f"cannot read {path}: its values are not those of a chainrule run "
                       f"(model, image_size, batch_size, epochs, learning_rate); the file is "
                       f"damaged")


def resume_config(out: Path, model: str | None, epochs: int | None, given: dict):
    """(config, state) of a run to continue, checked before anything is written."""
    if not out.is_dir():
        raise CLIError(f"--resume {out}: no such run directory")
    config = load_config(out, model)
    checks.check_resume_overrides(out, config, given)
    state = run_state.read_state(out)
    if epochs is not None:
        config.epochs = epochs
    done, pending = state["epochs_done"], (out / run_state.PENDING).exists()
    if done > config.epochs or (done == config.epochs and not pending):
        raise CLIError(f"{out} has already trained {state['epochs_done']} of "
                       f"{config.epochs} epochs; pass --epochs N with N above "
                       f"{state['epochs_done']} to train further")
    return config, state


def run(config: TrainConfig | None, out: Path, resume: bool = False,
        model_name: str | None = None, epochs: int | None = None,
        given: dict | None = None, tensorboard: bool = False) -> dict:
    """Train (or continue training), then evaluate and write the report. Returns metrics.

    Everything is checked (settings, folders, the saved files of a resumed run) before the
    first file is written, so a start that fails leaves nothing behind.
    """
    if resume:
        config, state = resume_config(out, model_name, epochs, given or {})
    else:
        checks.check_new_run_dir(out, [config.data_dir, config.validation_dir])
        state = {"epochs_done": 0}
    chainrule.clear_session()                     # layer names as in a fresh process
    chainrule.set_random_seed(config.seed)
    train_it, val_it = data.make_iterators(config)
    iterators = {"train": train_it, "validation": val_it}
    checkpoint = ModelCheckpoint(str(out / run_state.BEST), monitor="val_loss", verbose=1,
                                 save_best_only=True, save_weights_only=True)
    if state["epochs_done"]:
        model = _restore(out, state, checkpoint, iterators)
    else:
        model = _new_model(config, train_it)
        model.summary()
    _write_run_start(out, config, train_it.class_indices, resume, state)
    return _train_and_report(model, config, out, state, iterators, checkpoint, tensorboard)


def _train_and_report(model, config: TrainConfig, out: Path, state: dict, iterators: dict,
                      checkpoint, tensorboard: bool) -> dict:
    """The epochs left to train, then the report; the report is pending until written."""
    train_it, val_it = iterators["train"], iterators["validation"]
    stopper, diverged = StopOnInterrupt(), StopOnNonFiniteLoss()
    callbacks = [checkpoint, CSVLogger(str(out / run_state.HISTORY),
                                       append=state["epochs_done"] > 0),
                 run_state.SaveRunState(out, iterators, checkpoint), stopper, diverged]
    if tensorboard:                               # `tensorboard --logdir runs/` shows it
        callbacks.append(TensorBoard(str(out / "logs")))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # said once, below
        if state["epochs_done"] >= config.epochs:   # a session killed before its report
            print(f"All {config.epochs} epochs are trained; writing the report.")
        else:
            model.fit(train_it, validation_data=val_it, epochs=config.epochs,
                      initial_epoch=state["epochs_done"], callbacks=callbacks)
        metrics = report.finish_run(model, config, out, train_it, val_it,
                                    interrupted=stopper.interrupted, diverged=diverged.message)
    (out / run_state.PENDING).unlink()
    if diverged.message:
        raise CLIError(f"{diverged.message}; try a smaller --learning-rate than "
                       f"{config.learning_rate}. What was kept: {out / 'report.md'}")
    return metrics


def _write_run_start(out: Path, config: TrainConfig, class_indices: dict, resume: bool,
                     state: dict) -> None:
    """The first writes of a run or a resumed session: marker, config.json, classes.json;
    then what a killed session left is put straight (temporary files removed, history.csv
    as committed with last.h5), and the report is marked pending until it is written."""
    if resume:
        saved = run_state.read_json(out / run_state.CLASSES, "the class names") \
            if (out / run_state.CLASSES).exists() else class_indices
        if saved != class_indices:
            raise CLIError(f"{config.data_dir} now has classes {sorted(class_indices)}, but "
                           f"the run was started with {sorted(saved)}; start a new run")
    run_state.mark_run_dir(out)
    removed = run_state.remove_temporary_files(out)
    if removed:
        print(f"Removed what an interrupted session left half-written: {', '.join(removed)}")
    run_state.write_json(out / run_state.CONFIG, asdict(config))
    run_state.write_json(out / run_state.CLASSES, class_indices)
    if resume:
        run_state.restore_history(out, state)
    run_state.write_atomic(out / run_state.PENDING, b"")


def _new_model(config: TrainConfig, train_it):
    model = architectures.build(config.model, config.image_size, train_it.image_shape[-1],
                                train_it.num_classes, config.vgg_weights)
    optimizer = optimizers.get({"class_name": config.optimizer,
                                "config": {"learning_rate": config.learning_rate}})
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["acc"])
    return model


def _restore(out: Path, state: dict, checkpoint, iterators):
    """The model of last.h5 (weights and optimizer), with iterator and layer states put back."""
    from chainrule.saving import load_model

    last = out / run_state.LAST
    if not last.is_file():
        raise CLIError(f"cannot resume {out}: {run_state.STATE} says {state['epochs_done']} "
                       f"epoch(s) are done, but {last} is missing")
    try:
        model = load_model(last)
        checkpoint.best = float(state["best_val_loss"])
        run_state.restore_states(model, iterators, state)
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = (str(error).splitlines() or [""])[0]
        raise CLIError(f"cannot resume {out}: {last} is damaged "
                       f"({type(error).__name__}: {reason})") from None
    print(f"Resuming {out} after epoch {state['epochs_done']}.")
    return model
