"""The python-telegram-bot adapter: the only package that imports `telegram`."""
