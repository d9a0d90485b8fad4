"""attnscope_vis: attnscope's visualisations in notebooks, offline.

Every function returns a ``RenderedHTML`` that Jupyter and VS Code show inline (``_repr_html_``);
``.to_html()`` gives a self-contained page. The JavaScript bundle (React included) is inlined,
so nothing is fetched from a CDN. Arrays may be numpy arrays, torch tensors or nested lists.
Function and argument names follow CircuitsVis.
"""
from .attention import attention_heads, attention_pattern, attention_patterns
from .circuits import composition_scores, head_score_grid, logit_attribution, token_loss_plot
from .logits import token_log_probs
from .render import BUNDLE_PATH, RenderedHTML, render
from .tokens import colored_tokens, colored_tokens_multi, text_neuron_activations
from .topk import topk_samples, topk_tokens

__version__ = "0.1.0"

__all__ = [
    "attention_heads",
    "attention_pattern",
    "attention_patterns",
    "colored_tokens",
    "colored_tokens_multi",
    "composition_scores",
    "head_score_grid",
    "logit_attribution",
    "render",
    "RenderedHTML",
    "text_neuron_activations",
    "token_log_probs",
    "token_loss_plot",
    "topk_samples",
    "topk_tokens",
    "BUNDLE_PATH",
]
