#!/usr/bin/python3
"""Reference values for src/stats/, computed with SciPy (and statsmodels for Holm and the ACF).

Run with Debian's python, which has the packages (the pyenv `python3` on PATH does not):
    apt-get install -y python3-scipy python3-statsmodels
    /usr/bin/python3 scripts/make-stats-fixtures.py
Writes test/fixtures/stats/reference.json. The TypeScript tests read that file; they never run Python.

What comes from where:
- mannwhitneyu, wilcoxon, theilslopes: SciPy itself, with the method named in each case.
- Hodges-Lehmann intervals: written here from their definitions (median of pairwise differences /
  Walsh averages; bounds at the order statistic k = the largest k with P(stat <= k-1) <= alpha/2, from
  SciPy's exact null distributions; continuity-corrected normal quantile above the exact sizes). Each
  exact interval is then verified by test inversion with SciPy's own exact tests: a shift just inside
  the bounds is not rejected at alpha, one just outside is.
- Holm: statsmodels.stats.multitest.multipletests(method='holm').
- Mann-Kendall with the Hamed & Rao (1998) correction: written here from the paper's formulas, with the
  autocorrelation of the detrended ranks taken from statsmodels' acf (a different code path than ours).
"""
import itertools
import json
import math
import os
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from scipy.stats._hypotests import _get_wilcoxon_distr
from scipy.stats._mannwhitneyu import _mwu_state
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.stattools import acf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "stats", "reference.json")
rng = np.random.default_rng(20240611)

MWU_EXACT_MAX_CELLS = 400
WILCOXON_EXACT_MAX_N = 50


def r(values, digits=6):
    """Round generated data so the JSON stays readable (the rounded values are the inputs)."""
    return [round(float(v), digits) for v in values]


def has_ties(values):
    return len(set(values)) != len(values)


# ---------------------------------------------------------------- distributions, cross-checked by brute force
def mwu_cdf(k, m, n):
    if k < 0:
        return 0.0
    return float(_mwu_state.cdf(int(k), m, n))


def check_mwu_distribution():
    for m, n in [(3, 4), (5, 5), (2, 7)]:
        total = math.comb(m + n, m)
        counts = {}
        for xs in itertools.combinations(range(m + n), m):
            u = sum(1 for xi in xs for yi in range(m + n) if yi not in xs and xi > yi)
            counts[u] = counts.get(u, 0) + 1
        for k in range(m * n + 1):
            brute = sum(c for u, c in counts.items() if u <= k) / total
            assert abs(brute - mwu_cdf(k, m, n)) < 1e-12, (m, n, k)


def wilcoxon_cdf(k, n):
    if k < 0:
        return 0.0
    pmf = _get_wilcoxon_distr(n)
    return float(np.sum(pmf[: int(k) + 1]))


