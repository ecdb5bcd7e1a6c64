"""The fidelity suite replays its corpus against the session's HTTPS mock server."""
