"""`GradientTape`: TensorFlow's way of asking for gradients, over chainrule's recorded graph.

chainrule records every op whose inputs need a gradient, tape or no tape, so the tape only says
which tensors count as watched and walks the graph back from the target. It never touches
`.grad`: gradients come back as arrays, as TF returns them, for
`optimizer.apply_gradients(zip(grads, model.trainable_weights))`.
"""
from __future__ import annotations

from chainrule.autodiff.graph import _check_shape, topological_order
from chainrule.autodiff.tensor import Tensor, _to_array
from chainrule.backend import get_array_module


class GradientTape:
    """Computes gradients of a target with respect to sources, as tf.GradientTape.

    Args:
        persistent: allow several `gradient()` calls (the graph is then kept until the tape
            is deleted); by default one call frees it.
        watch_accessed_variables: accepted for TF compatibility. Trainable weights are
            always watched: they record their ops from creation.

    A source's gradient is None when the target does not depend on it, or when the source is
    a constant (`requires_grad` False) that was not passed to `watch()` before it was used.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self._used = False

    def __enter__(self) -> GradientTape:
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def watch(self, tensor) -> None:
        """Record the ops applied to `tensor` (a Tensor, or a list/tuple of them) from now on."""
        for t in _as_list(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch expects chainrule Tensors (e.g. from "
                                f"chainrule.constant(...)). Received: {type(t).__name__}. "
                                f"Wrap arrays first: x = chainrule.constant(x).")
            t.requires_grad = True

    def gradient(self, target, sources, output_gradients=None):
        """d(target)/d(source) for each source, in the sources' structure (list or single).

        A non-scalar target is summed first (its seed is ones), as TF does.
        """
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians). Create it with "
                               "GradientTape(persistent=True) to call gradient() again.")
        self._used = True
        grads = _gradients(target, output_gradients, release=not self.persistent)
        found = [None if not isinstance(s, Tensor) else grads.get(id(s)) for s in
                 _as_list(sources)]
        return found if isinstance(sources, list | tuple) else found[0]


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _gradients(target, seed, release: bool) -> dict:
    """{id(tensor): gradient} for every tensor `target` was computed from (leaves included)."""
    if not isinstance(target, Tensor) or not target.requires_grad:
        return {}
    xp = get_array_module(target.data)
    seed = xp.ones_like(target.data) if seed is None else _to_array(seed, target.dtype)
    grads = {id(target): seed}
    for node in reversed(topological_order(target)):
        fn, gy = node.creator, grads.get(id(node))
        if gy is not None:
            for x, g in zip(fn.inputs, fn.backward(gy)):
                if g is not None and x.requires_grad:
                    _check_shape(fn, x, g)
                    grads[id(x)] = g if id(x) not in grads else grads[id(x)] + g
        if release:
            fn.release()
            node.creator = None
    return grads
