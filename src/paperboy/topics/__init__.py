"""Topics (issue 25): the papers of a period grouped by their vectors, named, counted by week,
placed on a map, their ids kept across rebuilds (docs/topics.md).

compute.py is the pure build (cluster.py, naming.py, trends.py, matching.py, layout.py); build.py
reads the papers and stores a build (serve's job, `paperboy topics build`); queries.py is what
pages, the API, feeds and the CLI read; chart.py draws a topic's weekly SVG.
"""
