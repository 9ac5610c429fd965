"""The embedded demo data: web → phone digits and a leaky table of synthetic patients, no download.

Built deterministically from data that ships with scikit-learn, cached under
``$YEARN_CACHE_DIR`` (default ``~/.cache/yearn``) and copied into a project folder with its
``yearn.toml``. See docs/demo.md for what each source is and what was planted in it.

>>> from yearn.demo import make_digits_demo, summarize_demo   # doctest: +SKIP
>>> project = make_digits_demo("digits-demo", random_state=0)  # doctest: +SKIP
"""

from yearn.demo._cache import DEMO_VERSION, demo_cache_dir
from yearn.demo._digits import DIGITS_SETTINGS, DigitsSettings, build_digits_data
from yearn.demo._projects import make_digits_demo, make_tabular_demo
from yearn.demo._run import DEMO_OPTIONS, run_demo
from yearn.demo._summary import (
    DemoSummary,
    ImageQuality,
    SourceSummary,
    edge_sharpness,
    image_quality,
    summarize_demo,
)
from yearn.demo._tabular import build_tabular_data, synthesize_tumours
from yearn.demo.scenes import make_scenes_demo

__all__ = [
    "DEMO_OPTIONS",
    "DEMO_VERSION",
    "DIGITS_SETTINGS",
    "DemoSummary",
    "DigitsSettings",
    "ImageQuality",
    "SourceSummary",
    "build_digits_data",
    "build_tabular_data",
    "demo_cache_dir",
    "edge_sharpness",
    "image_quality",
    "make_digits_demo",
    "make_scenes_demo",
    "make_tabular_demo",
    "run_demo",
    "summarize_demo",
    "synthesize_tumours",
]
