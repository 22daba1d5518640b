"""Is a soak series drifting? A least-squares line through (time, value) and a verdict that does not
call noise a leak. Tested by test_trend.py (python3 -m unittest discover -s bench/harness)."""
import math

# A drift must stand this many standard errors of the slope clear of zero. Samples 10 s apart are
# correlated (a latency spike spans two windows, RSS moves in allocator-sized steps), which makes
# the textbook standard error too small; 3 rather than 2 leaves room for that.
T_LIMIT = 3.0
# ...and its change over the measured run must exceed the scatter around the line: a slope that
# moves the series by less than its own noise is not worth a verdict, however steady it is.
SCATTER_LIMIT = 2.0


def fit(ts, ys):
    """(slope, its standard error, residual standard deviation), per unit of ts. Needs 3 points."""
    n = len(ts)
    if n < 3:
        raise ValueError("a trend needs at least 3 samples")
    t_mean, y_mean = sum(ts) / n, sum(ys) / n
    sxx = sum((t - t_mean) ** 2 for t in ts)
    if sxx == 0:
        raise ValueError("the samples have no spread in time")
    slope = sum((t - t_mean) * (y - y_mean) for t, y in zip(ts, ys)) / sxx
    residuals = [y - (y_mean + slope * (t - t_mean)) for t, y in zip(ts, ys)]
    resid_sd = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    return slope, resid_sd / math.sqrt(sxx), resid_sd


def trend(ts_s, ys):
    """The summary of one series, times in seconds: slope per hour (and its standard error), the
    fitted change over the samples' span, first/last/min/max, and whether it rises, falls or is
    flat within noise."""
    slope, se, resid_sd = fit(ts_s, ys)
    span = ts_s[-1] - ts_s[0]
    change = slope * span
    significant = abs(slope) > T_LIMIT * se and abs(change) > SCATTER_LIMIT * resid_sd
    # An exactly constant series has se == 0 and slope == 0: flat, not a division by zero.
    direction = "flat" if not significant or slope == 0 else "rises" if slope > 0 else "falls"
    # The smallest slope this run could have called a drift: what a flat verdict rules out.
    smallest = max(T_LIMIT * se, SCATTER_LIMIT * resid_sd / span)
    return {"slope_per_h": slope * 3600, "slope_se_per_h": se * 3600, "smallest_per_h": smallest * 3600,
            "change": change, "scatter": resid_sd,
            "span_s": span, "samples": len(ys), "first": ys[0], "last": ys[-1], "min": min(ys), "max": max(ys),
            "direction": direction}


def verdict(name, unit, t, fmt="{:,.1f}"):
    """One plain sentence for a trend() summary, e.g. for RSS what it would add in 24 h."""
    f = lambda v: f"{v:,}" if isinstance(v, int) else fmt.format(v)  # a count stays a whole number
    signed = lambda v: ("+" if v >= 0 else "−") + f(abs(v))
    slope = f"{signed(t['slope_per_h'])} ± {f(t['slope_se_per_h'])} {unit} per hour"
    span = f"{t['span_s']:.0f} s" if t["span_s"] < 600 else f"{t['span_s'] / 60:.0f} min"
    if t["min"] == t["max"]:
        return f"{name}: {f(t['min'])} {unit} in every sample after the warm-up."
    if t["direction"] == "flat":
        return (f"{name}: flat within noise ({slope}; {signed(t['change'])} {unit} over the {span} measured, "
                f"against a scatter of ±{f(t['scatter'])} {unit}; this run would have called a drift of "
                f"{f(t['smallest_per_h'])} {unit} per hour).")
    said = (f"{name}: {t['direction']} {slope}, {signed(t['change'])} {unit} over the {span} measured "
            f"(scatter ±{f(t['scatter'])} {unit})")
    if t["direction"] == "falls":  # still settling after the warm-up; nothing falls for ever
        return said + "."
    return (said + f"; kept up, that is {signed(t['slope_per_h'] * 24)} {unit} in 24 h. A leak unless a longer run "
            "shows it levelling off.")
