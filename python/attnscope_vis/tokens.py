"""Token views, with CircuitsVis's argument names."""
from .convert import check_rank, to_nested, tokens_list
from .render import render


def colored_tokens(tokens, values, min_value=None, max_value=None, negative_color=None, positive_color=None):
    """Tokens coloured by one value each (CircuitsVis ``colored_tokens``)."""
    v = to_nested(values, "values")
    check_rank(v, 1, "values", "[tokens]")
    return render(
        "ColoredTokens",
        tokens=tokens_list(tokens),
        values=v,
        minValue=min_value,
        maxValue=max_value,
        negativeColor=negative_color,
        positiveColor=positive_color,
    )


def colored_tokens_multi(tokens, values, labels=None):
    """Several value series [tokens, K] over the same tokens, with a selector (CircuitsVis ``colored_tokens_multi``)."""
    v = to_nested(values, "values")
    check_rank(v, 2, "values", "[tokens, K]")
    return render("ColoredTokensMulti", tokens=tokens_list(tokens), values=v, labels=labels)


def text_neuron_activations(
    tokens,
    activations,
    first_dimension_name="Layer",
    second_dimension_name="Neuron",
    first_dimension_labels=None,
    second_dimension_labels=None,
):
    """Text coloured by a chosen neuron's activations (CircuitsVis ``text_neuron_activations``).

    Args:
        tokens: one text's tokens, or a list of texts' tokens.
        activations: [tokens, layers, neurons] for one text, or a list of those for several.
    """
    multi = len(tokens) > 0 and not isinstance(tokens[0], str)
    if multi:
        toks = [tokens_list(t, f"tokens[{i}]") for i, t in enumerate(tokens)]
        acts = [to_nested(a, f"activations[{i}]") for i, a in enumerate(activations)]
        for i, a in enumerate(acts):
            check_rank(a, 3, f"activations[{i}]", "[tokens, layers, neurons]")
    else:
        toks = tokens_list(tokens)
        acts = to_nested(activations, "activations")
        check_rank(acts, 3, "activations", "[tokens, layers, neurons]")
    return render(
        "TextNeuronActivations",
        tokens=toks,
        activations=acts,
        firstDimensionName=first_dimension_name,
        secondDimensionName=second_dimension_name,
        firstDimensionLabels=first_dimension_labels,
        secondDimensionLabels=second_dimension_labels,
    )
