"""A second client, not written in Python: the MCP inspector's command-line mode
(`npx @modelcontextprotocol/inspector --cli`) lists the tools of `paperboy mcp` too.

It needs Node.js and the inspector's package, which the test environment does not install:
point MCP_INSPECTOR at its `mcp-inspector` program (e.g. after `npm install
@modelcontextprotocol/inspector` in a scratch folder) to run it; without it the test skips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperboy.mcp_server.server import MEMBER_TOOLS, READ_TOOLS
from tests.mcp_server.conftest import Filled

INSPECTOR = os.environ.get("MCP_INSPECTOR", "")


@pytest.mark.skipif(not INSPECTOR or not Path(INSPECTOR).exists(),
                    reason="MCP_INSPECTOR does not name the inspector's mcp-inspector program")
def test_the_inspector_lists_the_tools(filled: Filled, tmp_path: Path):
    env = [f"-e{k}={v}" for k, v in (("DATABASE_URL", filled.url), ("PAPERBOY_HOME", str(tmp_path)),
                                      ("PYTHONPATH", os.environ.get("PYTHONPATH", "")))]
    for token, tools in ((None, READ_TOOLS), (filled.ada_token, READ_TOOLS | MEMBER_TOOLS)):
        done = subprocess.run([INSPECTOR, "--cli", *env, *([f"-ePAPERBOY_TOKEN={token}"] if token else []),
                               sys.executable, "-m", "paperboy", "mcp", "--method", "tools/list"],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert {t["name"] for t in json.loads(done.stdout)["tools"]} == tools
