"""Export models for other runtimes: ONNX (`model.export("model.onnx", format="onnx")`).

Built with the `onnx` package's helpers, the `[onnx]` extra; `onnx` is imported only when a
model is exported.
"""
from __future__ import annotations

INSTALL_HINT = "ONNX export needs the `onnx` package: pip install 'chainrule[onnx]'"
FORMATS = ("onnx",)


def export_model(model, filepath, format: str = "onnx") -> None:
    """Write `model` to `filepath` in `format` (Keras 3's `Model.export`).

    Args:
        model: a built chainrule model (Sequential, functional or nested).
        filepath: where to write, e.g. `model.onnx`.
        format: `'onnx'` (opset 17, NHWC input as the model's, dynamic batch axis).
    """
    if format not in FORMATS:
        raise ValueError(f"Unrecognized format={format!r}. Supported formats are: "
                         f"{list(FORMATS)}.")
    try:
        import onnx  # noqa: F401
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    from chainrule.export.onnx_export import export_onnx

    export_onnx(model, filepath)


__all__ = ["export_model"]
