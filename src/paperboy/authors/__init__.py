"""Authors (issue 25): names matched normalised (names.py), an author's page data (page.py)."""
