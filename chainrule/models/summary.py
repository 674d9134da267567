"""`model.summary()`: tf.keras 2.12's table, character for character.

Sequential-like models use 65 columns (name, output shape, parameter count); graphs with
branches use 98 and add "Connected to". A field too long for its column wraps onto the next
line, breaking after '),' and friends, exactly as Keras' `print_row` does.
"""
from __future__ import annotations

_BREAKS = ("),", "},", "],", "',")


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False) -> None:
    """Print the summary table of `model` (see the module docstring)."""
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    print_fn = print_fn or print
    sequential = _is_sequential_like(model)
    line_length = line_length or (65 if sequential else 98)
    positions = positions or ([0.45, 0.85, 1.0] if sequential else [0.33, 0.55, 0.67, 1.0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else
                                                            ["Connected to"])
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(format_row(header, positions))
    print_fn("=" * line_length)
    for layer in model.layers:
        fields = [f"{layer.name} ({_type_name(layer)})", _output_shape(layer), _params(layer)]
        if not sequential:
            fields.append(str(_connections(model, layer)))
        print_fn(format_row(fields, positions))
        print_fn(" " * line_length)
    print_fn("=" * line_length)
    trainable = sum(w.size for w in model.trainable_weights)
    total = sum(w.size for w in model.weights)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn("_" * line_length)


def format_row(fields, positions) -> str:
    """One table row; continuation lines for text that does not fit are joined by newlines."""
    left = [str(f) for f in fields]
    lines = []
    while any(left):
        line = ""
        for col, text in enumerate(left):
            start = positions[col - 1] if col else 0
            space = 2 if col != len(positions) - 1 else 0
            cutoff = positions[col] - start - space
            piece = text[:cutoff]
            cuts = [piece.find(b) + len(b) for b in _BREAKS if piece.find(b) >= 0]
            if cuts:
                cutoff = min(cuts)
                piece = piece[:cutoff]
            line += (" " if col == 0 else "") + piece + " " * space
            left[col] = text[cutoff:]
            line += " " * (positions[col] - len(line))
        lines.append(line)
    return "\n".join(lines)


def _type_name(layer) -> str:
    name = type(layer).__name__
    return "Functional" if name == "Functional" else name


def _output_shape(layer) -> str:
    from chainrule.layers.core import InputLayer

    if isinstance(layer, InputLayer):
        return str([layer._batch_input_shape])
    try:
        return str(layer.output_shape)
    except AttributeError:
        return "multiple"


def _params(layer):
    return layer.count_params() if layer.built else "0 (unused)"


def _is_sequential_like(model) -> bool:
    """Keras' rule: Sequential, subclassed, or a graph that is a single chain."""
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return True
    used = {}
    for node in nodes:
        if len(node.inputs) > 1:
            return False
        for t in node.inputs:
            used[id(t)] = used.get(id(t), 0) + 1
    return len(model.inputs) == 1 and all(n <= 1 for n in used.values())


def _connections(model, layer) -> list[str]:
    node = next(n for n in model._nodes if n.layer is layer)
    return [f"{t.layer.name}[0][0]" for t in node.inputs]
