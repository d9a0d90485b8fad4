"""Top-k views, with CircuitsVis's argument names."""
from .convert import check_rank, to_nested, tokens_list
from .render import render


def topk_tokens(
    tokens,
    activations,
    max_k=10,
    first_dimension_name="Layer",
    third_dimension_name="Neuron",
    sample_labels=None,
    first_dimension_labels=None,
):
    """Each neuron's top and bottom k tokens per sample and layer (CircuitsVis ``topk_tokens``).

    Args:
        tokens: tokens of each sample, [samples][tokens].
        activations: one array per sample, [layers, tokens, neurons].
        max_k: most top/bottom tokens kept per neuron.
    """
    if len(tokens) != len(activations):
        raise ValueError(f"tokens has {len(tokens)} samples but activations has {len(activations)}")
    toks = [tokens_list(t, f"tokens[{i}]") for i, t in enumerate(tokens)]
    out = {"topkVals": [], "topkIdxs": [], "bottomkVals": [], "bottomkIdxs": []}
    for i, sample in enumerate(activations):
        a = to_nested(sample, f"activations[{i}]")
        layers, n_tokens, neurons = check_rank(a, 3, f"activations[{i}]", "[layers, tokens, neurons]")
        if n_tokens != len(toks[i]):
            raise ValueError(f"activations[{i}] has {n_tokens} tokens but tokens[{i}] has {len(toks[i])}")
        k = min(max_k, n_tokens)
        tv, ti, bv, bi = [], [], [], []
        for layer in a:
            # Per neuron, token positions sorted by activation (largest first); ties keep position order.
            order = [sorted(range(n_tokens), key=lambda t, n=n: -layer[t][n]) for n in range(neurons)]
            ti.append([[order[n][j] for n in range(neurons)] for j in range(k)])
            tv.append([[layer[order[n][j]][n] for n in range(neurons)] for j in range(k)])
            bi.append([[order[n][n_tokens - 1 - j] for n in range(neurons)] for j in range(k)])
            bv.append([[layer[order[n][n_tokens - 1 - j]][n] for n in range(neurons)] for j in range(k)])
        for key, v in zip(("topkVals", "topkIdxs", "bottomkVals", "bottomkIdxs"), (tv, ti, bv, bi)):
            out[key].append(v)
    return render(
        "TopkTokens",
        tokens=toks,
        firstDimensionName=first_dimension_name,
        thirdDimensionName=third_dimension_name,
        sampleLabels=sample_labels,
        firstDimensionLabels=first_dimension_labels,
        **out,
    )


def topk_samples(
    tokens,
    activations,
    zeroth_dimension_name="Layer",
    first_dimension_name="Neuron",
    zeroth_dimension_labels=None,
    first_dimension_labels=None,
):
    """The texts that activate each neuron most, [layers][neurons][samples][tokens] (CircuitsVis ``topk_samples``)."""
    a = to_nested(activations, "activations")
    return render(
        "TopkSamples",
        tokens=tokens,
        activations=a,
        zerothDimensionName=zeroth_dimension_name,
        firstDimensionName=first_dimension_name,
        zerothDimensionLabels=zeroth_dimension_labels,
        firstDimensionLabels=first_dimension_labels,
    )
