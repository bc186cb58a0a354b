"""numax.numpy: the NumPy API on numax arrays (placeholder, filled in by the numpy layer)."""
