"""Type annotations for numax code: `ArrayLike` (anything numax functions accept as an
array) and `DTypeLike` (anything accepted as a dtype), as in `jax.typing`."""

from typing import Union

import numpy as np

from numax.array import Array

ArrayLike = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]
DTypeLike = Union[str, type, np.dtype]

__all__ = ["Array", "ArrayLike", "DTypeLike"]
