"""The `chainrule` command: train, predict, evaluate, summary, datasets, explain, export.

Every problem a user can fix (a bad value, a wrong folder, a missing or damaged file...) is
printed as one line starting with "chainrule: error:" and exits with status 2. Anything else
is a bug in chainrule: its traceback is shown, with a line asking to report it (status 1).
"""
from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from pathlib import Path

from chainrule.cli.architectures import MODELS, CLIError
from chainrule.cli.checks import number, path_name, positive_int, whole_number

BUG = ("chainrule: this is a bug in chainrule, not a mistake of yours; please report it "
       "with the command you ran and the traceback above")


class Parser(argparse.ArgumentParser):
    """argparse with its errors on one "chainrule: error:" line (no usage block)."""

    def error(self, message):
        self.exit(2, f"chainrule: error: {message} (see: {self.prog} --help)\n")


def _train_parser(sub) -> None:
    p = sub.add_parser("train", help="train a classifier on a folder of class sub-folders")
    p.add_argument("data_dir", nargs="?", help="default: the bundled handwritten digits")
    p.add_argument("--model", choices=MODELS, help="default: seed-cnn (the lecture's CNN)")
    p.add_argument("--image-size", type=positive_int, help="square side in pixels "
                   "(default 150; 32 for the bundled digits)")
    p.add_argument("--batch-size", type=positive_int, help="default 32")
    p.add_argument("--epochs", type=positive_int, help="default 10; with --resume: train up "
                   "to this many epochs in all")
    p.add_argument("--validation-split", type=number(0.0, below=1.0, exclusive=True),
                   help="fraction of each class kept for validation (default 0.2)")
    p.add_argument("--validation-dir", type=path_name,
                   help="a separate folder of validation images")
    p.add_argument("--augment", choices=["none", "lecture"],
                   help="'lecture': rotation 40, shift 0.2, shear 0.2, zoom 0.2, flip")
    p.add_argument("--rotation", type=number(0.0, below=360.0), help="degrees")
    p.add_argument("--shift", type=number(0.0), help="fraction of the side (< 1) or pixels")
    p.add_argument("--shear", type=number(0.0, below=90.0), help="degrees")
    p.add_argument("--zoom", type=number(0.0, below=1.0), help="zoom in [1-z, 1+z]")
    p.add_argument("--flip", action="store_true")
    p.add_argument("--optimizer", choices=["adam", "adamw", "sgd", "rmsprop"],
                   help="default adam")
    p.add_argument("--learning-rate", type=number(0.0, exclusive=True), help="default 0.001")
    p.add_argument("--seed", type=whole_number(0), help="default 0")
    p.add_argument("--vgg-weights", type=path_name,
                   help="'imagenet' (download) or a path to a notop .h5")
    p.add_argument("--out", type=path_name, help="run directory (default runs/latest)")
    p.add_argument("--resume", metavar="RUN_DIR", type=path_name,
                   help="continue an interrupted run")
    p.add_argument("--tensorboard", action="store_true", help="also write TensorBoard logs "
                   "to RUN_DIR/logs (needs the [tensorboard] extra)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="chainrule", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    p = sub.add_parser("predict", help="classify images with a trained run (or its .onnx)")
    p.add_argument("run_dir")
    p.add_argument("images", nargs="+")
    p.add_argument("--top-k", type=positive_int, default=3)
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix of a run on a folder")
    p.add_argument("run_dir")
    p.add_argument("data_dir")
    p = sub.add_parser("summary", help="print a model's summary (run dir, .h5 or model name)")
    p.add_argument("model")
    p.add_argument("--image-size", type=positive_int, default=150)
    p.add_argument("--classes", type=positive_int, default=3)
    p = sub.add_parser("datasets", help="list, download or locate datasets")
    p.add_argument("action", nargs="?", choices=["list", "download", "show"], default="list")
    p.add_argument("name", nargs="?")
    sub.add_parser("explain", help="walk through backpropagation, conv and pooling")
    p = sub.add_parser("export", help="write a run's model as ONNX (needs the [onnx] extra)")
    p.add_argument("run_dir")
    p.add_argument("output", help="e.g. model.onnx")
    return parser


def dispatch(args) -> int:
    from chainrule.cli import checks, commands, extras, train

    if args.command == "train":
        if args.tensorboard:
            extras.require_tensorboard()
        if args.resume is not None:
            given = {key: getattr(args, key, None) for key in checks.RESUME_FIXED}
            given.update(augmentation=train.augmentation_from_args(args), out=args.out)
            train.run(None, Path(args.resume), resume=True, model_name=args.model,
                      epochs=args.epochs, given=given, tensorboard=args.tensorboard)
        else:
            out = Path(args.out or "runs/latest")          # --out '' is refused by path_name
            train.run(train.config_from_args(args), out, tensorboard=args.tensorboard)
        return 0
    if args.command == "export" or (args.command == "predict" and args.run_dir.endswith(".onnx")):
        return getattr(extras, args.command)(args)
    return getattr(commands, args.command)(args)


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings (a skipped corrupt image...) as one readable line, without a source excerpt."""
    return f"chainrule: warning: {message}\n"


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:                        # a bad flag (2) or --help (0)
        return stop.code
    warnings.formatwarning = _one_line_warning
    try:
        return dispatch(args)
    except (CLIError, OSError) as error:              # OSError: a file that can't be read
        return _user_error(error)
    except MemoryError:
        return _user_error("not enough memory; try a smaller --batch-size or --image-size")
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except Exception:                                 # noqa: BLE001 - reported as a bug
        traceback.print_exc()
        print(BUG, file=sys.stderr)
        return 1


def _user_error(error) -> int:
    """One "chainrule: error:" line (newlines in the message folded), exit status 2."""
    print("chainrule: error: " + " ".join(str(error).split()), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
