"""Forecast hierarchies (company > teams > reps) and reconciliation so every level adds up exactly.

Reconciliation projects base forecasts of every node onto coherent ones (y~ = S G y^, with G from
bottom-up, OLS, structural WLS or MinT-shrink); `round_coherent` then rounds to minor units top-down by
largest remainder, so company = sum of teams = sum of reps holds exactly in integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Reconciliation(StrEnum):
    BOTTOM_UP = "bottom_up"
    OLS = "ols"
    WLS_STRUCTURAL = "wls_structural"  # weights by how many bottom series a node sums
    MINT_SHRINK = "mint_shrink"  # weights by the shrunk covariance of backtest errors


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A tree of named nodes; `nodes` lists parents before children, and `bottom` the leaves in order."""

    nodes: tuple[str, ...]
    parents: dict[str, str | None]
    bottom: tuple[str, ...]
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n: i for i, n in enumerate(self.nodes)})

    def index(self, node: str) -> int:
        return self._index[node]

    def children(self, node: str) -> list[str]:
        return [n for n in self.nodes if self.parents[n] == node]

    def summing_matrix(self) -> np.ndarray:
        """S: one row per node, one column per leaf; S[i, j] = 1 when leaf j lies under (or is) node i."""
        s = np.zeros((len(self.nodes), len(self.bottom)))
        for j, leaf in enumerate(self.bottom):
            node: str | None = leaf
            while node is not None:
                s[self._index[node], j] = 1.0
                node = self.parents[node]
        return s


def hierarchy_from_paths(paths: Sequence[Sequence[str]]) -> Hierarchy:
    """A hierarchy from root-to-leaf paths, e.g. ("company", "team:East", "rep:Ann").

    Every node must have one parent: a name that appears under two parents is an error, since its
    forecast could not be counted in both.
    """
    parents: dict[str, str | None] = {}
    order: list[str] = []
    leaves: list[str] = []
    for path in paths:
        if not path:
            raise ValueError("a hierarchy path cannot be empty")
        parent: str | None = None
        for node in path:
            if node in parents and parents[node] != parent:
                raise ValueError(f"'{node}' appears under both '{parents[node]}' and '{parent}'")
            if node not in parents:
                parents[node] = parent
                order.append(node)
            parent = node
        if path[-1] in leaves:
            raise ValueError(f"the leaf '{path[-1]}' is listed twice")
        leaves.append(path[-1])
    inner = {p for p in parents.values() if p is not None}
    clash = [leaf for leaf in leaves if leaf in inner]
    if clash:
        raise ValueError(f"{clash} are both leaves and parents; give a parent its own leaf node")
    depth = {n: _depth(n, parents) for n in order}
    ordered = sorted(order, key=lambda n: (depth[n], order.index(n)))
    return Hierarchy(tuple(ordered), parents, tuple(leaves))


def _depth(node: str, parents: dict[str, str | None]) -> int:
    d = 0
    up = parents[node]
    while up is not None:
        d += 1
        up = parents[up]
    return d


def shrunk_covariance(errors: np.ndarray) -> np.ndarray:
    """Schaefer-Strimmer shrinkage of the error covariance (nodes x samples) towards its diagonal."""
    e = errors - errors.mean(axis=1, keepdims=True)
    n = e.shape[1]
    cov = e @ e.T / n
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    std = e / sd[:, None]
    corr = std @ std.T / n
    w = np.einsum("it,jt->ijt", std, std)
    var_corr = ((w - corr[:, :, None]) ** 2).sum(axis=2) * n / (n - 1) ** 3 if n > 1 else np.zeros_like(corr)
    off = ~np.eye(len(corr), dtype=bool)
    denom = float((corr[off] ** 2).sum())
    lam = 1.0 if denom == 0 else float(np.clip(var_corr[off].sum() / denom, 0.0, 1.0))
    shrunk = corr * (1 - lam)
    np.fill_diagonal(shrunk, 1.0)
    out: np.ndarray = shrunk * np.outer(sd, sd)
    return out


def reconcile(
    base: np.ndarray,
    hierarchy: Hierarchy,
    method: Reconciliation,
    errors: np.ndarray | None = None,
) -> np.ndarray:
    """Coherent forecasts (nodes x horizon) from base forecasts of every node.

    `errors` (nodes x samples) are past forecast errors, needed for MINT_SHRINK.
    """
    s = hierarchy.summing_matrix()
    if base.shape[0] != s.shape[0]:
        raise ValueError(f"{base.shape[0]} base rows for {s.shape[0]} nodes")
    leaf_rows = [hierarchy.index(leaf) for leaf in hierarchy.bottom]
    if method is Reconciliation.BOTTOM_UP:
        summed: np.ndarray = s @ base[leaf_rows]
        return summed
    if method is Reconciliation.OLS:
        w_inv = np.eye(s.shape[0])
    elif method is Reconciliation.WLS_STRUCTURAL:
        w_inv = np.diag(1.0 / s.sum(axis=1))
    else:
        if errors is None or errors.shape[1] < 2:
            raise ValueError("MinT needs at least two past errors per node")
        w = shrunk_covariance(errors)
        w += np.eye(len(w)) * 1e-9 * max(float(np.trace(w)), 1.0)
        w_inv = np.linalg.inv(w)
    g = np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv)
    coherent: np.ndarray = s @ (g @ base)
    return coherent


def allocate_rounded(total: int, shares: np.ndarray) -> np.ndarray:
    """Integers summing to `total`, each within one unit of its share (largest remainder; ties to the first).

    When the shares add up to `total` (coherent values) the leftover is between 0 and len(shares); the
    other cases (floating-point noise) still end on exact sums, taking or giving units by remainder.
    """
    if len(shares) == 0:
        return np.zeros(0, dtype=np.int64)
    floors = np.floor(shares)
    remainders = shares - floors
    out = floors.astype(np.int64)
    extra = total - int(out.sum())
    n = len(shares)
    out += extra // n
    extra %= n
    order = sorted(range(n), key=lambda i: (-remainders[i], i))
    for i in order[:extra]:
        out[i] += 1
    result: np.ndarray = out
    return result


def round_coherent(values: np.ndarray, hierarchy: Hierarchy) -> np.ndarray:
    """Round coherent values (nodes, or nodes x horizon) to integers that still add up at every node.

    The roots are rounded half-even; each node's integer is then split among its children by largest
    remainder, so every integer is within one unit of its value and the sums are exact.
    """
    if values.ndim == 2:
        cols = [round_coherent(values[:, k], hierarchy) for k in range(values.shape[1])]
        return np.stack(cols, axis=1) if cols else np.zeros(values.shape, dtype=np.int64)
    out = np.zeros(len(hierarchy.nodes), dtype=np.int64)
    for node in hierarchy.nodes:
        i = hierarchy.index(node)
        if hierarchy.parents[node] is None:
            out[i] = int(np.round(values[i]))
        kids = hierarchy.children(node)
        if kids:
            rows = [hierarchy.index(k) for k in kids]
            out[rows] = allocate_rounded(int(out[i]), values[rows])
    return out
