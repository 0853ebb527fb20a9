"""The conversation as a typed state machine: one router, one module per feature."""
