"""Smooth skin weights: inverse distance to bone segments, at most 4 influences, summing to 1.

The Khronos validator checks that each vertex's weights sum to 1 (float32) and that a joint index
is not repeated among the non-zero influences; :func:`normalise_weights` guarantees both.
"""

from __future__ import annotations

import numpy as np

MAX_INFLUENCES = 4


def point_segment_distance(points: np.ndarray, heads: np.ndarray, tails: np.ndarray) -> np.ndarray:
    """Distances (n, b) from each point to each segment head->tail."""
    axis = tails - heads  # (b,3)
    length2 = np.maximum(np.sum(axis * axis, axis=1), 1e-12)
    rel = points[:, None, :] - heads[None, :, :]  # (n,b,3)
    t = np.clip(np.einsum("nbk,bk->nb", rel, axis) / length2, 0.0, 1.0)
    closest = heads[None] + t[..., None] * axis[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=2)


def skin(
    points: np.ndarray,
    candidates: list[int],
    heads: np.ndarray,
    tails: np.ndarray,
    *,
    power: float = 6.0,
    falloff: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Joints (n,4) uint16 and weights (n,4) float32 for ``points`` among joint ``candidates``.

    ``heads``/``tails`` are indexed by joint index. Weights fall off as 1/d^power; ``falloff`` adds a
    softening distance so vertices right on a bone still blend with its neighbours near the joint.
    """
    cand = np.asarray(candidates, np.int64)
    dist = point_segment_distance(points, heads[cand], tails[cand]) + 1e-4 + falloff
    raw = 1.0 / dist**power
    k = min(MAX_INFLUENCES, len(cand))
    top = np.argsort(-raw, axis=1, kind="stable")[:, :k]
    weights = np.take_along_axis(raw, top, axis=1)
    joints = cand[top]
    if k < MAX_INFLUENCES:
        pad = MAX_INFLUENCES - k
        joints = np.hstack([joints, np.repeat(joints[:, :1], pad, axis=1)])
        weights = np.hstack([weights, np.zeros((len(points), pad))])
    return normalise_weights(joints, weights)


def rigid(count: int, joint: int) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex bound to one joint with weight 1."""
    joints = np.zeros((count, MAX_INFLUENCES), np.uint16)
    joints[:, 0] = joint
    weights = np.zeros((count, MAX_INFLUENCES), np.float32)
    weights[:, 0] = 1.0
    return joints, weights


def normalise_weights(
    joints: np.ndarray, weights: np.ndarray, *, floor: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Drop tiny influences, sort strongest first, zero duplicate joints, make float32 sums exact.

    Unused slots get weight 0 and joint 0 (the Khronos validator warns about a zero-weight slot
    with any other joint index: ACCESSOR_JOINTS_USED_ZERO_WEIGHT).
    """
    w = np.asarray(weights, np.float64).copy()
    j = np.asarray(joints, np.int64).copy()
    order = np.argsort(-w, axis=1, kind="stable")
    w = np.take_along_axis(w, order, axis=1)
    j = np.take_along_axis(j, order, axis=1)
    total = np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    w = w / total
    w[w < floor] = 0.0
    w[:, 0] = np.where(w.sum(axis=1) == 0.0, 1.0, w[:, 0])
    for slot in range(1, MAX_INFLUENCES):
        dup = (j[:, :slot] == j[:, slot : slot + 1]).any(axis=1)
        w[dup, slot] = 0.0
    w = w / w.sum(axis=1, keepdims=True)
    w32 = w.astype(np.float32)
    # put the float32 rounding remainder on the largest influence, so the float32 sum is 1
    rest = w32[:, 1:].sum(axis=1, dtype=np.float32)
    w32[:, 0] = np.float32(1.0) - rest
    j[w32 == 0.0] = 0
    return j.astype(np.uint16), w32
