"""Use cases: one unit of work per incoming event or job."""
