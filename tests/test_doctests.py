"""The examples in docstrings are tests too: they must stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["paperboy.config", "paperboy.fetch", "paperboy.fetch.client", "paperboy.papers.record",
           "paperboy.papers.limits", "paperboy.papers.listing", "paperboy.papers.view", "paperboy.papers.labels", "paperboy.web.cache",
           "paperboy.digest.addresses", "paperboy.digest.throttle", "paperboy.web.http",
           "paperboy.community.admin", "paperboy.errors", "paperboy.web.requestlog"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
