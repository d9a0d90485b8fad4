"""Array arguments to plain JSON-ready nested lists.

numpy arrays and torch tensors are recognised by duck typing (``tolist``, ``detach``), so neither
library is imported or required; nested lists and tuples are always accepted.
"""
import math
from numbers import Number


def to_nested(value, name="value"):
    """``value`` as nested lists of floats (ints stay ints); non-finite numbers become None."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        value = value.detach().cpu()
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):  # numpy / torch
        value = value.tolist()
    return _clean(value, name)


def _clean(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, Number):
        v = float(value) if not isinstance(value, int) else value
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v
    if isinstance(value, (list, tuple)):
        return [_clean(v, name) for v in value]
    if hasattr(value, "tolist"):
        return _clean(value.tolist(), name)
    raise TypeError(f"{name}: expected numbers, nested lists, a numpy array or a torch tensor, got {type(value).__name__}")


def shape_of(nested):
    """Shape of a rectangular nested list (the first element's lengths along each axis)."""
    shape = []
    while isinstance(nested, list):
        shape.append(len(nested))
        if not nested:
            break
        nested = nested[0]
    return shape


def check_rank(nested, rank, name, layout):
    """Raise a clear error unless ``nested`` has ``rank`` axes."""
    shape = shape_of(nested)
    if len(shape) != rank:
        raise ValueError(f"{name} must have shape {layout}, got shape {shape}")
    return shape


def tokens_list(tokens, name="tokens"):
    """A list of token strings (a list, a tuple or anything iterable of str)."""
    out = list(tokens)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] is {type(t).__name__}, expected str")
    return out