def check_wilcoxon_distribution():
    for n in [4, 6, 9]:
        sums = [sum(i + 1 for i in range(n) if (mask >> i) & 1) for mask in range(2 ** n)]
        for k in range(n * (n + 1) // 2 + 1):
            brute = sum(1 for s in sums if s <= k) / 2 ** n
            assert abs(brute - wilcoxon_cdf(k, n)) < 1e-12, (n, k)


# ---------------------------------------------------------------- Mann-Whitney
def mwu_case(name, x, y):
    x, y = list(x), list(y)
    auto = "exact" if not has_ties(x + y) and len(x) * len(y) <= MWU_EXACT_MAX_CELLS else "normal"
    case = {"name": name, "x": x, "y": y, "autoMethod": auto}
    normal = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    case["normal"] = {"u": float(normal.statistic), "p": float(normal.pvalue)}
    if not has_ties(x + y):
        exact = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
        case["exact"] = {"u": float(exact.statistic), "p": float(exact.pvalue)}
    return case


def mann_whitney_cases():
    cases = []
    cases.append(mwu_case("3v3 all greater", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]))
    cases.append(mwu_case("4v4 all greater", [10.1, 10.4, 10.2, 10.3], [11.0, 11.5, 11.2, 11.9]))
    cases.append(mwu_case("4v4 all smaller", [11.0, 11.5, 11.2, 11.9], [10.1, 10.4, 10.2, 10.3]))
    cases.append(mwu_case("1v5", [3.5], [1.0, 2.0, 4.0, 5.0, 6.0]))
    cases.append(mwu_case("interleaved 5v5", [1, 3, 5, 7, 9], [2, 4, 6, 8, 10]))
    for n1, n2, shift in [(5, 7, 0.5), (8, 8, 0.0), (10, 10, 0.03), (10, 10, 0.0), (12, 9, 0.05), (20, 20, 0.01), (7, 30, 0.2)]:
        x = r(rng.lognormal(0, 0.02, n1) * 1000)
        y = r(rng.lognormal(shift, 0.02, n2) * 1000)
        cases.append(mwu_case(f"lognormal {n1}v{n2} shift {shift}", x, y))
    cases.append(mwu_case("3v3 with ties", [1.0, 2.0, 2.0], [2.0, 3.0, 4.0]))
    cases.append(mwu_case("10v10 rounded (ties)", r(rng.normal(100, 3, 10), 0), r(rng.normal(103, 3, 10), 0)))
    cases.append(mwu_case("identical samples", [5.0, 6.0, 7.0, 8.0], [5.0, 6.0, 7.0, 8.0]))
    cases.append(mwu_case("all values equal", [4.0] * 5, [4.0] * 6))
    cases.append(mwu_case("25v30 normal", r(rng.normal(0, 1, 25)), r(rng.normal(0.6, 1, 30))))
    cases.append(mwu_case("50v60 far apart", r(rng.normal(0, 1, 50)), r(rng.normal(5, 1, 60))))
    return cases


# ---------------------------------------------------------------- Hodges-Lehmann (two-sample)
# 1 - 0.9 is 0.0999...98 in floating point: without the slack, a level that is exactly attainable
# (3 v 3 at 90%: P(U <= 0) = 0.05) would be missed. The TypeScript side uses the same slack.
SLACK = 1e-12


def mwu_interval_rank(n1, n2, confidence):
    half = (1 - confidence) / 2 + SLACK
    cells = n1 * n2
    if cells <= MWU_EXACT_MAX_CELLS:
        k = 0
        while k < cells and mwu_cdf(k, n1, n2) <= half:
            k += 1
        return k, 1 - 2 * mwu_cdf(k - 1, n1, n2), "exact"
    mu = cells / 2
    sigma = math.sqrt(cells * (n1 + n2 + 1) / 12)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    k = max(0, math.floor(mu + 0.5 - z * sigma))
    coverage = 1.0 if k == 0 else 1 - 2 * stats.norm.cdf((k - 0.5 - mu) / sigma)
    return k, coverage, "normal"


def hl_shift(x, y, confidence):
    diffs = np.sort(np.subtract.outer(np.asarray(y), np.asarray(x)).ravel())
    k, coverage, method = mwu_interval_rank(len(x), len(y), confidence)
    shift = float(np.median(diffs))
    if k == 0:
        return {"shift": shift, "lo": None, "hi": None, "coverage": 1.0, "method": method, "k": 0}
    lo, hi = float(diffs[k - 1]), float(diffs[len(diffs) - k])
    if method == "exact" and not has_ties(list(diffs)):
        # Test inversion with SciPy's exact test: just inside -> not rejected, just outside -> rejected.
        alpha = 1 - confidence + 2 * SLACK
        gaps = np.diff(diffs)
        eps = float(np.min(gaps[gaps > 0])) / 4
        xs = np.asarray(x)
        for bound, inside in [(lo + eps, True), (lo - eps, False), (hi - eps, True), (hi + eps, False)]:
            p = stats.mannwhitneyu(xs + bound, y, method="exact").pvalue
            assert (p > alpha) == inside, ("HL inversion failed", x, y, confidence, bound, p)
    return {"shift": shift, "lo": lo, "hi": hi, "coverage": float(coverage), "method": method, "k": k}


