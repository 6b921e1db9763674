"""The MCP server: paperboy as a paper library an agent can use, through the Model Context
Protocol's official Python SDK (``mcp`` on PyPI).

- hub.py: what every tool shares (the hub's objects, who is asking, errors in the API's words);
- reading.py: the read tools (search, a paper, its Markdown, similar, Daily, Trending);
- mine.py: the member's tools (For you, collections, saving, upvoting);
- render.py: the text an agent reads, beside the structured content (the API's shapes);
- server.py: the server, its resources (``paper://{id}``, ``collection://{id}``), who sees which tool;
- http.py: ``/mcp`` in ``paperboy serve`` (streamable HTTP); stdio.py: ``paperboy mcp``.

Like web/, this is a presentation layer: tools parse their arguments, call the feature
functions the HTTP API's routes call, and render; no SQL here. (Named ``mcp_server`` so as not
to hide the SDK's own ``mcp`` package.) docs/mcp.md says how to connect an agent.
"""
