"""python -m benchmarks [update_path] [--users N] [--rounds N]"""

from __future__ import annotations

import sys

from benchmarks import update_path

if __name__ == "__main__":
    sys.exit(update_path.main(sys.argv[1:]))
