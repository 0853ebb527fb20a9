"""The conversation in a terminal: no Telegram, no token, no network."""
