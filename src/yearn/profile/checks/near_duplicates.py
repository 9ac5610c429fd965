"""Near-duplicate images (perceptual hash) within and across splits.

The rule — how many of 64 hash bits two images may differ in and still be called near
duplicates — is set from measured precision when the table names image families (its
group column, e.g. the base image that augmented variants come from): pairs within one
family are known near duplicates, pairs across families are distinct images. The largest
distance (up to 6 bits) at which at least 95% of the pairs found are from one family is
used; when no distance reaches that precision, the hash cannot tell this project's images
apart and no pair is called a duplicate (the measured precision is reported). Without
families the default of 6 bits is used and said to be uncalibrated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.profile._context import ProfileContext
from yearn.profile._phash import hamming_pairs, phash
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

MAX_IMAGES = 5000
MAX_DISTANCE = 6  # of 64 bits
MIN_PRECISION = 0.95  # share of the pairs called near duplicates that are one family
MIN_FAMILY_PAIRS = 10  # known pairs needed to measure precision at a distance


def calibrate(
    distances: np.ndarray, same_family: np.ndarray, max_distance: int = MAX_DISTANCE
) -> tuple[int | None, list[dict[str, Any]]]:
    """The largest distance ≤ ``max_distance`` whose pairs are ≥ 95% one family (None when
    none is), and the measured precision at each distance."""
    table = []
    chosen = None
    for d in range(max_distance + 1):
        within = distances <= d
        n = int(within.sum())
        same = int((within & same_family).sum())
        precision = same / n if n else None
        table.append({"distance": d, "pairs": n, "same_family": same, "precision": precision})
        if n and same >= MIN_FAMILY_PAIRS and precision >= MIN_PRECISION:
            chosen = d
    return chosen, table


@register
class NearDuplicatesCheck(Check):
    name = "near_duplicates"
    description = "near-duplicate images by perceptual hash, within and across splits"

    def run(self, ctx: ProfileContext) -> CheckResult:
        column = ctx.image_column
        if column is None or column not in ctx.frame:
            return self.result(message="no image column: near duplicates not checked")
        view = ctx.view(column)
        rows = ctx.sample_rows(
            np.flatnonzero(~view.missing), ctx.options.get("max_images", MAX_IMAGES), 51
        )
        hashes, ok, unreadable = [], [], []
        for r in rows:
            try:
                hashes.append(phash(view.values[r]))
                ok.append(r)
            except (OSError, ValueError):
                unreadable.append(int(r))
        ok = np.asarray(ok, dtype=np.int64)
        given = ctx.options.get("near_duplicate_distance")
        limit = MAX_DISTANCE if given is None else int(given)
        i, j, d = hamming_pairs(np.asarray(hashes, dtype=np.uint64), limit)
        ri, rj = ok[i], ok[j]
        family = _families(ctx)
        calibration: list[dict[str, Any]] = []
        rule = f"≤ {limit}/64 bits apart"
        if family is not None and given is None:
            same = family[ri] == family[rj]
            chosen, calibration = calibrate(d, same, limit)
            if chosen is None:
                return self._uncalibrated(ctx, ok, calibration, unreadable)
            limit = chosen
            keep = (d <= limit) & ~same  # pairs of one family are expected, not findings
            ri, rj, d = ri[keep], rj[keep], d[keep]
            rule = (
                f"≤ {limit}/64 bits apart (precision {calibration[limit]['precision']:.0%} "
                f"on pairs of known {ctx.group_column} families)"
            )
        elif given is None:
            rule += " (default; not calibrated: no group column names image families)"
        gcodes, names = ctx.group_codes
        cross = gcodes[ri] != gcodes[rj]
        flags = np.zeros(ctx.n, dtype=bool)
        flags[rj] = True
        flags[ri[cross]] = True
        evidence: list[dict[str, Any]] = []
        for a, b, dist, c in list(zip(ri, rj, d, cross, strict=True))[:20]:
            evidence.append(
                {
                    "kind": f"near duplicate across {ctx.group_by}s" if c else "near duplicate",
                    "rows": [int(a), int(b)],
                    "distance": int(dist),
                    "groups": [names[gcodes[a]], names[gcodes[b]]],
                    "paths": [str(view.values[a]), str(view.values[b])],
                }
            )
        n_cross = int(cross.sum())
        if n_cross and ctx.group_by == "split":
            severity = "error"
            message = (
                f"{n_cross} near-duplicate image pair(s) straddle splits ({rule}): "
                "dev/test results are inflated — keep each image family in one split"
            )
        elif ri.size:
            severity = "warning"
            message = f"{ri.size} near-duplicate image pair(s) ({rule})"
        else:
            severity, message = "info", f"no near-duplicate images among {ok.size} ({rule})"
        if unreadable:
            severity = "warning" if severity == "info" else severity
            message += f"; {len(unreadable)} image(s) could not be read"
            evidence.append({"kind": "unreadable images", "rows": unreadable[:20]})
        return self.result(
            severity=severity,
            message=message,
            summary={
                "images_hashed": int(ok.size),
                "pairs": int(ri.size),
                "pairs_across_groups": n_cross,
                "unreadable": len(unreadable),
                "max_distance": limit,
                "calibration": calibration,
            },
            evidence=evidence,
            flags=flags,
        )

    def _uncalibrated(
        self,
        ctx: ProfileContext,
        ok: np.ndarray,
        calibration: list[dict[str, Any]],
        unreadable: list[int],
    ) -> CheckResult:
        """No distance separates families: say so, call nothing a duplicate."""
        measured = [c for c in calibration if c["pairs"]]
        best = max((c["precision"] for c in measured), default=None)
        shown = "no pairs" if best is None else f"at best {best:.0%}"
        message = (
            f"perceptual hashes cannot tell this project's image families apart: of the pairs "
            f"≤ {calibration[-1]['distance']}/64 bits apart, {shown} are one {ctx.group_column} "
            f"family (a rule needs {MIN_PRECISION:.0%}); near duplicates not judged"
        )
        if unreadable:
            message += f"; {len(unreadable)} image(s) could not be read"
        return self.result(
            severity="warning" if unreadable else "info",
            message=message,
            summary={
                "images_hashed": int(ok.size),
                "pairs": 0,
                "pairs_across_groups": 0,
                "unreadable": len(unreadable),
                "max_distance": None,
                "calibration": calibration,
            },
            evidence=[{"kind": "unreadable images", "rows": unreadable[:20]}] if unreadable else [],
        )


def _families(ctx: ProfileContext) -> np.ndarray | None:
    """Per-row family code from the group column (None without one, or with one family
    per row: nothing to measure precision on)."""
    col = ctx.group_column
    if col is None or col not in ctx.frame:
        return None
    column = ctx.frame[col]
    codes = np.unique(column.astype(str).to_numpy(), return_inverse=True)[1].astype(np.int64)
    missing = column.isna().to_numpy()
    codes[missing] = -1 - np.arange(int(missing.sum()))  # no family: a family of its own
    if np.bincount(codes[~missing]).max(initial=0) < 2:
        return None
    return codes
