"""Weight initializers with Keras' names, arguments and maths.

Each initializer is a callable `init(shape, dtype)` returning a NumPy array. Random ones draw
from their own Generator (seeded by `seed`, or by `chainrule.utils.set_random_seed`).
"""
from __future__ import annotations

import math

import numpy as np

from chainrule import config


class Initializer:
    """Base class: `__call__(shape, dtype)`, `get_config()`, `from_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(**cfg)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or config.floatx())


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or config.floatx())


class Constant(Initializer):
    """Every value equal to `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or config.floatx())

    def get_config(self):
        return {"value": self.value}


class _Random(Initializer):
    """An initializer with its own Generator, created on first use from `seed`."""

    def __init__(self, seed=None):
        self.seed = seed
        self._rng = None

    def rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = config.make_rng(self.seed)
        return self._rng


class RandomNormal(_Random):
    """Normal(mean, stddev)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        x = self.rng().normal(self.mean, self.stddev, shape)
        return x.astype(dtype or config.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    """Uniform(minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        x = self.rng().uniform(self.minval, self.maxval, shape)
        return x.astype(dtype or config.floatx())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Random):
    """Normal(mean, stddev) redrawn where more than two stddevs from the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return (self.mean + self.stddev * _truncated(self.rng(), shape)).astype(
            dtype or config.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class Orthogonal(_Random):
    """A (scaled) orthogonal matrix: the Q of a QR decomposition of a normal draw.

    Axes before the last are flattened into rows; with more columns than rows the rows are
    orthonormal, otherwise the columns. Keras' default for recurrent kernels.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={tuple(shape)} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))          # make the decomposition unique (uniform over O(n))
        q = q.T if rows < cols else q
        return (self.gain * q).reshape(shape).astype(dtype or config.floatx())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def _truncated(rng, shape):
    """Standard normal samples restricted to [-2, 2] by redrawing."""
    x = rng.standard_normal(shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    return x


def compute_fans(shape) -> tuple[float, float]:
    """Keras' fan-in/fan-out: a conv kernel (kh, kw, in, out) counts kh*kw*in and kh*kw*out."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class VarianceScaling(_Random):
    """Samples with variance `scale / n`, n = fan_in, fan_out or their average (`mode`)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. "
                             f"Expected one of 'fan_in', 'fan_out', 'fan_avg'.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}.")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            x = self.rng().uniform(-limit, limit, shape)
        elif self.distribution in ("truncated_normal", "normal"):
            x = math.sqrt(variance) / 0.87962566103423978 * _truncated(self.rng(), shape)
        else:
            x = math.sqrt(variance) * self.rng().standard_normal(shape)
        return x.astype(dtype or config.floatx())

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _scaling(name: str, scale: float, mode: str, distribution: str):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    doc = f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})."
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")

_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    Orthogonal,
    GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal)}
_ALIASES = {"zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
            "random_normal": RandomNormal, "random_uniform": RandomUniform,
            "truncated_normal": TruncatedNormal, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
            "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
            "variance_scaling": VarianceScaling,
            "orthogonal": Orthogonal}
_SERIAL_NAMES = {v: k for k, v in _ALIASES.items() if k not in ("zero", "one")}


def get(identifier) -> Initializer:
    """An initializer from a name ('glorot_uniform'), a class name, a config dict or a callable."""
    if isinstance(identifier, Initializer) or (callable(identifier) and
                                               not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer: {identifier!r}. "
                             f"Expected one of {sorted(_ALIASES)}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(init) -> dict | str:
    """Keras-style config: {'class_name': 'GlorotUniform', 'config': {...}}."""
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    return getattr(init, "__name__", repr(init))


def deserialize(cfg: dict) -> Initializer:
    """Inverse of `serialize`."""
    cls = _CLASSES.get(cfg.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown initializer class: {cfg.get('class_name')!r}")
    return cls.from_config(cfg.get("config", {}))
