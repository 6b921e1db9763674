"""Parser tests read the real files in ../shared/data. A test that opens one that is not on
this machine is skipped, naming the file; every test that needs no such file still runs."""

from __future__ import annotations

import pytest

from tests.helpers import SHARED


def _skip_missing_shared(outcome) -> None:
    exc = outcome.excinfo[1] if outcome.excinfo else None
    if isinstance(exc, FileNotFoundError) and str(exc.filename or "").startswith(str(SHARED)):
        outcome.force_exception(
            pytest.skip.Exception(f"shared data file {exc.filename} is not present on this machine")
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):  # files opened by fixtures
    _skip_missing_shared((yield))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # files opened by the test itself
    _skip_missing_shared((yield))
