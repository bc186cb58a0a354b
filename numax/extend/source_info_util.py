"""`numax.extend.source_info_util`: JAX's hook for hiding library frames from tracebacks.

Owns `register_exclusion`. JAX uses the registered paths to filter its own and
libraries' frames out of the source locations it records and the tracebacks it
shows. numax records the user frame of each equation its own way and does not filter
tracebacks, so registering a path changes nothing: it is accepted (libraries call it
at import time) and has no effect on any result.
"""


def register_exclusion(path):
    """Accepts a path whose frames a library wants hidden; numax filters no frames, so
    this has no effect. `path` must be a string, as in JAX."""
    if not isinstance(path, str):
        raise TypeError(f"register_exclusion: path must be a string, got {type(path).__name__}")
