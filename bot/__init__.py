"""Hip Coach: a Telegram coach for stronger, better-controlled running hips."""

__version__ = "0.1.0"
