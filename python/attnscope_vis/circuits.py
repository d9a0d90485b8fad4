"""attnscope's circuit and loss views (no CircuitsVis equivalent; snake_case of the React props)."""
from .convert import check_rank, to_nested, tokens_list
from .render import render


def head_score_grid(scores, threshold=0.4, score_label=None, min_value=None, max_value=None, title=None):
    """A [layer, head] grid of detector scores with the heads above ``threshold`` outlined."""
    s = to_nested(scores, "scores")
    check_rank(s, 2, "scores", "[layers, heads]")
    return render("HeadScoreGrid", scores=s, threshold=threshold, scoreLabel=score_label, minValue=min_value, maxValue=max_value, title=title)


def composition_scores(q=None, k=None, v=None, baseline=None, head_labels=None, title=None):
    """Composition scores [L1, H1, L2, H2] per mode, e.g. ``model.all_composition_scores("K")``."""
    scores = {}
    for mode, value in (("Q", q), ("K", k), ("V", v)):
        if value is not None:
            scores[mode] = to_nested(value, mode.lower())
            check_rank(scores[mode], 4, mode.lower(), "[L1, H1, L2, H2]")
    if not scores:
        raise ValueError("composition_scores needs at least one of q, k, v")
    return render("CompositionScores", scores=scores, baseline=baseline, headLabels=head_labels, title=title)


def logit_attribution(tokens, attribution, labels, correct_logits=None, title=None):
    """Direct logit attribution [T - 1, components] (ARENA ``logit_attribution``) as a position × component heatmap."""
    a = to_nested(attribution, "attribution")
    check_rank(a, 2, "attribution", "[positions, components]")
    c = to_nested(correct_logits, "correct_logits") if correct_logits is not None else None
    return render("LogitAttribution", tokens=tokens_list(tokens), attribution=a, labels=list(labels), correctLogits=c, title=title)


def token_loss_plot(tokens, loss, title=None):
    """Per-token loss along the sequence (``per_token=True`` loss, [T - 1])."""
    l = to_nested(loss, "loss")
    check_rank(l, 1, "loss", "[T - 1] or [T]")
    return render("TokenLossPlot", tokens=tokens_list(tokens), loss=l, title=title)
