"""Combining ranked lists from several retrievers: small pure functions over id lists and scores."""
from __future__ import annotations


def minmax(scores: dict[int, float]) -> dict[int, float]:
    """Scale scores to [0, 1]; all-equal scores become 1."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-12:
        return {d: 1.0 for d in scores}
    return {d: (s - lo) / (hi - lo) for d, s in scores.items()}


def weighted_sum(score_maps: list[dict[int, float]], weights: list[float]) -> dict[int, float]:
    """Convex combination of min-max-normalised score maps (missing ids count as 0)."""
    fused: dict[int, float] = {}
    for scores, w in zip(score_maps, weights):
        for doc, s in minmax(scores).items():
            fused[doc] = fused.get(doc, 0.0) + w * s
    return fused


def top(fused: dict[int, float], n: int) -> list[tuple[int, float]]:
    """Highest first; ties broken by id so results are deterministic."""
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:n]
