"""Log-probability views, with CircuitsVis's argument names."""
import heapq

from .convert import check_rank, shape_of, to_nested
from .render import render


def token_log_probs(token_indices, log_probs, to_string, top_k=10):
    """Tokens shaded by how well the model predicted them; hover lists its top k guesses (CircuitsVis ``token_log_probs``).

    Args:
        token_indices: token ids [N] (starting with BOS), a batch of 1 is dropped.
        log_probs: log-probabilities of the next token [N, d_vocab] (a batch of 1 is dropped).
        to_string: maps a token id to its string, e.g. ``model.to_single_str_token``.
        top_k: how many guesses to list per token.
    """
    ids = to_nested(token_indices, "token_indices")
    lp = to_nested(log_probs, "log_probs")
    if len(shape_of(ids)) == 2 and len(ids) == 1:
        ids = ids[0]
    if len(shape_of(lp)) == 3 and len(lp) == 1:
        lp = lp[0]
    check_rank(ids, 1, "token_indices", "[N]")
    check_rank(lp, 2, "log_probs", "[N, d_vocab]")
    if len(ids) != len(lp):
        raise ValueError(f"token_indices has {len(ids)} tokens but log_probs has {len(lp)} rows")
    prompt = [to_string(int(i)) for i in ids]
    top_tokens, top_lps, ranks, correct = [], [], [], []
    # The last row predicts a token we do not have.
    for t, row in enumerate(lp[:-1]):
        nxt = int(ids[t + 1])
        best = heapq.nlargest(top_k, range(len(row)), key=row.__getitem__)
        top_tokens.append([to_string(i) for i in best])
        top_lps.append([row[i] for i in best])
        target = row[nxt]
        ranks.append(sum(1 for v in row if v > target))
        correct.append(target)
    return render(
        "TokenLogProbs",
        prompt=prompt,
        topKLogProbs=top_lps,
        topKTokens=top_tokens,
        correctTokenRank=ranks,
        correctTokenLogProb=correct,
    )
