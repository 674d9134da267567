"""The backward driver: walk the graph in reverse topological order, apply the chain rule.

Iterative (an explicit stack, no recursion limit), deterministic (inputs are visited in call
order), shape-checked (a wrong gradient shape is named at the op that produced it), and
frugal: each op's cache is freed as soon as its gradient has been passed on, unless
`retain_graph=True` (which also keeps the intermediate gradients, for `explain()`).
"""
from __future__ import annotations

import contextlib
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """False inside `no_grad()`: ops then record no graph."""
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def no_grad():
    """Context in which ops record no graph (inference, optimizer updates)."""
    previous = is_grad_enabled()
    _state.grad_enabled = False
    try:
        yield
    finally:
        _state.grad_enabled = previous


def topological_order(root) -> list:
    """Tensors made by an op, each after every tensor it was computed from (post-order)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif node.creator is not None and id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((x, False) for x in reversed(node.creator.inputs))
    return order


def run_backward(root, grad, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf that requires a gradient."""
    grads = {id(root): grad}
    for node in reversed(topological_order(root)):
        fn = node.creator
        gy = grads.pop(id(node), None)
        if retain_graph:
            node.grad = gy
        if gy is not None:
            _pass_on(fn, gy, grads)
        if not retain_graph:
            fn.release()
            node.creator = None


def _pass_on(fn, gy, grads: dict) -> None:
    """Chain rule at one op: hand each input its gradient; fan-out accumulates with `+`."""
    for x, g in zip(fn.inputs, fn.backward(gy)):
        if g is None or not x.requires_grad:
            continue
        _check_shape(fn, x, g)
        if x.creator is None:
            x.grad = g.copy() if x.grad is None else x.grad + g
        else:
            grads[id(x)] = g if id(x) not in grads else grads[id(x)] + g


def _check_shape(fn, x, g) -> None:
    if g.shape != x.shape:
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned a gradient of shape {g.shape} for an input "
            f"of shape {x.shape}. Each gradient must have its input's shape."
        )
