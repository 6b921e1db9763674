"""How many inputs each fuzzer tries, and hypothesis' settings for it: PAPERBOY_FUZZ_EXAMPLES
(300 in ``make test``, 10,000 in ``make fuzz``), no input over one second."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=1),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
