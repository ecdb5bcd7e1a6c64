"""Users, connected apps, tokens and their policies (no Flask here)."""
