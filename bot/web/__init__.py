"""The Telegram Mini App: the week, a session player with a timer, and progress, served by
tornado and signed in with Telegram's initData (see server.py)."""
