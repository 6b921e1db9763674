"""The examples in the MCP layer's docstrings stay true (as tests/test_doctests.py for the rest)."""

from __future__ import annotations

import doctest

from paperboy.mcp_server import server


def test_docstring_examples():
    result = doctest.testmod(server)
    assert result.attempted > 0 and result.failed == 0
