#!/usr/bin/python3
"""Regenerates goldens.json, the expected values for src/stats/*_test.cc, from SciPy and
statsmodels. Debian 12: apt-get install python3-scipy python3-statsmodels (SciPy 1.10.1,
statsmodels 0.13.5); only needed to regenerate, not to build or test. /usr/bin/python3 is
Debian's interpreter, which sees those packages.

    tests/stats_goldens/make_goldens.py   # rewrites tests/stats_goldens/goldens.json

Non-finite numbers are written as the strings "nan", "inf" and "-inf" (JSON has no NaN).
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from scipy.optimize import brentq
from scipy.stats._stats_py import _unequal_var_ttest_denom
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower, TTestPower
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

warnings.simplefilter("ignore")  # degenerate cases warn on purpose
rng = np.random.RandomState(20240611)


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def scores(n, a=6.0, b=3.0, step=None):
    """Realistic metric scores in [0, 1]; step rounds them onto a grid (ties)."""
    v = rng.beta(a, b, size=n)
    if step:
        v = np.round(v / step) * step
    return [float(round(x, 6)) for x in v]


# ---- two independent samples: Student, Welch, Cohen's d, TOST (independent) ----
two_sample_inputs = [
    ("realistic_n20", scores(20), scores(20, 5.0, 3.0)),
    ("unequal_n12_n30", scores(12), scores(30, 4.0, 4.0)),
    ("n2", [0.2, 0.4], [0.5, 0.9]),
    ("ties_grid_0.1", scores(15, step=0.1), scores(11, 4.0, 3.0, step=0.1)),
    ("zero_variance_one_group", [0.5] * 5, [0.25, 0.5, 0.75, 1.0]),
    ("zero_variance_both_differ", [0.5] * 4, [0.25] * 6),
    ("zero_variance_both_equal", [0.5] * 3, [0.5] * 4),
    ("one_value_group", [0.25], [0.125, 0.5, 0.75]),
    ("far_apart", scores(25, 20.0, 2.0), scores(25, 2.0, 20.0)),
]


def ttest_cases():
    out = []
    for name, a, b in two_sample_inputs:
        a_, b_ = np.asarray(a), np.asarray(b)
        s = st.ttest_ind(a_, b_, equal_var=True)
        w = st.ttest_ind(a_, b_, equal_var=False)
        wdf, _ = _unequal_var_ttest_denom(np.var(a_, ddof=1), len(a), np.var(b_, ddof=1), len(b))
        out.append({"name": name, "a": a, "b": b,
                    "student": {"t": num(s.statistic), "df": num(len(a) + len(b) - 2), "p": num(s.pvalue)},
                    "welch": {"t": num(w.statistic), "df": num(wdf), "p": num(w.pvalue)}})
    return out


def cohens_d_cases():
    # No SciPy function: the pooled-SD formula in numpy.
    out = []
    for name, a, b in two_sample_inputs:
        a_, b_ = np.asarray(a), np.asarray(b)
        n1, n2 = len(a), len(b)
        with np.errstate(all="ignore"):
            ss = ((a_ - a_.mean()) ** 2).sum() + ((b_ - b_.mean()) ** 2).sum()  # a lone value adds 0
            sp = np.sqrt(ss / (n1 + n2 - 2))
            d = (a_.mean() - b_.mean()) / sp
        out.append({"name": name, "a": a, "b": b, "d": num(d)})
    return out


def tost_ind_cases():
    out = []
    for name, a, b in two_sample_inputs:
        if len(a) < 2 or len(b) < 2:
            continue
        for low, upp in [(-0.1, 0.1), (-0.05, 0.2)]:
            for usevar, pooled in [("pooled", True), ("unequal", False)]:
                p, lo, up = ttost_ind(np.asarray(a), np.asarray(b), low, upp, usevar=usevar)
                out.append({"name": name, "a": a, "b": b, "low": low, "upp": upp, "equal_var": pooled,
                            "p": num(p), "lower": {"t": num(lo[0]), "p": num(lo[1])},
                            "upper": {"t": num(up[0]), "p": num(up[1])}, "df": num(lo[2])})
    return out


# ---- paired samples: paired t, Wilcoxon, TOST (paired) ----
base = scores(25)
paired_inputs = [
    ("realistic_n25", base, [float(round(min(1.0, max(0.0, x + d)), 6))
                             for x, d in zip(base, rng.normal(0.03, 0.05, 25))]),
    ("n2", [0.3, 0.7], [0.2, 0.4]),
    ("n3_exact", [0.9, 0.8, 0.75], [0.1, 0.3, 0.5]),
    ("ties_no_zeros", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
     [0.0, 0.1, 0.4, 0.2, 0.75, 0.5, 0.45, 0.55, 0.5, 0.5]),
    ("zeros", [0.5, 0.6, 0.7, 0.8, 0.25, 0.125, 0.9, 1.0], [0.5, 0.5, 0.7, 0.5, 0.375, 0.125, 0.5, 0.25]),
    ("all_zero_differences", [0.25, 0.5, 0.75], [0.25, 0.5, 0.75]),
    ("constant_difference", [0.75, 0.5, 1.0, 0.25], [0.5, 0.25, 0.75, 0.0]),
    ("exact_centre", [1.0, 2.0, 3.0, 4.0], [0.0, 4.0, 6.0, 0.0]),
    ("n50_exact_boundary", scores(50), scores(50)),
    ("n60_approx", scores(60), scores(60, 5.0, 3.0)),
]


def wilcoxon_method(d):
    """Our rule: exact when n <= 50 and no zeros and no ties in |d|, else normal approximation.
    SciPy 1.10's method='auto' differs only with ties and no zeros, where it uses the exact
    distribution with a truncated rank sum; we ask SciPy for 'approx' there."""
    d = np.asarray(d)
    nz = d[d != 0]
    ties = len(np.unique(np.abs(nz))) != len(nz)
    return "exact" if len(d) <= 50 and len(nz) == len(d) and not ties else "approx"


def paired_cases():
    out = []
    for name, a, b in paired_inputs:
        a_, b_ = np.asarray(a), np.asarray(b)
        t = st.ttest_rel(a_, b_)
        d = a_ - b_
        method = wilcoxon_method(d)
        if np.all(d == 0):
            wil = {"statistic": "nan", "p": "nan", "method": "none"}  # SciPy raises
        else:
            w = st.wilcoxon(a_, b_, method=method)
            wil = {"statistic": num(w.statistic), "p": num(w.pvalue), "method": method}
        out.append({"name": name, "a": a, "b": b,
                    "ttest": {"t": num(t.statistic), "df": num(len(a) - 1), "p": num(t.pvalue)},
                    "wilcoxon": wil})
    return out


def tost_paired_cases():
    out = []
    for name, a, b in paired_inputs:
        for low, upp in [(-0.1, 0.1), (-0.02, 0.05)]:
            p, lo, up = ttost_paired(np.asarray(a), np.asarray(b), low, upp)
            out.append({"name": name, "a": a, "b": b, "low": low, "upp": upp, "p": num(p),
                        "lower": {"t": num(lo[0]), "p": num(lo[1])},
                        "upper": {"t": num(up[0]), "p": num(up[1])}, "df": num(lo[2])})
    return out


# ---- k groups: one-way ANOVA, Levene, Brown-Forsythe ----
group_inputs = [
    ("realistic_unequal_10_15_8", [scores(10), scores(15, 5.0, 3.0), scores(8, 7.0, 3.0)]),
    ("two_groups", [scores(12), scores(9, 3.0, 3.0)]),
    ("four_groups_ties", [scores(6, step=0.25), scores(7, step=0.25), scores(5, 3.0, 3.0, step=0.25),
                          scores(9, step=0.25)]),
    # Exact binary values: with two per group Levene's deviations tie, so its denominator is
    # exactly 0 (W = inf) rather than rounding noise.
    ("n2_each", [[0.125, 0.375], [0.5, 0.5625], [1.0, 0.75]]),
    ("one_group_constant", [[0.5, 0.5, 0.5], [0.25, 0.5, 0.875, 1.0]]),
    ("all_constant_differ", [[0.5, 0.5, 0.5], [0.25, 0.25], [1.0, 1.0, 1.0, 1.0]]),
    ("all_constant_equal", [[0.5, 0.5], [0.5, 0.5, 0.5]]),
    ("singletons", [[0.1], [0.5], [0.7]]),
    ("far_apart", [scores(20, 30.0, 2.0), scores(20, 2.0, 30.0)]),
]


def group_cases():
    out = []
    for name, groups in group_inputs:
        arrays = [np.asarray(g) for g in groups]
        f = st.f_oneway(*arrays)
        lv = st.levene(*arrays, center="mean")
        bf = st.levene(*arrays, center="median")
        k, n = len(groups), sum(len(g) for g in groups)
        out.append({"name": name, "groups": groups,
                    "anova": {"f": num(f.statistic), "p": num(f.pvalue), "df_between": k - 1, "df_within": n - k},
                    "levene": {"w": num(lv.statistic), "p": num(lv.pvalue)},
                    "brown_forsythe": {"w": num(bf.statistic), "p": num(bf.pvalue)}})
    return out


# ---- rank agreement ----
x40 = scores(40)
rank_inputs = [
    ("realistic_n30", scores(30), scores(30)),
    ("ties", scores(20, step=0.1), scores(20, step=0.2)),
    ("n2", [0.1, 0.7], [0.3, 0.2]),
    ("n3", [0.1, 0.7, 0.4], [0.3, 0.9, 0.5]),
    ("perfect_increasing", [0.1, 0.2, 0.3, 0.4, 0.5], [0.5, 0.6, 0.8, 0.85, 0.99]),
    ("constant_x", [0.5] * 5, [0.1, 0.2, 0.3, 0.4, 0.5]),
    ("n40_no_ties", x40, [float(round(v + 0.3 * w, 6)) for v, w in zip(x40, rng.uniform(size=40))]),
    ("n40_one_swap", sorted(x40), sorted(x40)[:19] + [sorted(x40)[20], sorted(x40)[19]] + sorted(x40)[21:]),
    ("n34_reversed", list(range(34)), list(range(34, 0, -1))),
]


def rank_cases():
    out = []
    for name, x, y in rank_inputs:
        s = st.spearmanr(x, y)
        k = st.kendalltau(x, y)
        out.append({"name": name, "x": [float(v) for v in x], "y": [float(v) for v in y],
                    "spearman": {"r": num(s.correlation), "p": num(s.pvalue)},
                    "kendall": {"tau": num(k.correlation), "p": num(k.pvalue)}})
    return out


# ---- McNemar: b = only the first right, c = only the second right ----
def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (3, 7), (10, 10), (1, 0), (1, 1), (5, 0), (25, 40), (200, 250), (0, 30)]:
        table = [[50, b], [c, 40]]
        ex = mcnemar(table, exact=True)
        ch = mcnemar(table, exact=False, correction=True)
        out.append({"b": b, "c": c, "exact": {"statistic": num(ex.statistic), "p": num(ex.pvalue)},
                    "chi2": {"statistic": num(ch.statistic), "p": num(ch.pvalue)}})
    return out


def holm_cases():
    out = []
    for name, p in [("single", [0.03]),
                    ("realistic", [0.01, 0.04, 0.03, 0.005, 0.2, 0.5]),
                    ("ties", [0.01, 0.01, 0.02, 0.02, 0.9]),
                    ("clipped_to_one", [0.4, 0.6, 0.8]),
                    ("all_rejected", [0.001, 0.002, 0.0001]),
                    ("edge", [0.0125, 0.05, 0.025, 0.0])]:
        reject, adj, _, _ = multipletests(p, alpha=0.05, method="holm")
        out.append({"name": name, "p": p, "alpha": 0.05, "adjusted": [num(v) for v in adj],
                    "reject": [bool(v) for v in reject]})
    return out


def cv_cases():
    # scipy.stats.variation with ddof=1: sample SD / mean.
    out = []
    for name, v in [("realistic", scores(20)), ("n2", [0.25, 0.75]), ("constant", [0.5, 0.5, 0.5]),
                    ("mean_zero", [-0.5, 0.5]), ("all_zero", [0.0, 0.0, 0.0]), ("one_value", [0.5]),
                    ("negative_mean", [-0.2, -0.4, -0.3])]:
        out.append({"name": name, "values": v, "cv": num(st.variation(v, ddof=1))})
    return out


def mean_ci_cases():
    out = []
    for name, v in [("realistic", scores(20)), ("n2", [0.25, 0.75]), ("constant", [0.5, 0.5, 0.5]),
                    ("one_value", [0.5])]:
        a = np.asarray(v)
        m = a.mean()
        sem = st.sem(a) if len(a) > 1 else float("nan")
        for level in [0.95, 0.9]:
            tl, th = st.t.interval(level, len(a) - 1, loc=m, scale=sem) if len(a) > 1 else (np.nan, np.nan)
            nl, nh = st.norm.interval(level, loc=m, scale=sem) if len(a) > 1 else (np.nan, np.nan)
            if len(a) > 1 and sem == 0:  # SciPy's scale=0 gives NaN; ours is the point [m, m]
                tl = th = nl = nh = m
            out.append({"name": name, "values": v, "level": level, "t": [num(tl), num(th)],
                        "normal": [num(nl), num(nh)]})
    return out


def power_cases():
    """statsmodels' solve_power stops at brentq_expanding's xtol=1e-5; "refined" solves the same
    statsmodels power() to xtol=1e-13, so the C++ can be held to its own precision."""
    ind, paired = TTestIndPower(), TTestPower()
    out = {"power": [], "min_effect": [], "n_needed": []}
    for n, ratio, d in [(10, 1.0, 0.5), (20, 1.0, 0.8), (10, 2.0, 1.0), (50, 1.0, 0.2), (3, 1.0, 2.0),
                        (100, 0.5, 0.3)]:
        out["power"].append({"design": "ind", "n": n, "ratio": ratio, "effect": d, "alpha": 0.05,
                             "power": num(ind.power(d, n, 0.05, ratio=ratio))})
        out["power"].append({"design": "paired", "n": n, "effect": d, "alpha": 0.05,
                             "power": num(paired.power(d, n, 0.05))})
    for n, ratio in [(3, 1.0), (5, 1.0), (10, 1.0), (20, 1.0), (50, 1.0), (200, 1.0), (10, 2.0), (30, 0.5)]:
        sm = ind.solve_power(effect_size=None, nobs1=n, alpha=0.05, power=0.8, ratio=ratio)
        ref = brentq(lambda e: ind.power(e, n, 0.05, ratio=ratio) - 0.8, 1e-6, 50, xtol=1e-13)
        out["min_effect"].append({"design": "ind", "n": n, "ratio": ratio, "alpha": 0.05, "power": 0.8,
                                  "statsmodels": num(sm), "refined": num(ref)})
    for n in [2, 3, 5, 10, 20, 50, 200]:
        sm = paired.solve_power(effect_size=None, nobs=n, alpha=0.05, power=0.8)
        ref = brentq(lambda e: paired.power(e, n, 0.05) - 0.8, 1e-6, 200, xtol=1e-13)
        out["min_effect"].append({"design": "paired", "n": n, "alpha": 0.05, "power": 0.8,
                                  "statsmodels": num(sm), "refined": num(ref)})
    for d, ratio in [(0.2, 1.0), (0.5, 1.0), (0.8, 1.0), (1.5, 1.0), (0.5, 2.0)]:
        sm = ind.solve_power(effect_size=d, nobs1=None, alpha=0.05, power=0.8, ratio=ratio)
        ref = brentq(lambda n: ind.power(d, n, 0.05, ratio=ratio) - 0.8, 2.0, 1e5, xtol=1e-11)
        out["n_needed"].append({"design": "ind", "effect": d, "ratio": ratio, "alpha": 0.05, "power": 0.8,
                                "statsmodels": num(sm), "refined": num(ref)})
    for d in [0.2, 0.5, 0.8, 1.5]:
        sm = paired.solve_power(effect_size=d, nobs=None, alpha=0.05, power=0.8)
        ref = brentq(lambda n: paired.power(d, n, 0.05) - 0.8, 2.0, 1e5, xtol=1e-11)
        out["n_needed"].append({"design": "paired", "effect": d, "alpha": 0.05, "power": 0.8,
                                "statsmodels": num(sm), "refined": num(ref)})
    return out


def power_law_cases():
    # Its own generator, so adding these cases leaves every earlier golden as it was.
    g = np.random.RandomState(20250115)
    exact_x = [1e6, 1e7, 1e8, 1e9, 3e9]
    noisy_x = [float(round(v)) for v in np.exp(g.uniform(np.log(1e8), np.log(1e10), size=12))]
    noisy_y = [float(round(0.02 * x ** 0.15 * math.exp(g.normal(0, 0.08)), 6)) for x in noisy_x]
    falling_x = [float(v) for v in range(1, 9)]
    falling_y = [float(round(3.0 * x ** -0.4 * math.exp(g.normal(0, 0.05)), 6)) for x in falling_x]
    inputs = [
        ("n2", [124e6, 1236e6], [0.293, 0.561]),
        ("exact", exact_x, [0.02 * x ** 0.15 for x in exact_x]),
        ("noisy_n12", noisy_x, noisy_y),
        ("tr124_table_6_1", [124e6, 1236e6, 1543e6, 2700e6, 3213e6], [0.293, 0.561, 0.584, 0.635, 0.538]),
        ("falling_n8", falling_x, falling_y),
    ]
    out = []
    for name, x, y in inputs:
        r = st.linregress(np.log(x), np.log(y))
        out.append({"name": name, "x": x, "y": y, "n": len(x), "a": num(math.exp(r.intercept)),
                    "b": num(r.slope), "r2": num(r.rvalue ** 2), "stderr": num(r.stderr), "p": num(r.pvalue)})
    return out


def main():
    goldens = {
        "generated_by": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                         "numpy": np.__version__},
        "ttest": ttest_cases(),
        "cohens_d": cohens_d_cases(),
        "tost_ind": tost_ind_cases(),
        "paired": paired_cases(),
        "tost_paired": tost_paired_cases(),
        "groups": group_cases(),
        "rank": rank_cases(),
        "mcnemar": mcnemar_cases(),
        "holm": holm_cases(),
        "cv": cv_cases(),
        "mean_ci": mean_ci_cases(),
        "power": power_cases(),
        "power_law": power_law_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens.json")
    with open(path, "w") as f:
        json.dump(goldens, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
