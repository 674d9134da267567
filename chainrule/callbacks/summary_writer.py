"""Event files for TensorBoard, written with the `tensorboard` package's own writer and protos.

`SummaryWriter(folder)` wraps TensorBoard's `EventFileWriter`; each summary is made by the
TensorBoard plugin that reads it back (`scalar_pb`, `histogram_pb`, the image and Keras-graph
plugins' metadata), so the files are what TensorBoard itself would write. TensorFlow is not
needed. `tensorboard` is the `[tensorboard]` extra, imported here only, with an install hint.
"""
from __future__ import annotations

import io
import json

import numpy as np

INSTALL_HINT = ("TensorBoard logging needs the `tensorboard` package: "
                "pip install 'chainrule[tensorboard]'")


def _tensorboard():
    try:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return EventFileWriter


class SummaryWriter:
    """Appends summaries to one new event file in `folder` (created if missing).

    Args:
        folder: the run folder, e.g. `logs/train`.
    """

    def __init__(self, folder: str):
        self._events = _tensorboard()(folder)

    def _add(self, summary, step: int) -> None:
        from tensorboard.compat.proto import event_pb2

        self._events.add_event(event_pb2.Event(summary=summary, step=int(step)))

    def scalar(self, tag: str, value, step: int) -> None:
        """A point of the scalar series `tag` (the Scalars dashboard)."""
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb

        self._add(scalar_pb(tag, np.float32(value)), step)

    def histogram(self, tag: str, values, step: int) -> None:
        """A histogram of `values` (30 buckets, as tf.summary.histogram)."""
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb

        self._add(histogram_pb(tag, np.asarray(values, dtype=np.float64)), step)

    def image(self, tag: str, image: np.ndarray, step: int) -> None:
        """A uint8 image `(height, width, channels)`, PNG-encoded with Pillow."""
        from PIL import Image
        from tensorboard.plugins.image import metadata

        buffer = io.BytesIO()
        Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(buffer, "PNG")
        height, width = image.shape[:2]
        meta = metadata.create_summary_metadata(display_name=tag, description="")
        strings = np.array([str(width).encode(), str(height).encode(), buffer.getvalue()],
                           dtype=object)
        self._add_tensor(tag, strings, meta, step)

    def keras_graph(self, model_config: dict, step: int = 0) -> None:
        """The model's Keras config, which TensorBoard's Graphs dashboard draws (tag `keras`)."""
        from tensorboard.compat.proto import summary_pb2

        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        config = np.array(json.dumps(model_config).encode(), dtype=object)
        self._add_tensor("keras", config, meta, step)

    def _add_tensor(self, tag: str, strings: np.ndarray, meta, step: int) -> None:
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.util import tensor_util

        tensor = tensor_util.make_tensor_proto(strings)
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag=tag, metadata=meta, tensor=tensor)]), step)

    def flush(self) -> None:
        """Write what is buffered to disk."""
        self._events.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._events.close()