def hodges_lehmann_cases():
    cases = []
    samples = [
        ("3v3", [1.0, 2.0, 3.0], [4.0, 5.5, 6.25]),
        ("4v4", [10.1, 10.4, 10.2, 10.3], [11.0, 11.5, 11.2, 11.9]),
        ("5v7", r(rng.normal(10, 1, 5)), r(rng.normal(11, 1, 7))),
        ("10v10", r(rng.normal(100, 2, 10)), r(rng.normal(104, 2, 10))),
        ("10v10 ties", r(rng.normal(100, 2, 10), 0), r(rng.normal(101, 2, 10), 0)),
        ("20v20", r(rng.normal(0, 1, 20)), r(rng.normal(0.5, 1, 20))),
        ("21v20 normal quantiles", r(rng.normal(0, 1, 21)), r(rng.normal(-0.3, 1, 20))),
        ("40v45", r(rng.normal(0, 1, 40)), r(rng.normal(1, 2, 45))),
    ]
    for name, x, y in samples:
        for confidence in (0.9, 0.95, 0.99):
            cases.append({"name": name, "x": x, "y": y, "confidence": confidence, **hl_shift(x, y, confidence)})
    return cases


def hl_ratio_cases():
    cases = []
    for name, n1, n2, mult in [("10v10 +5%", 10, 10, 1.05), ("8v12 -10%", 8, 12, 0.9), ("25v25 +2%", 25, 25, 1.02)]:
        base = r(rng.lognormal(math.log(1000), 0.02, n1))
        head = r(rng.lognormal(math.log(1000 * mult), 0.02, n2))
        for confidence in (0.95, 0.99):
            s = hl_shift(list(np.log(base)), list(np.log(head)), confidence)
            cases.append({
                "name": name, "base": base, "head": head, "confidence": confidence,
                "ratio": math.exp(s["shift"]), "lo": math.exp(s["lo"]), "hi": math.exp(s["hi"]), "method": s["method"],
            })
    return cases


# ---------------------------------------------------------------- Wilcoxon signed-rank and one-sample HL
def wilcoxon_case(name, d):
    d = list(d)
    nonzero = [v for v in d if v != 0]
    exact_possible = len(nonzero) == len(d) and not has_ties([abs(v) for v in d])
    auto = "exact" if exact_possible and len(d) <= WILCOXON_EXACT_MAX_N else "normal"
    case = {"name": name, "d": d, "autoMethod": auto}
    if nonzero:
        res = stats.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
        case["normal"] = {"w": float(res.statistic), "p": float(res.pvalue)}
        res_c = stats.wilcoxon(d, zero_method="wilcox", correction=True, method="approx")
        case["normalContinuity"] = {"w": float(res_c.statistic), "p": float(res_c.pvalue)}
    if exact_possible:
        res = stats.wilcoxon(d, method="exact")
        case["exact"] = {"w": float(res.statistic), "p": float(res.pvalue)}
    return case


def wilcoxon_cases():
    cases = [
        wilcoxon_case("5 all positive", [0.5, 1.2, 2.3, 0.1, 3.3]),
        wilcoxon_case("6 mixed", [0.5, -1.2, 2.3, -0.1, 3.3, 0.7]),
        wilcoxon_case("symmetric 8", [1.0, -1.5, 2.25, -2.75, 3.0, -3.5, 4.125, -4.625]),
        wilcoxon_case("ties and zeros", [0.0, 1.0, -1.0, 2.0, 2.0, 3.0, 0.0, -3.0, 4.0, 5.0, 1.0, 6.0]),
        wilcoxon_case("ties only", [1.0, 1.0, 2.0, -2.0, 3.0, 3.0, 3.0, -1.0, 4.0, 5.0]),
    ]
    for n, loc in [(10, 0.02), (20, 0.0), (30, 0.3), (50, 0.1), (60, 0.1), (80, -0.2)]:
        cases.append(wilcoxon_case(f"normal n={n} loc {loc}", r(rng.normal(loc, 1, n))))
    return cases


