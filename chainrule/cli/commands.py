"""`chainrule predict | evaluate | summary | datasets | explain`."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from chainrule.cli import architectures, report, run_state
from chainrule.cli.architectures import CLIError


def load_run(run_dir: str):
    """(model with its best weights, config, class names) of a finished or running run."""
    from chainrule.cli.train import load_config

    out = Path(run_dir)
    config = load_config(out)
    classes_path, best = out / run_state.CLASSES, out / run_state.BEST
    if not classes_path.exists() or not best.exists():
        raise CLIError(f"{run_dir} has no trained weights yet ({run_state.BEST}); train first "
                       f"or pass the run directory of a finished run")
    indices = run_state.read_json(classes_path, "the class names")
    names = sorted(indices, key=indices.get)
    channels = 1 if config.color_mode == "grayscale" else 3
    model = architectures.build(config.model, config.image_size, channels, len(names),
                                config.vgg_weights)
    try:
        model.load_weights(str(best))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CLIError(f"cannot load {best}: the file is damaged or does not fit a "
                       f"{config.model} model ({type(error).__name__}: {error})") from None
    return model, config, names


def predict(args) -> int:
    from PIL import Image

    from chainrule.preprocessing.image import img_to_array, load_img

    model, config, names = load_run(args.run_dir)
    for path in args.images:
        try:
            img = load_img(path, color_mode=config.color_mode,
                           target_size=(config.image_size, config.image_size))
        except Image.UnidentifiedImageError:
            raise CLIError(f"cannot read image {path}: not an image file Pillow can "
                           f"read") from None
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise CLIError(f"cannot read image {path}: {error}") from None
        probs = model.predict_on_batch(img_to_array(img)[None] / 255.0)[0]
        top = np.argsort(-probs)[:args.top_k]
        ranked = ", ".join(f"{names[i]} {probs[i]:.3f}" for i in top)
        print(f"{path}: {names[top[0]]} ({ranked})")
    return 0


def evaluate(args) -> int:
    from chainrule.cli.data import class_folders
    from chainrule.preprocessing.image import ImageDataGenerator

    model, config, names = load_run(args.run_dir)
    found = class_folders(args.data_dir)
    if sorted(found) != sorted(names):
        raise CLIError(f"{args.data_dir} has classes {found}, but the run was trained on "
                       f"{names}")
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        args.data_dir, target_size=(config.image_size, config.image_size), classes=names,
        color_mode=config.color_mode, batch_size=config.batch_size, shuffle=False)
    metrics = report.evaluate(model, it)
    print(f"accuracy {metrics['accuracy']:.4f} on {metrics['samples']} images")
    print(f"{'class':<16}{'precision':>10}{'recall':>10}{'images':>8}")
    for name, row in metrics["per_class"].items():
        print(f"{name:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['support']:>8}")
    print("confusion matrix (rows: true, columns: predicted):")
    for name, row in zip(names, metrics["confusion_matrix"]):
        print(f"{name:<16}" + "".join(f"{v:>6}" for v in row))
    return 0


def summary(args) -> int:
    path = Path(args.model)
    if path.is_dir():
        load_run(args.model)[0].summary()
    elif path.suffix in (".h5", ".hdf5", ".keras"):
        _load_saved_model(path).summary()
    elif args.model in architectures.MODELS:
        architectures.build(args.model, args.image_size, 3, args.classes).summary()
    else:
        raise CLIError(f"{args.model} is not a run directory, a saved model (.h5) or one of "
                       f"{', '.join(architectures.MODELS)}")
    return 0


def _load_saved_model(path: Path):
    """A saved model file, with a missing or damaged file as a CLIError."""
    from chainrule.saving import load_model

    if not path.is_file():
        raise CLIError(f"{path}: no such file")
    try:
        return load_model(path, compile=False)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CLIError(f"cannot load {path}: the file is damaged or not a saved model "
                       f"({type(error).__name__}: {error})") from None


def datasets(args) -> int:
    from chainrule import datasets as registry

    if args.name and args.action != "download":
        raise CLIError(f"chainrule datasets {args.action} takes no name (got {args.name!r}); "
                       f"did you mean: chainrule datasets download {args.name}?")
    if args.action == "list":
        for name in registry.list_builders():
            print(name)
    elif args.action == "download":
        if not args.name:
            raise CLIError("chainrule datasets download NAME: which dataset? "
                           "See `chainrule datasets list`.")
        try:
            registry.builder(args.name)
        except ValueError as error:
            raise CLIError(f"{error} (see: chainrule datasets list)") from None
        try:
            print(registry.get_directory(args.name))
        except OSError as error:
            raise CLIError(f"cannot download {args.name}: {error}; check the network "
                           f"connection and try again") from None
    else:
        from chainrule.utils.file_utils import cache_root

        print(cache_root())
    return 0


def explain(args) -> int:
    from chainrule.cli.lesson import walk_through

    walk_through()
    return 0
