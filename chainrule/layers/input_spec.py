"""`InputSpec`: what a built layer accepts, checked on every call with a message that helps."""
from __future__ import annotations


class InputSpec:
    """Constraints on a layer's input: rank and fixed sizes of some axes.

    Args:
        ndim: exact rank, or None.
        min_ndim: minimum rank, or None.
        axes: {axis: size} that must match (negative axes count from the end).
    """

    def __init__(self, ndim: int | None = None, min_ndim: int | None = None,
                 axes: dict | None = None):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, axes or {}

    def check(self, shape: tuple, layer_name: str) -> None:
        """Raise ValueError naming the layer, the expectation and the shape received."""
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(
                f"Input 0 of layer \"{layer_name}\" is incompatible with the layer: expected "
                f"ndim={self.ndim}, found ndim={rank}. Full shape received: {tuple(shape)}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(
                f"Input 0 of layer \"{layer_name}\" is incompatible with the layer: expected "
                f"min_ndim={self.min_ndim}, found ndim={rank}. Full shape received: "
                f"{tuple(shape)}")
        for axis, size in self.axes.items():
            got = shape[axis] if -rank <= axis < rank else None
            if got is not None and size is not None and got != size:
                raise ValueError(
                    f"Input 0 of layer \"{layer_name}\" is incompatible with the layer: expected "
                    f"axis {axis} of input shape to have value {size}, but received input with "
                    f"shape {tuple(shape)}. Was this layer built for a different input shape?")
