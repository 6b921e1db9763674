"""The web app: pages, JSON API and feeds."""
