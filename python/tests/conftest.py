import sys
from pathlib import Path

# Test the package in this folder (an installed copy is tested separately, in test_install.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
