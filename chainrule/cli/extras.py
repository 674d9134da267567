"""The CLI's doors to optional packages: `chainrule export RUN_DIR model.onnx`,
`chainrule predict model.onnx IMAGES` and `chainrule train --tensorboard`.

The exported file carries what predicting needs besides the graph, in ONNX metadata: the class
names, the image side, the colour mode and the input scale (the CLI feeds pixels / 255). So a
.onnx file is a run that ONNX Runtime can serve without chainrule's weights or config.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from chainrule.cli.architectures import CLIError

ONNX_HINT = "pip install 'chainrule[onnx]'"


def require_tensorboard() -> None:
    """Fail before training starts when `--tensorboard` cannot be honoured."""
    try:
        import tensorboard  # noqa: F401
    except ImportError as error:
        raise CLIError("--tensorboard needs the tensorboard package: "
                       "pip install 'chainrule[tensorboard]'") from error


def _check_export_target(out: Path, onnx) -> None:
    """Refuse to write over a folder or over a file that is not an ONNX model (the user's)."""
    if out.is_dir():
        raise CLIError(f"{out} is a folder; give the path of the .onnx file to write")
    if out.exists():
        try:
            onnx.load(str(out), load_external_data=False)
        except Exception as error:                 # protobuf's DecodeError and friends
            raise CLIError(f"{out} exists and is not an ONNX model; chainrule does not write "
                           f"over it. Choose another output path.") from error


def export(args) -> int:
    """Write the run's best model as ONNX with the metadata `predict` reads back."""
    from chainrule.cli.commands import load_run

    try:
        import onnx

        from chainrule.export.onnx_export import model_to_onnx
    except ImportError as error:
        raise CLIError(f"exporting to ONNX needs the onnx package: {ONNX_HINT}") from error
    out = Path(args.output)
    _check_export_target(out, onnx)
    model, config, names = load_run(args.run_dir)
    proto = model_to_onnx(model)
    metadata = {"class_names": json.dumps(names), "image_size": str(config.image_size),
                "color_mode": config.color_mode, "pixel_divisor": "255"}
    onnx.helper.set_model_props(proto, metadata)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    onnx.save_model(proto, str(tmp))
    os.replace(tmp, out)                          # atomic: a failed export keeps the old file
    print(f"Wrote {out}: input {proto.graph.input[0].name} (batch, {config.image_size}, "
          f"{config.image_size}, {model.inputs[0].shape[-1]}) of pixels / 255, "
          f"output {proto.graph.output[0].name} ({len(names)} class probabilities).")
    return 0


def _session(path: str):
    try:
        import onnxruntime
    except ImportError as error:
        raise CLIError(f"predicting with a .onnx file needs onnxruntime: {ONNX_HINT}") from error
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    if "class_names" not in metadata:
        raise CLIError(f"{path} has no class names in its metadata; export it with "
                       f"`chainrule export RUN_DIR {Path(path).name}`")
    return session, metadata


def predict(args) -> int:
    """Classify images with ONNX Runtime; prints what `chainrule predict RUN_DIR` prints."""
    from chainrule.preprocessing.image import img_to_array, load_img

    session, metadata = _session(args.run_dir)
    names = json.loads(metadata["class_names"])
    side, divisor = int(metadata["image_size"]), float(metadata["pixel_divisor"])
    for path in args.images:
        try:
            img = load_img(path, color_mode=metadata["color_mode"], target_size=(side, side))
        except (OSError, ValueError) as error:
            raise CLIError(f"cannot read image {path}: {error}") from error
        x = img_to_array(img)[None] / divisor
        probs = session.run(None, {session.get_inputs()[0].name: x})[0][0]
        top = np.argsort(-probs)[:args.top_k]
        ranked = ", ".join(f"{names[i]} {probs[i]:.3f}" for i in top)
        print(f"{path}: {names[top[0]]} ({ranked})")
    return 0
