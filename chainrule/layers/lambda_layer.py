"""Lambda: wrap a function of tensors as a layer (`Lambda(lambda x: x * 2)`).

Its config names the function (`function_type` 'function': name and module), and loading
finds it among the custom objects or in its already-imported module. A lambda or nested
function has no importable name, so, as Keras does, its config carries its marshalled
bytecode (`function_type` 'lambda'). Loading that would run code from the file, so
`from_config` refuses it unless the caller passes `safe_mode=False` (Keras 3's rule).
"""
from __future__ import annotations

import base64
import contextvars
import marshal
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from chainrule.autodiff.graph import no_grad
from chainrule.layers.layer import Layer

_SAFE_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar("safe_mode", default=True)


@contextmanager
def safe_mode_scope(safe_mode: bool = True) -> Iterator[None]:
    """Inside the block, Lambda configs load with this `safe_mode` (`load_model` sets it)."""
    token = _SAFE_MODE.set(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.reset(token)


class Lambda(Layer):
    """Applies `function(inputs, **arguments)`; the function must be built from chainrule ops.

    Args:
        function: callable taking a Tensor (or a list of them).
        output_shape: output shape without the batch axis, or a function of the input shape;
            None: the function runs on zeros to find it.
        arguments: extra keyword arguments for `function`.

    Input shape:  any.  Output shape: `output_shape`, or what the function gives.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects a callable `function`. Received: "
                            f"function={function!r}")
        if output_shape is not None and not callable(output_shape):
            output_shape = tuple(output_shape)
        self.function, self.output_shape_arg = function, output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs, training=False):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if callable(self.output_shape_arg):
            return tuple(self.output_shape_arg(input_shape))
        if self.output_shape_arg is not None:
            return (_batch(input_shape), *self.output_shape_arg)
        return self._probe_shape(input_shape)

    def _probe_shape(self, input_shape):
        """Run the function on a zero batch of 1 to see the output's shape."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        zeros = [np.zeros((1, *(1 if d is None else d for d in s[1:])), self.dtype)
                 for s in shapes]
        with no_grad():
            out = self.call(zeros if isinstance(input_shape, list) else zeros[0])
        return (_batch(input_shape), *out.shape[1:])

    def get_config(self):
        shape = self.output_shape_arg
        if callable(shape):
            shape = _function_config(shape)[0]
        return {**super().get_config(), **_function_config(self.function),
                "output_shape": shape, "output_shape_type": "raw",
                "output_shape_module": None, "arguments": self.arguments}

    @classmethod
    def from_config(cls, cfg: dict, custom_objects=None, safe_mode: bool | None = None):
        """Rebuild from `get_config`; safe_mode None means the enclosing `safe_mode_scope`'s
        (True by default)."""
        safe_mode = _SAFE_MODE.get() if safe_mode is None else safe_mode
        cfg = dict(cfg)
        kind, name, module = cfg.pop("function_type"), cfg.pop("function"), cfg.pop("module")
        cfg.pop("output_shape_type", None)
        cfg.pop("output_shape_module", None)
        if kind == "lambda":
            if safe_mode:
                raise ValueError(
                    "Requested the deserialization of a Lambda layer whose function is "
                    "marshalled Python bytecode. Loading it would run arbitrary code from the "
                    "file, so it is disallowed by default (safe_mode=True). If you trust the "
                    "file, pass safe_mode=False.")
            function = _unmarshal(name, module, custom_objects)
        else:
            function = _find_function(name, module, custom_objects)
        return cls(function, **cfg)


def _batch(input_shape):
    return input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]


def _function_config(function) -> dict:
    """Name and module of a named function; marshalled bytecode (Keras' format) otherwise."""
    name = getattr(function, "__qualname__", "")
    if name and "<" not in name and "." not in name:
        return {"function": name, "function_type": "function",
                "module": getattr(function, "__module__", None)}
    code = base64.b64encode(marshal.dumps(function.__code__)).decode("ascii")
    return {"function": (code, function.__defaults__, None), "function_type": "lambda",
            "module": getattr(function, "__module__", None)}


def _find_function(name: str, module: str | None, custom_objects):
    """`name` among the custom objects, else in the already-imported `module`."""
    from chainrule.layers.registry import get_custom_objects  # the load's scope
    custom = get_custom_objects(custom_objects)
    if name in custom:
        return custom[name]
    found = getattr(sys.modules.get(module or ""), name, None)
    if found is None:
        raise ValueError(f"Lambda: could not find function {name!r} (module {module!r}). Pass "
                         f"it in `custom_objects`, e.g. custom_objects={{{name!r}: {name}}}, "
                         f"or import its module first.")
    return found


def _unmarshal(spec, module: str | None, custom_objects):
    """Rebuild a marshalled function; its globals are its module's (if imported) and the
    custom objects."""
    from chainrule.layers.registry import get_custom_objects
    code, defaults, _ = spec
    raw = marshal.loads(base64.b64decode(code))
    if raw.co_freevars:
        raise ValueError(f"Lambda: cannot rebuild a function that closes over variables "
                         f"{raw.co_freevars}. Define it at module level instead.")
    scope = {**getattr(sys.modules.get(module or ""), "__dict__", {}),
             **get_custom_objects(custom_objects)}
    return types.FunctionType(raw, scope, None, tuple(defaults) if defaults else None)
