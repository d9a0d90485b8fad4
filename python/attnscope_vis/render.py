"""Rendering a component to HTML with the one-file bundle (React included) inlined."""
import json
import uuid
from pathlib import Path

BUNDLE_PATH = Path(__file__).parent / "static" / "attnscope.iife.js"
_bundle = None


def bundle_source():
    """The IIFE bundle's source text (read once)."""
    global _bundle
    if _bundle is None:
        if not BUNDLE_PATH.exists():
            raise FileNotFoundError(
                f"{BUNDLE_PATH} is missing: run `npm run build` in the attnscope repository "
                "(it copies packages/react/dist/cdn/attnscope.iife.js here), then reinstall this package"
            )
        _bundle = BUNDLE_PATH.read_text(encoding="utf-8")
    return _bundle


def _script_json(props):
    # "<" never appears raw, so the JSON cannot end its <script> element early.
    text = json.dumps(props, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class RenderedHTML:
    """A rendered component: shown by Jupyter and VS Code through ``_repr_html_``."""

    def __init__(self, name, props):
        self.name = name
        self.props = {k: v for k, v in props.items() if v is not None}
        self.element_id = "attnscope-" + uuid.uuid4().hex[:12]

    def _fragment(self):
        bundle = bundle_source().replace("</script", "<\\/script")
        eid = self.element_id
        return (
            f'<div id="{eid}"></div>\n'
            f"<script>{bundle}</script>\n"
            f'<script type="application/json" id="{eid}-props">{_script_json(self.props)}</script>\n'
            "<script>attnscope.render(document.getElementById(" + json.dumps(eid) + "), " + json.dumps(self.name) + ", "
            "JSON.parse(document.getElementById(" + json.dumps(eid + "-props") + ").textContent));</script>"
        )

    def _repr_html_(self):
        """HTML for a notebook cell: the element, the bundle, the data as JSON, and the call that mounts it."""
        return self._fragment()

    def __html__(self):
        return self._fragment()

    def to_html(self, title=None):
        """A complete, self-contained page (opens offline, from a file)."""
        t = (title or self.name).replace("&", "&amp;").replace("<", "&lt;")
        return (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{t}</title>\n'
            '<link rel="icon" href="data:,">\n</head>\n<body>\n' + self._fragment() + "\n</body>\n</html>\n"
        )

    def save(self, path, title=None):
        """Write ``to_html()`` to ``path``."""
        Path(path).write_text(self.to_html(title), encoding="utf-8")

    def __str__(self):
        return self.to_html()


def render(name, **props):
    """Render the component called ``name`` (e.g. "AttentionPatterns") with camelCase ``props``."""
    return RenderedHTML(name, props)
