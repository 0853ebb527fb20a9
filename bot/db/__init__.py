"""SQLAlchemy 2 models and queries. Nothing here commits: the caller owns the transaction."""
