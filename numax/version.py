"""numax's version (`numax.version.__version__`) and the jaxlib it runs on."""

from numax.runtime import JAXLIB_VERSION as _JAXLIB_VERSION

__version__ = "0.1.0"
_version = __version__
__version_info__ = tuple(int(part) for part in __version__.split("."))
jaxlib_version = ".".join(str(part) for part in _JAXLIB_VERSION)
