"""The package installs by path (pip install ./python) with its bundle, offline."""
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]


def test_pip_install_by_path_ships_the_bundle(tmp_path):
    pytest.importorskip("pip")
    target = tmp_path / "site"
    # No network (--no-index): the package's own standard-library build backend makes the wheel.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--target", str(target), str(HERE)],
        check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    code = (
        "import attnscope_vis as v; assert str(v.BUNDLE_PATH).startswith(%r), v.BUNDLE_PATH; "
        "print(len(v.attention_patterns(['a'], [[[1.0]]])._repr_html_()))" % str(target)
    )
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(target)}, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 50_000
