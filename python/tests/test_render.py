"""attnscope_vis renders components to HTML with the bundle inlined; these pages draw in Chromium."""
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

import attnscope_vis as vis

np = pytest.importorskip("numpy")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def previous_token_heads(T):
    """Two heads written out by hand: previous token, and first token (BOS)."""
    a = np.zeros((2, T, T), dtype=np.float32)
    for q in range(T):
        a[0, q, max(0, q - 1)] = 1
        a[1, q, 0] = 1
    return a


class Checker(HTMLParser):
    """Collects tags (checking they nest), scripts' src and contents."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.scripts, self.srcs, self._in = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = dict(attrs)
            self.srcs += [v for k, v in attrs if k == "src"]
            self.scripts.append((self._in, ""))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def test_attention_patterns_from_numpy_keeps_the_numbers():
    tokens = ["<|endoftext|>", " a", " b", " c"]
    att = previous_token_heads(4)
    att[0, 3] = [0.125, 0.25, 0.625, 0]
    r = vis.attention_patterns(tokens, att, head_labels=["0.0", "0.1"])
    assert r.name == "AttentionPatterns"
    assert r.props["attention"][0][3] == [0.125, 0.25, 0.625, 0.0]
    assert r.props["headLabels"] == ["0.0", "0.1"]
    # A TransformerLens batch of one is dropped.
    assert vis.attention_patterns(tokens, att[None]).props["attention"] == r.props["attention"]


def test_repr_html_is_valid_html_with_the_data_and_bundle_inlined():
    tokens = ["<|endoftext|>", "</script><img src=x onerror=alert(1)>", " b"]
    att = previous_token_heads(3)
    html = vis.attention_heads(att, tokens, attention_head_names=["0.0", "0.1"], mask_upper_tri=True)._repr_html_()
    p = Checker()
    p.feed(html)
    p.close()
    assert p.errors == [] and p.stack == []
    assert p.srcs == [], "nothing is loaded from elsewhere"
    bundle, data, call = p.scripts
    assert bundle[1].startswith("var attnscope=")
    props = json.loads(data[1])
    assert props["tokens"] == tokens and props["attention"] == att.tolist() and props["maskUpperTriangle"] is True
    assert "attnscope.render(" in call[1] and '"AttentionHeads"' in call[1]


def test_arrays_are_duck_typed_and_shapes_checked():
    class FakeTensor:  # what torch.Tensor offers: detach, cpu, tolist
        def detach(self):
            return self

        def cpu(self):
            return self

        def tolist(self):
            return [0.5, float("nan"), 2]

    r = vis.colored_tokens(["a", "b", "c"], FakeTensor(), negative_color="#d81b60")
    assert r.props["values"] == [0.5, None, 2] and r.props["negativeColor"] == "#d81b60"
    assert vis.colored_tokens(("a",), (1,)).props["values"] == [1]
    with pytest.raises(ValueError, match=r"attention must have shape \[heads, dest_tokens, src_tokens\], got shape \[3, 3\]"):
        vis.attention_patterns(["a", "b", "c"], np.eye(3))
    with pytest.raises(TypeError, match=r"tokens\[1\] is int"):
        vis.colored_tokens(["a", 2], [1, 2])


def test_token_log_probs_ranks_and_top_k():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 40))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    ids = np.array([0, 7, 3, 9, 1])
    r = vis.token_log_probs(ids, log_probs, lambda i: f"t{i}", top_k=3)
    for t in range(4):
        order = np.argsort(-log_probs[t])
        assert r.props["topKTokens"][t] == [f"t{i}" for i in order[:3]]
        assert r.props["correctTokenRank"][t] == int(np.where(order == ids[t + 1])[0][0])
        assert r.props["correctTokenLogProb"][t] == pytest.approx(log_probs[t, ids[t + 1]])


def test_topk_tokens_matches_a_sort():
    acts = np.array([[[0.1, 0.9], [0.7, 0.2], [0.4, 0.5]]])  # [layers 1, tokens 3, neurons 2]
    r = vis.topk_tokens([["x", "y", "z"]], [acts], max_k=2)
    assert r.props["topkIdxs"][0][0] == [[1, 0], [2, 2]]
    assert r.props["bottomkIdxs"][0][0] == [[0, 1], [2, 2]]
    assert r.props["topkVals"][0][0][0] == [0.7, 0.9]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
def test_the_page_draws_in_headless_chromium(tmp_path):
    T = 24
    tokens = ["<|endoftext|>"] + [f" w{i}" for i in range(T - 1)]
    page = vis.attention_patterns(tokens, previous_token_heads(T)).to_html()
    # After rendering, count the heatmap's colours and write the count into the DOM Chromium dumps.
    probe = """<script>
window.addEventListener("error", (e) => document.body.setAttribute("data-error", String(e.message)));
(function poll(n) {
  const c = document.querySelector('[role="img"][aria-label^="Attention pattern of head"] canvas');
  let colours = 0;
  if (c) {
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 28) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    colours = seen.size;
  }
  if (colours > 8) document.body.setAttribute("data-drawn", String(colours));
  else setTimeout(() => poll(n + 1), 50);
})(0);
</script>"""
    path = tmp_path / "attention.html"
    end = page.rindex("</body>")  # the page's own; the bundle's text holds "</body>" too
    path.write_text(page[:end] + probe + "\n" + page[end:], encoding="utf-8")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--virtual-time-budget=20000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    assert 'data-error="' not in out
    drawn = re.search(r'data-drawn="(\d+)"', out)
    assert drawn, "the page never reported its heatmap"
    assert int(drawn.group(1)) > 8
    assert 'aria-label="Head 1"' in out


def test_bundle_size(capsys):
    size = vis.BUNDLE_PATH.stat().st_size
    html = len(vis.colored_tokens(["a"], [1])._repr_html_().encode())
    with capsys.disabled():
        print(f"\nattnscope_vis bundle: {size / 1024:.0f} KiB ({size} bytes); a one-token cell's HTML: {html / 1024:.0f} KiB")
    assert 50_000 < size < 2_000_000
