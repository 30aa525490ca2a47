"""How many examples each property test runs: few on a laptop, many in CI.

HYPOTHESIS_PROFILE=ci raises the count; HYPOTHESIS_MAX_EXAMPLES overrides either profile.
"""

import os

from hypothesis import HealthCheck, settings

_COUNTS = {"dev": 200, "ci": 2000}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", _COUNTS.get(PROFILE, _COUNTS["dev"])))

examples = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run, so a failure reproduces
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
