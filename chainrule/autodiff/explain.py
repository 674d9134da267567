"""The lecture's backpropagation table, printed from a real graph.

For f = (x + y) * z with x=-2, y=5, z=-4, `f.explain()` prints each op's forward value, its
local gradients (d out / d input, what the op cached on the forward pass) and the upstream
gradient d f / d out, then the gradient each input receives: upstream times local.
"""
from __future__ import annotations

import sys

import numpy as np

from chainrule.autodiff.graph import topological_order


def explain(root, file=None) -> None:
    """Run backward on `root` (keeping the graph) and print the chain rule, node by node."""
    out = file if file is not None else sys.stdout
    nodes = topological_order(root)
    if not nodes:
        raise RuntimeError(
            "explain() found no graph behind this tensor: it is a leaf, or its graph was freed by "
            "backward(). Call explain() before backward(), or use backward(retain_graph=True)."
        )
    names = _names(nodes)
    if root.grad is None or any(n.grad is None for n in nodes if n is not root):
        root.backward(retain_graph=True)
    top = names[id(root)]
    for node in nodes:
        fn = node.creator
        args = ", ".join(names.get(id(x), _fmt(x.data)) for x in fn.inputs)
        print(f"{names[id(node)]} = {fn.name}({args}) = {_fmt(node.data)}", file=out)
        print(f"    upstream  d{top}/d{names[id(node)]} = {_fmt(node.grad)}", file=out)
        for x, local in zip(fn.inputs, _local_gradients(fn)):
            if local is None or not x.requires_grad:
                continue
            name = names.get(id(x), "const")
            print(f"    local     d{names[id(node)]}/d{name} = {_fmt(local)}"
                  f"   ->  d{top}/d{name} += {_fmt(node.grad)} * {_fmt(local)}", file=out)
    for x in _leaves(nodes):
        print(f"d{top}/d{names[id(x)]} = {_fmt(x.grad)}", file=out)


def _local_gradients(fn):
    """backward() with an upstream of ones: for scalar nodes exactly d out / d input."""
    return fn.backward(np.ones(fn.output_shape))


def _leaves(nodes):
    seen, leaves = set(), []
    for node in nodes:
        for x in node.creator.inputs:
            if x.creator is None and x.requires_grad and id(x) not in seen:
                seen.add(id(x))
                leaves.append(x)
    return leaves


def _names(nodes) -> dict:
    """Each tensor's own name, or 't1', 't2', ... in forward order."""
    names, count = {}, 0
    for x in _leaves(nodes) + nodes:
        if x.name:
            names[id(x)] = x.name
        else:
            count += 1
            names[id(x)] = f"t{count}"
    return names


def _fmt(value) -> str:
    a = np.asarray(value)
    if a.size == 1:
        return f"{a.item():g}"
    return np.array2string(a, precision=4, threshold=8)
