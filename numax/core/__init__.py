"""Core: abstract values, dtypes, tracers and traces, the IR, pytrees, config, errors.

Knows no primitive by name; everything here is generic over the primitive registry."""
