"""Email digests: subscriptions (double opt-in), composing, and delivery through the outbox."""
