"""Attention views, with CircuitsVis's argument names."""
from .convert import check_rank, shape_of, to_nested, tokens_list
from .render import render


def _heads(attention, name="attention"):
    a = to_nested(attention, name)
    if len(shape_of(a)) == 4:
        if len(a) != 1:
            raise ValueError(f"{name} has a batch of {len(a)}; pass one sequence ([heads, dest, src] or [1, heads, dest, src])")
        a = a[0]
    check_rank(a, 3, name, "[heads, dest_tokens, src_tokens]")
    return a


def attention_patterns(tokens, attention, head_labels=None):
    """Every head of one or more layers: thumbnails to pick a head, the chosen head large, a token strip.

    Args:
        tokens: the sequence's tokens, e.g. ``model.to_str_tokens(text)``.
        attention: [heads, dest_tokens, src_tokens] (numpy, torch or nested lists), e.g.
            ``cache["pattern", 0]``; a leading batch of 1 is dropped.
        head_labels: one label per head, e.g. ``["0.0", …]``.
    """
    return render("AttentionPatterns", tokens=tokens_list(tokens), attention=_heads(attention), headLabels=head_labels)


def attention_heads(
    attention,
    tokens,
    attention_head_names=None,
    max_value=None,
    min_value=None,
    negative_color=None,
    positive_color=None,
    mask_upper_tri=None,
):
    """Every head's pattern in a grid with a shared token strip (CircuitsVis ``attention_heads``)."""
    return render(
        "AttentionHeads",
        attention=_heads(attention),
        tokens=tokens_list(tokens),
        headLabels=attention_head_names,
        maxValue=max_value,
        minValue=min_value,
        negativeColor=negative_color,
        positiveColor=positive_color,
        maskUpperTriangle=mask_upper_tri,
    )


def attention_pattern(
    tokens,
    attention,
    max_value=None,
    min_value=None,
    negative_color=None,
    show_axis_labels=None,
    positive_color=None,
    mask_upper_tri=None,
):
    """One head's pattern [dest_tokens, src_tokens] as a heatmap (CircuitsVis ``attention_pattern``)."""
    a = to_nested(attention, "attention")
    check_rank(a, 2, "attention", "[dest_tokens, src_tokens]")
    return render(
        "AttentionPattern",
        tokens=tokens_list(tokens),
        attention=a,
        maxValue=max_value,
        minValue=min_value,
        negativeColor=negative_color,
        positiveColor=positive_color,
        showAxisLabels=show_axis_labels,
        maskUpperTriangle=mask_upper_tri,
    )
