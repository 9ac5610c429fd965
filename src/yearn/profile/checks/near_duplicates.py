"""Near-duplicate images (perceptual hash) within and across splits."""

from __future__ import annotations

import numpy as np

from yearn.profile._context import ProfileContext
from yearn.profile._phash import hamming_pairs, phash
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

MAX_IMAGES = 5000
MAX_DISTANCE = 6  # of 64 bits


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
        i, j, d = hamming_pairs(
            np.asarray(hashes, dtype=np.uint64),
            ctx.options.get("near_duplicate_distance", MAX_DISTANCE),
        )
        gcodes, names = ctx.group_codes
        ri, rj = ok[i], ok[j]
        cross = gcodes[ri] != gcodes[rj]
        flags = np.zeros(ctx.n, dtype=bool)
        flags[rj] = True
        flags[ri[cross]] = True
        evidence = []
        for a, b, dist, c in list(zip(ri, rj, d, cross, strict=True))[:20]:
            item = {
                "kind": f"near duplicate across {ctx.group_by}s" if c else "near duplicate",
                "rows": [int(a), int(b)],
                "distance": int(dist),
                "groups": [names[gcodes[a]], names[gcodes[b]]],
                "paths": [str(view.values[a]), str(view.values[b])],
            }
            evidence.append(item)
        n_cross = int(cross.sum())
        if n_cross and ctx.group_by == "split":
            severity = "error"
            message = (
                f"{n_cross} near-duplicate image pair(s) straddle splits: "
                "dev/test results are inflated — keep each image family in one split"
            )
        elif i.size:
            severity = "warning"
            message = f"{i.size} near-duplicate image pair(s) (≤ {MAX_DISTANCE}/64 bits apart)"
        else:
            severity, message = "info", f"no near-duplicate images among {ok.size}"
        if unreadable:
            severity = "warning" if severity == "info" else severity
            message += f"; {len(unreadable)} image(s) could not be read"
            evidence.append({"kind": "unreadable images", "rows": unreadable[:20]})
        return self.result(
            severity=severity,
            message=message,
            summary={
                "images_hashed": int(ok.size),
                "pairs": int(i.size),
                "pairs_across_groups": n_cross,
                "unreadable": len(unreadable),
            },
            evidence=evidence,
            flags=flags,
        )
