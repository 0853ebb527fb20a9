"""Loads and validates content/ (labels and templates) once at start-up."""
