"""Test-suite settings: hypothesis draws the same examples on every run (a fixed seed per
test), so a CI run is reproducible; set NUMAX_HYPOTHESIS_EXPLORE=1 to draw new ones."""

import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile("explore" if os.environ.get("NUMAX_HYPOTHESIS_EXPLORE") else "reproducible")
