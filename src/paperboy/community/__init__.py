"""The people of an instance: members and how they sign in (members, sessions, tokens,
signin), and what they do: votes, submissions, comments, curation."""
