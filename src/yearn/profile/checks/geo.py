"""Latitude / longitude columns: range checks and a map-like scatter (drawn as PNG)."""

from __future__ import annotations

import numpy as np

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

LAT_NAMES = ("lat", "latitude")
LON_NAMES = ("lon", "lng", "long", "longitude")
MAX_POINTS = 20_000


def _find(columns, names) -> str | None:
    for c in columns:
        low = str(c).lower()
        if low in names or any(low.endswith(f"_{n}") for n in names):
            return c
    return None


@register
class GeoCheck(Check):
    name = "geo"
    description = "latitude/longitude columns drawn on a map-like scatter"

    def run(self, ctx: ProfileContext) -> CheckResult:
        lat_col, lon_col = _find(ctx.features, LAT_NAMES), _find(ctx.features, LON_NAMES)
        if lat_col is None or lon_col is None:
            return self.result(message="no latitude/longitude columns")
        lat, lon = ctx.view(lat_col), ctx.view(lon_col)
        if lat.kind != "numeric" or lon.kind != "numeric":
            return self.result(
                severity="warning", message=f"{lat_col}/{lon_col} are not numeric: no map drawn"
            )
        ok = np.isfinite(lat.values) & np.isfinite(lon.values)
        bad = ok & ((np.abs(lat.values) > 90) | (np.abs(lon.values) > 180))
        rows = ctx.sample_rows(np.flatnonzero(ok & ~bad), MAX_POINTS, 61)
        y, known, classes = ctx.target
        color = y[rows].astype(float) if ctx.label else None
        if color is not None:
            color[~known[rows]] = np.nan
        summary = {
            "lat_column": lat_col,
            "lon_column": lon_col,
            "points": int(ok.sum()),
            "out_of_range": int(bad.sum()),
            "bounds": [
                float(np.nanmin(lat.values[ok])) if ok.any() else None,
                float(np.nanmax(lat.values[ok])) if ok.any() else None,
                float(np.nanmin(lon.values[ok])) if ok.any() else None,
                float(np.nanmax(lon.values[ok])) if ok.any() else None,
            ],
        }
        severity = "info"
        message = f"{int(ok.sum())} located rows on the map ({lat_col}, {lon_col})"
        if bad.any():
            severity = "warning"
            message += f"; {int(bad.sum())} outside latitude ±90 / longitude ±180"
        return self.result(
            severity=severity,
            message=message,
            summary=summary,
            flags=bad,
            data={
                "lat": lat.values[rows],
                "lon": lon.values[rows],
                "color": color,
                "classes": classes,
            },
        )
