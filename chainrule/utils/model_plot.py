"""`plot_model`: the layer graph as an image, drawn with Pillow (Graphviz `dot` when present).

Keras needs pydot and the Graphviz program; here a plain `pip install chainrule` is enough:
the graph is laid out in rows by depth (the longest path from an input) and drawn as boxes
and arrows with Pillow. When Graphviz' `dot` is on the PATH, it draws the same graph instead
(its layout is better for wide graphs), from the DOT text `model_to_dot` returns.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

from PIL import Image, ImageDraw, ImageFont

_BOX, _EDGE, _TEXT = (235, 242, 250), (70, 70, 70), (20, 20, 20)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:                                   # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def layer_graph(model, expand_nested: bool = False) -> tuple[list, list[tuple[int, int]]]:
    """(layers, edges as (from index, to index)) of a functional or sequential model.

    With `expand_nested`, a model used as a layer is replaced by its own layers: edges into it
    go to its first layers, edges out of it leave from its last ones.
    """
    layers, edges = _own_graph(model)
    if not expand_nested:
        return layers, edges
    out_layers, spans = [], []                          # spans[i]: (sources, sinks) of layer i
    inner_edges = []
    for layer in layers:
        if hasattr(layer, "layers") and getattr(layer, "layers", None):
            sub, sub_edges = layer_graph(layer, expand_nested=True)
            base = len(out_layers)
            out_layers += sub
            inner_edges += [(base + a, base + b) for a, b in sub_edges]
            targets, starts = {b for _, b in sub_edges}, {a for a, _ in sub_edges}
            spans.append(([base + i for i in range(len(sub)) if i not in targets],
                          [base + i for i in range(len(sub)) if i not in starts]))
        else:
            spans.append(([len(out_layers)], [len(out_layers)]))
            out_layers.append(layer)
    outer = [(a2, b2) for a, b in edges for a2 in spans[a][1] for b2 in spans[b][0]]
    return out_layers, inner_edges + outer


def _own_graph(model) -> tuple[list, list[tuple[int, int]]]:
    nodes = getattr(model, "_nodes", None)
    if nodes is None:                                   # Sequential: a chain
        layers = list(model.layers)
        return layers, [(i, i + 1) for i in range(len(layers) - 1)]
    layers, index, edges = [], {}, []
    for node in nodes:
        if id(node.layer) not in index:
            index[id(node.layer)] = len(layers)
            layers.append(node.layer)
        for t in node.inputs:
            edge = (index[id(t.layer)], index[id(node.layer)])
            if edge not in edges:
                edges.append(edge)
    return layers, edges


def select_range(layers: list, edges, layer_range) -> tuple[list, list[tuple[int, int]]]:
    """Keras' `layer_range=[start, end]`: the layers from the first whose name matches the
    `start` pattern to the last matching `end` (both kept), and the edges among them."""
    if layer_range is None:
        return layers, edges
    if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"layer_range must be a list of 2 strings (start and end layer "
                         f"names). Received: layer_range={layer_range!r}")
    starts = [i for i, la in enumerate(layers) if re.match(layer_range[0], la.name)]
    ends = [i for i, la in enumerate(layers) if re.match(layer_range[1], la.name)]
    if not starts or not ends:
        raise ValueError(f"Passed layer_range {layer_range} does not match any layer name "
                         f"in the model: {[la.name for la in layers]}")
    keep = list(range(starts[0], ends[-1] + 1))
    new = {old: i for i, old in enumerate(keep)}
    return [layers[i] for i in keep], [(new[a], new[b]) for a, b in edges
                                       if a in new and b in new]


def _shape_text(shape) -> str:
    return str(shape).replace("None", "?") if shape is not None else "?"


def _label_lines(model, layer, show_shapes, show_dtype, show_layer_names,
                 show_layer_activations=False, show_trainable=False) -> list[str]:
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_layer_names else kind]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        lines.append(f"activation: {getattr(activation, '__name__', activation)}")
    if show_dtype:
        lines.append(f"dtype: {layer.dtype}")
    if show_shapes:
        lines.append(f"output: {_shape_text(_output_shape(model, layer))}")
    if show_trainable:
        lines.append(f"trainable: {'yes' if layer.trainable else 'no'}")
    return lines


def _output_shape(model, layer):
    for node in getattr(model, "_nodes", []):
        if node.layer is layer:
            return node.shape
    try:
        return layer.output_shape
    except (AttributeError, ValueError):
        return None


def _depths(n: int, edges) -> list[int]:
    depth = [0] * n
    for _ in range(n):                                  # longest path; edges follow topo order
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


def _layout(sizes: list, edges, rankdir: str, gap: int) -> dict:
    """Top-left corner of each box: ranks by longest path, in `rankdir`'s direction."""
    depth = _depths(len(sizes), edges)
    ranks = [[i for i in range(len(sizes)) if depth[i] == d] for d in range(max(depth) + 1)]
    if rankdir in ("BT", "RL"):                          # the inputs at the bottom / right
        ranks.reverse()
    across = rankdir in ("LR", "RL")
    pos, main = {}, gap
    for rank in ranks:
        cross = gap
        for i in rank:
            pos[i] = (main, cross) if across else (cross, main)
            cross += (sizes[i][1] if across else sizes[i][0]) + gap
        main += max(sizes[i][0] if across else sizes[i][1] for i in rank) + gap
    return pos


