"""Running an instance: its health (health.py), backups and restores (backup.py)."""
