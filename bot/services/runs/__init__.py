"""Run files: unpacking, reading (FIT, GPX, TCX), storing and answering."""
