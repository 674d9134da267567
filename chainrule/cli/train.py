"""`chainrule train`: the lecture's workflow on a folder of images, in one command.

flow_from_directory with a training/validation split (or a separate validation folder),
the chosen model, Adam, a ModelCheckpoint keeping the best weights, a per-epoch resumable
state, then the best weights are reloaded, evaluated and written up in report.md.
"""
from __future__ import annotations

import json
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

import chainrule
from chainrule import optimizers
from chainrule.callbacks import Callback, CSVLogger, ModelCheckpoint, TensorBoard
from chainrule.cli import architectures, data, report, run_state
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
    data_dir = args.data_dir or str(data.bundled_digits_dir())
    image_size = args.image_size or (32 if args.data_dir is None else 150)
    return TrainConfig(
        data_dir=data_dir, model=args.model or "seed-cnn", image_size=image_size,
        batch_size=args.batch_size, epochs=args.epochs or 10,
        validation_split=args.validation_split, validation_dir=args.validation_dir,
        augmentation=augmentation_from_args(args), optimizer=args.optimizer,
        learning_rate=args.learning_rate, seed=args.seed, vgg_weights=args.vgg_weights)


class StopOnInterrupt(Callback):
    """First Ctrl-C: finish the current batch, then stop; a second one stops at once."""

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
    config = TrainConfig(**json.loads(path.read_text()))
    if model is not None and model != config.model:
        raise CLIError(f"{out} was trained with --model {config.model}, not {model}; "
                       f"start a new run with another --out")
    return config


def prepare_run_dir(config: TrainConfig, out: Path, resume: bool, model: str | None = None,
                    epochs: int | None = None) -> TrainConfig:
    """Create the run directory, or check that a resumed one belongs to this model (and
    record a new total number of epochs, when given)."""
    path = out / run_state.CONFIG
    if resume:
        config = load_config(out, model)
        if epochs is not None:
            config.epochs = epochs
            run_state.write_json(path, asdict(config))
        return config
    if path.exists():
        raise CLIError(f"{out} already holds a run; continue it with --resume {out}, "
                       f"or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    run_state.write_json(path, asdict(config))
    return config


def run(config: TrainConfig, out: Path, resume: bool = False, model_name: str | None = None,
        epochs: int | None = None, tensorboard: bool = False) -> dict:
    """Train (or continue training), then evaluate and write the report. Returns metrics."""
    config = prepare_run_dir(config, out, resume, model_name, epochs)
    chainrule.clear_session()                     # layer names as in a fresh process
    chainrule.set_random_seed(config.seed)
    train_it, val_it = data.make_iterators(config)
    run_state.write_json(out / run_state.CLASSES, train_it.class_indices)
    iterators = {"train": train_it, "validation": val_it}
    state = run_state.read_state(out)
    checkpoint = ModelCheckpoint(str(out / run_state.BEST), monitor="val_loss", verbose=1,
                                 save_best_only=True, save_weights_only=True)
    if state["epochs_done"]:
        model = _restore(out, state, checkpoint, iterators)
    else:
        model = _new_model(config, train_it)
        model.summary()
    stopper = StopOnInterrupt()
    callbacks = [checkpoint, CSVLogger(str(out / "history.csv"), append=resume),
                 run_state.SaveRunState(out, iterators, checkpoint), stopper]
    if tensorboard:                               # `tensorboard --logdir runs/` shows it
        callbacks.append(TensorBoard(str(out / "logs")))
    model.fit(train_it, validation_data=val_it, epochs=config.epochs,
              initial_epoch=state["epochs_done"], callbacks=callbacks)
    return report.finish_run(model, config, out, train_it, val_it,
                             interrupted=stopper.interrupted)


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

    model = load_model(out / run_state.LAST)
    checkpoint.best = state["best_val_loss"]
    run_state.restore_states(model, iterators, state)
    print(f"Resuming {out} after epoch {state['epochs_done']}.")
    return model
