"""HTTP endpoints of the bot process: /healthz, /metrics."""
