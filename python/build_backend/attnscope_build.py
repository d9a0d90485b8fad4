"""A PEP 517 build backend in the standard library only, so `pip install ./python` works
offline, with no setuptools or wheel to fetch: it zips attnscope_vis/ (with the bundle the npm
build copied into static/) into a pure-Python wheel."""
import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

NAME = "attnscope_vis"
DIST = "attnscope_vis"
VERSION = "0.1.0"
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / NAME
BUNDLE = PACKAGE / "static" / "attnscope.iife.js"

METADATA = f"""Metadata-Version: 2.1
Name: attnscope-vis
Version: {VERSION}
Summary: attnscope's attention and circuit visualisations in Jupyter and VS Code notebooks, offline, with CircuitsVis's function names
License: MIT
Requires-Python: >=3.8
"""
WHEEL = """Wheel-Version: 1.0
Generator: attnscope_build
Root-Is-Purelib: true
Tag: py3-none-any
"""


def _files():
    if not BUNDLE.exists():
        raise FileNotFoundError(f"{BUNDLE} is missing: run `npm run build` in the repository first (it copies the bundle there)")
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".js"}:
            yield path.relative_to(ROOT).as_posix(), path.read_bytes()


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = f"{DIST}-{VERSION}.dist-info"
    filename = f"{DIST}-{VERSION}-py3-none-any.whl"
    entries = list(_files()) + [(f"{info}/METADATA", METADATA.encode()), (f"{info}/WHEEL", WHEEL.encode())]
    record = [_record_line(n, d) for n, d in entries] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w", zipfile.ZIP_DEFLATED) as whl:
        for name, data in entries:
            whl.writestr(name, data)
        whl.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{DIST}-{VERSION}"
    filename = f"{base}.tar.gz"
    extra = ["pyproject.toml", "README.md", "build_backend/attnscope_build.py"]
    with tarfile.open(Path(sdist_directory) / filename, "w:gz") as tar:
        for name, data in list(_files()) + [(n, (ROOT / n).read_bytes()) for n in extra] + [("PKG-INFO", METADATA.encode())]:
            ti = tarfile.TarInfo(f"{base}/{name}")
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
    return filename