def _draw(labels: list[list[str]], edges, rankdir: str, dpi: int) -> Image.Image:
    scale = max(dpi, 48) / 96
    font = _font(int(13 * scale))
    line_h, pad, gap = int(17 * scale), int(8 * scale), int(36 * scale)
    sizes = [(max(int(font.getlength(t)) for t in lines) + 2 * pad, len(lines) * line_h + 2 * pad)
             for lines in labels]
    pos = _layout(sizes, edges, rankdir, gap)
    width = max(x + sizes[i][0] for i, (x, y) in pos.items()) + gap
    height = max(y + sizes[i][1] for i, (x, y) in pos.items()) + gap
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    for a, b in edges:
        _arrow(draw, pos, sizes, a, b, rankdir, scale)
    for i, lines in enumerate(labels):
        x, y = pos[i]
        draw.rectangle([x, y, x + sizes[i][0], y + sizes[i][1]], fill=_BOX, outline=_EDGE)
        for k, text in enumerate(lines):
            draw.text((x + pad, y + pad + k * line_h), text, fill=_TEXT, font=font)
    return img


def _arrow(draw, pos, sizes, a: int, b: int, rankdir: str, scale: float) -> None:
    """From box a's far side to box b's near side; with BT/RL the far side is top/left."""
    (xa, ya), (xb, yb) = pos[a], pos[b]
    (wa, ha), (wb, hb) = sizes[a], sizes[b]
    forward = rankdir in ("TB", "LR")
    if rankdir in ("LR", "RL"):
        start = (xa + wa if forward else xa, ya + ha // 2)
        end = (xb if forward else xb + wb, yb + hb // 2)
    else:
        start = (xa + wa // 2, ya + ha if forward else ya)
        end = (xb + wb // 2, yb if forward else yb + hb)
    draw.line([start, end], fill=_EDGE, width=max(1, int(scale)))
    head, sign = int(6 * scale), 1 if forward else -1
    back = head * sign
    if rankdir in ("LR", "RL"):
        tip = [end, (end[0] - back, end[1] - head // 2), (end[0] - back, end[1] + head // 2)]
    else:
        tip = [end, (end[0] - head // 2, end[1] - back), (end[0] + head // 2, end[1] - back)]
    draw.polygon(tip, fill=_EDGE)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", dpi=96, expand_nested=False, layer_range=None,
                 show_layer_activations=False, show_trainable=False) -> str:
    """The layer graph as Graphviz DOT text."""
    labels, edges = _labelled_graph(model, show_shapes, show_dtype, show_layer_names,
                                    expand_nested, layer_range, show_layer_activations,
                                    show_trainable)
    lines = [f'digraph "{model.name}" {{', f'  graph [rankdir={rankdir}, dpi={dpi}];',
             '  node [shape=record, fontname="Helvetica"];']
    lines += [f'  n{i} [label="{_dot_text(label)}"];' for i, label in enumerate(labels)]
    lines += [f"  n{a} -> n{b};" for a, b in edges] + ["}"]
    return "\n".join(lines)


def _dot_text(lines: list[str]) -> str:
    return r"\n".join(lines)


def _labelled_graph(model, show_shapes, show_dtype, show_layer_names, expand_nested,
                    layer_range, show_layer_activations, show_trainable):
    layers, edges = select_range(*layer_graph(model, expand_nested), layer_range)
    labels = [_label_lines(model, layer, show_shapes, show_dtype, show_layer_names,
                           show_layer_activations, show_trainable) for layer in layers]
    return labels, edges


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 96, layer_range=None,
               show_layer_activations: bool = False, show_trainable: bool = False):
    """Write the model's layer graph to `to_file` (PNG, JPEG, ...; PDF/SVG need Graphviz).

    Args as in Keras: `expand_nested` draws the layers of a model used as a layer in its
    place; `layer_range=[start, end]` keeps the layers from the first name matching `start`
    to the last matching `end`; `show_layer_activations` and `show_trainable` add a line.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of 'TB', 'LR', 'BT', 'RL'. Received: "
                         f"rankdir={rankdir!r}")
    if not model.layers:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    fmt = os.path.splitext(os.fspath(to_file))[1][1:].lower() or "png"
    options = (show_shapes, show_dtype, show_layer_names, expand_nested, layer_range,
               show_layer_activations, show_trainable)
    labels, edges = _labelled_graph(model, *options)     # checks layer_range before drawing
    dot = shutil.which("dot")
    if dot is not None:
        text = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir, dpi,
                            *options[3:])
        subprocess.run([dot, f"-T{fmt}", "-o", os.fspath(to_file)], input=text.encode(),
                       check=True, capture_output=True)
        return
    if fmt in ("pdf", "svg", "dot"):
        raise ValueError(f"plot_model writes {fmt!r} files only with Graphviz installed (the "
                         f"`dot` program). Install Graphviz, or save as .png.")
    _draw(labels, edges, rankdir, dpi).save(os.fspath(to_file), dpi=(dpi, dpi))
