"""Follows (issue 25): a member follows authors and topics (store.py); their papers become For
you picks and a digest section (news.py)."""