def walsh_interval_rank(n, confidence):
    half = (1 - confidence) / 2 + SLACK
    walsh = n * (n + 1) // 2
    if n <= WILCOXON_EXACT_MAX_N:
        k = 0
        while k < walsh and wilcoxon_cdf(k, n) <= half:
            k += 1
        return k, 1 - 2 * wilcoxon_cdf(k - 1, n), "exact"
    mu = walsh / 2
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    k = max(0, math.floor(mu + 0.5 - z * sigma))
    coverage = 1.0 if k == 0 else 1 - 2 * stats.norm.cdf((k - 0.5 - mu) / sigma)
    return k, coverage, "normal"


def hl_one_sample(d, confidence):
    d = np.asarray(d, dtype=float)
    n = len(d)
    walsh = np.sort(np.array([(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)]))
    k, coverage, method = walsh_interval_rank(n, confidence)
    estimate = float(np.median(walsh))
    if k == 0:
        return {"estimate": estimate, "lo": None, "hi": None, "coverage": 1.0, "method": method, "k": 0}
    lo, hi = float(walsh[k - 1]), float(walsh[len(walsh) - k])
    if method == "exact" and not has_ties(list(walsh)):
        alpha = 1 - confidence + 2 * SLACK
        gaps = np.diff(walsh)
        eps = float(np.min(gaps[gaps > 0])) / 4
        for bound, inside in [(lo + eps, True), (lo - eps, False), (hi - eps, True), (hi + eps, False)]:
            shifted = d - bound
            if np.any(shifted == 0) or has_ties(list(np.abs(shifted))):
                continue
            p = stats.wilcoxon(shifted, method="exact").pvalue
            assert (p > alpha) == inside, ("Walsh inversion failed", list(d), confidence, bound, p)
    return {"estimate": estimate, "lo": lo, "hi": hi, "coverage": float(coverage), "method": method, "k": k}


def one_sample_cases():
    cases = []
    samples = [
        ("n=3", [0.1, 0.25, -0.05]),
        ("n=6", [0.5, -1.2, 2.3, -0.1, 3.3, 0.7]),
        ("n=10", r(rng.normal(0.05, 0.02, 10))),
        ("n=10 with zero and ties", [0.0, 0.01, 0.01, -0.02, 0.03, 0.05, 0.02, 0.02, -0.01, 0.04]),
        ("n=25", r(rng.normal(-0.1, 0.5, 25))),
        ("n=60", r(rng.normal(0.2, 1, 60))),
    ]
    for name, d in samples:
        for confidence in (0.9, 0.95, 0.99):
            cases.append({"name": name, "d": d, "confidence": confidence, **hl_one_sample(d, confidence)})
    return cases


def paired_ratio_cases():
    cases = []
    for name, n, mult in [("10 pairs +5%", 10, 1.05), ("15 pairs -3%", 15, 0.97)]:
        drift = np.linspace(1.0, 1.03, n)  # slow drift shared by both sides of a pair
        base = r(1000 * drift * rng.lognormal(0, 0.01, n))
        head = r(1000 * mult * drift * rng.lognormal(0, 0.01, n))
        d = list(np.log(head) - np.log(base))
        for confidence in (0.95, 0.99):
            s = hl_one_sample(d, confidence)
            cases.append({
                "name": name, "base": base, "head": head, "confidence": confidence,
                "ratio": math.exp(s["estimate"]), "lo": math.exp(s["lo"]), "hi": math.exp(s["hi"]), "method": s["method"],
            })
    return cases


# ---------------------------------------------------------------- Holm
def holm_cases():
    families = [
        [0.01, 0.04, 0.03, 0.005],
        [0.5],
        [0.001, 0.2, 0.2, 0.9, 0.04, 0.03],
        [0.3, 0.4, 0.5],
        [0.02, 0.02, 0.02],
        list(r(rng.uniform(0, 0.1, 12), 8)),
    ]
    return [{"p": f, "adjusted": [float(v) for v in multipletests(f, method="holm")[1]]} for f in families]


