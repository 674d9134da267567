"""The `chainrule` command: train, predict, evaluate, summary, datasets, explain, export.

Every problem a user can fix (a wrong folder, a missing run, an image too small...) is
printed as one line starting with "chainrule: error:" and exits with status 2.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from chainrule.cli.architectures import MODELS, CLIError


def _train_parser(sub) -> None:
    p = sub.add_parser("train", help="train a classifier on a folder of class sub-folders")
    p.add_argument("data_dir", nargs="?", help="default: the bundled handwritten digits")
    p.add_argument("--model", choices=MODELS, help="default: seed-cnn (the lecture's CNN)")
    p.add_argument("--image-size", type=int, help="square side in pixels (default 150; "
                   "32 for the bundled digits)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, help="default 10; with --resume: train up to this "
                   "many epochs in all")
    p.add_argument("--validation-split", type=float, default=0.2)
    p.add_argument("--validation-dir", help="a separate folder of validation images")
    p.add_argument("--augment", choices=["none", "lecture"], default="none",
                   help="'lecture': rotation 40, shift 0.2, shear 0.2, zoom 0.2, flip")
    p.add_argument("--rotation", type=float)
    p.add_argument("--shift", type=float)
    p.add_argument("--shear", type=float)
    p.add_argument("--zoom", type=float)
    p.add_argument("--flip", action="store_true")
    p.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop"])
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--vgg-weights", help="'imagenet' (download) or a path to a notop .h5")
    p.add_argument("--out", default="runs/latest", help="run directory (default runs/latest)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    p.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs "
                   "to RUN_DIR/logs (needs the [tensorboard] extra)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    p = sub.add_parser("predict", help="classify images with a trained run (or its .onnx)")
    p.add_argument("run_dir")
    p.add_argument("images", nargs="+")
    p.add_argument("--top-k", type=int, default=3)
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix of a run on a folder")
    p.add_argument("run_dir")
    p.add_argument("data_dir")
    p = sub.add_parser("summary", help="print a model's summary (run dir, .h5 or model name)")
    p.add_argument("model")
    p.add_argument("--image-size", type=int, default=150)
    p.add_argument("--classes", type=int, default=3)
    p = sub.add_parser("datasets", help="list, download or locate datasets")
    p.add_argument("action", nargs="?", choices=["list", "download", "show"], default="list")
    p.add_argument("name", nargs="?")
    sub.add_parser("explain", help="walk through backpropagation, conv and pooling")
    p = sub.add_parser("export", help="write a run's model as ONNX (needs the [onnx] extra)")
    p.add_argument("run_dir")
    p.add_argument("output", help="e.g. model.onnx")
    return parser


def dispatch(args) -> int:
    from chainrule.cli import commands, extras, train

    if args.command == "train":
        if args.tensorboard:
            extras.require_tensorboard()
        if args.resume:
            train.run(None, Path(args.resume), resume=True, model_name=args.model,
                      epochs=args.epochs, tensorboard=args.tensorboard)
        else:
            train.run(train.config_from_args(args), Path(args.out), tensorboard=args.tensorboard)
        return 0
    if args.command == "export" or (args.command == "predict" and args.run_dir.endswith(".onnx")):
        return getattr(extras, args.command)(args)
    return getattr(commands, args.command)(args)


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings (a skipped corrupt image...) as one readable line, without a source excerpt."""
    return f"chainrule: warning: {message}\n"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.formatwarning = _one_line_warning
    try:
        return dispatch(args)
    except CLIError as error:
        print(f"chainrule: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