# ---------------------------------------------------------------- Theil-Sen and Mann-Kendall (Hamed-Rao)
def mann_kendall(y, hamed_rao, acf_alpha=0.05):
    """Written from Mann (1945) / Kendall (1975) and Hamed & Rao (1998), eq. for n/n*_s."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    s = float(sum(np.sign(y[j] - y[i]) for i in range(n) for j in range(i + 1, n)))
    _, counts = np.unique(y, return_counts=True)
    var_s = (n * (n - 1) * (2 * n + 5) - float(np.sum(counts * (counts - 1) * (2 * counts + 5)))) / 18
    factor = 1.0
    if hamed_rao:
        index = np.arange(1, n + 1, dtype=float)
        slope = stats.theilslopes(y, index).slope
        ranks = stats.rankdata(y - slope * index)
        rho = acf(ranks, nlags=n - 1, fft=False)
        bound = stats.norm.ppf(1 - acf_alpha / 2) / math.sqrt(n)
        total = sum((n - k) * (n - k - 1) * (n - k - 2) * rho[k] for k in range(1, n) if abs(rho[k]) > bound)
        factor = 1 + 2 / (n * (n - 1) * (n - 2)) * total
        if not factor > 0:
            factor = 1.0
    var_s *= factor
    z = 0.0 if s == 0 else (s - math.copysign(1, s)) / math.sqrt(var_s)
    p = min(1.0, 2 * stats.norm.sf(abs(z)))
    return {"s": s, "varS": var_s, "z": z, "p": float(p), "tau": s / (n * (n - 1) / 2), "varianceFactor": factor}


def trend_cases():
    series = []
    series.append(("iid n=30", r(rng.normal(0, 1, 30))))
    series.append(("trend n=40", r(np.arange(40) * 0.05 + rng.normal(0, 1, 40))))
    ar = [0.0]
    for _ in range(59):
        ar.append(0.8 * ar[-1] + rng.normal(0, 1))
    series.append(("AR(1) 0.8 n=60", r(ar)))
    series.append(("AR(1) 0.8 plus trend n=60", r(np.asarray(ar) + np.arange(60) * 0.08)))
    series.append(("rounded with ties n=25", r(np.arange(25) * 0.1 + rng.normal(0, 1, 25), 0)))
    series.append(("decreasing n=20", r(100 - np.arange(20) * 0.7 + rng.normal(0, 0.5, 20))))
    series.append(("seasonal n=48", r(np.sin(np.arange(48) / 3.0) * 5 + rng.normal(0, 0.5, 48))))
    series.append(("constant n=10", [7.0] * 10))
    cases = []
    for name, y in series:
        t = list(np.arange(len(y)) * 600.0 + 900.0)
        ts = stats.theilslopes(y, t)
        cases.append({
            "name": name, "t": t, "y": y,
            "theilSen": {"slope": float(ts.slope), "intercept": float(ts.intercept)},
            "plain": mann_kendall(y, False),
            "hamedRao": mann_kendall(y, True),
        })
    # Theil-Sen with uneven and repeated times.
    t = [0.0, 1.0, 1.0, 2.5, 4.0, 7.0, 7.5]
    y = [1.0, 2.1, 1.9, 3.7, 5.2, 8.8, 8.1]
    ts = stats.theilslopes(y, t)
    cases.append({"name": "uneven times", "t": t, "y": y, "theilSen": {"slope": float(ts.slope), "intercept": float(ts.intercept)}})
    return cases


def main():
    check_mwu_distribution()
    check_wilcoxon_distribution()
    data = {
        "generatedBy": "scripts/make-stats-fixtures.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "mannWhitney": mann_whitney_cases(),
        "hodgesLehmannShift": hodges_lehmann_cases(),
        "hodgesLehmannRatio": hl_ratio_cases(),
        "wilcoxon": wilcoxon_cases(),
        "hodgesLehmannOneSample": one_sample_cases(),
        "pairedRatio": paired_ratio_cases(),
        "holm": holm_cases(),
        "trend": trend_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
