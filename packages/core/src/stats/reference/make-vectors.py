#!/usr/bin/python3
"""Reference vectors for the statistics engine, computed independently of it.

Run with Debian's Python and packages (the tests only read the JSON this writes; CI needs no
Python):

    apt-get install -y python3-scipy python3-statsmodels python3-mpmath r-base-core
    /usr/bin/python3 packages/core/src/stats/reference/make-vectors.py

Sources per test (see ../README.md): scipy.stats for distributions, t-tests, chi-square and
Mann-Whitney; statsmodels for the z-test, Wald interval, Holm and the CUPED regression; mpmath at
40 digits for the exact Bayesian sums, cross-checked here by numerical integration; R (Rscript),
when installed, for t.test, chisq.test, wilcox.test and p.adjust as a second opinion recorded
beside scipy's. Deterministic: one seeded generator.
"""
import json
import math
import os
import shutil
import subprocess
import tempfile

import mpmath
import numpy as np
import scipy
import statsmodels
from scipy import integrate, stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)
mpmath.mp.dps = 40


def f(x):
    return None if x is None else float(x)


def z_crit(conf):
    return float(stats.norm.isf((1 - conf) / 2))


# --- distributions (mpmath at 40 digits: scipy 1.10's t quantile is only good to ~1e-9) --------
def mp_t_cdf(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return tail if t < 0 else 1 - tail


def mp_t_quantile(p, df):
    if p == 0.5:
        return mpmath.mpf(0)
    guess = float(stats.t.ppf(p, df))
    return mpmath.findroot(lambda x: mp_t_cdf(x, df) - p, mpmath.mpf(guess), tol=mpmath.mpf(10) ** -35)


def mp_normal_quantile(p):
    if p == 0.5:
        return mpmath.mpf(0)
    tail = min(p, 1 - p)  # solve in the lower tail, mirror
    x = mpmath.findroot(lambda x: mpmath.ncdf(x) - tail, mpmath.mpf(float(stats.norm.ppf(tail))),
                        tol=mpmath.mpf(10) ** -35)
    return x if p < 0.5 else -x


def t_crit(conf, df):
    return float(-mp_t_quantile((1 - conf) / 2, df))


def distributions():
    ps = [1e-300, 1e-20, 1e-10, 1e-6, 0.001, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-9]
    dfs = [1, 1.5, 2, 3.7, 10, 17.776, 30, 100, 1e4, 1e7]
    ts = [-40, -8, -3, -1.96, -0.5, 0, 0.25, 1, 2.5, 6, 50]
    xs = [0.01, 0.47, 1, 3.84, 10, 50, 200, 1500]
    kdf = [1, 2, 3, 5, 10, 99, 1000]
    return {
        'normalQuantile': [{'p': p, 'x': float(mp_normal_quantile(p))} for p in ps],
        'twoSidedNormalP': [{'z': z, 'p': float(mpmath.erfc(mpmath.mpf(z) / mpmath.sqrt(2)))}
                            for z in [0, 0.5, 1.96, 3, 8, 20, 37]],
        'studentTCdf': [{'t': t, 'df': d, 'p': float(mp_t_cdf(t, d))} for t in ts for d in dfs],
        'tQuantile': [{'p': p, 'df': d, 'x': float(mp_t_quantile(p, d))} for p in ps[2:-1] for d in dfs
                      if p != 0.5],
        'chiSquareSf': [{'x': x, 'df': k, 'p': float(mpmath.gammainc(mpmath.mpf(k) / 2, mpmath.mpf(x) / 2,
                                                                   mpmath.inf, regularized=True))}
                        for x in xs for k in kdf],
        'logBeta': [{'a': a, 'b': b, 'value': float(mpmath.log(mpmath.beta(a, b)))}
                    for a, b in [(0.5, 0.5), (1, 1), (3, 7), (101, 901), (1e5, 9e5 + 1), (2.5e6, 1e7)]],
    }


# --- proportions ---------------------------------------------------------------------------
def proportions():
    out = []
    for _ in range(40):
        nc, nt = (int(x) for x in rng.integers(20, 200000, 2))
        rate = float(rng.uniform(0.005, 0.6))
        xc = int(rng.binomial(nc, rate))
        xt = int(rng.binomial(nt, min(0.99, rate * float(rng.uniform(0.8, 1.3)))))
        conf = float(rng.choice([0.8, 0.9, 0.95, 0.99, 0.999]))
        if xc == 0:
            continue
        zstat, p = proportions_ztest([xt, xc], [nt, nc])  # pooled variance by default
        low, high = confint_proportions_2indep(xt, nt, xc, nc, method='wald', compare='diff', alpha=1 - conf)
        pc, pt = xc / nc, xt / nt
        var_c, var_t = pc * (1 - pc) / nc, pt * (1 - pt) / nt
        se_rel = math.sqrt(var_t / pc**2 + pt**2 * var_c / pc**4)
        rel = (pt - pc) / pc
        zq = z_crit(conf)
        out.append({
            'input': {'control': {'users': nc, 'conversions': xc}, 'treatment': {'users': nt, 'conversions': xt},
                      'confidence': conf},
            'expected': {'controlRate': pc, 'treatmentRate': pt, 'absoluteLift': pt - pc, 'relativeLift': rel,
                         'ci': [f(low), f(high)], 'relativeCi': [rel - zq * se_rel, rel + zq * se_rel],
                         'z': f(zstat), 'pValue': f(p)},
        })
    return out


# --- means (Welch) -------------------------------------------------------------------------
def means():
    out = []
    for _ in range(40):
        nc, nt = (int(x) for x in rng.integers(2, 5000, 2))
        mc, mt = float(rng.normal(10, 3)), float(rng.normal(10, 3))
        vc, vt = float(rng.uniform(0.01, 50)), float(rng.uniform(0.01, 50))
        conf = float(rng.choice([0.9, 0.95, 0.99]))
        res = stats.ttest_ind_from_stats(mt, math.sqrt(vt), nt, mc, math.sqrt(vc), nc, equal_var=False)
        se = math.sqrt(vc / nc + vt / nt)
        df = (vc / nc + vt / nt) ** 2 / ((vc / nc) ** 2 / (nc - 1) + (vt / nt) ** 2 / (nt - 1))
        q = t_crit(conf, df)
        out.append({
            'input': {'control': {'n': nc, 'mean': mc, 'variance': vc},
                      'treatment': {'n': nt, 'mean': mt, 'variance': vt}, 'confidence': conf},
            'expected': {'difference': mt - mc, 'se': se, 't': f(res.statistic), 'df': df,
                         'pValue': f(res.pvalue), 'ci': [mt - mc - q * se, mt - mc + q * se]},
        })
    return out


# --- srm -----------------------------------------------------------------------------------
def srm():
    out = []
    for _ in range(40):
        k = int(rng.integers(2, 6))
        weights = [float(w) for w in rng.integers(1, 100, k)]
        total = int(rng.integers(50, 2_000_000))
        skew = np.array(weights) * rng.uniform(0.97, 1.03, k)
        observed = [int(x) for x in rng.multinomial(total, skew / skew.sum())]
        expected = [total * w / sum(weights) for w in weights]
        res = stats.chisquare(observed, expected)
        out.append({'input': {'observed': observed, 'weights': weights},
                    'expected': {'expectedCounts': expected, 'chiSquare': f(res.statistic), 'df': k - 1,
                                 'pValue': f(res.pvalue)}})
    return out


# --- bayes ---------------------------------------------------------------------------------
def prob_greater_exact(ax, bx, ay, by):
    """P(X > Y), X~Beta(ax,bx) with whole ax, Y~Beta(ay,by): Evan Miller's full sum at 40 digits."""
    ax, bx, ay, by = (mpmath.mpf(v) for v in (ax, bx, ay, by))
    term = mpmath.beta(ay, by + bx) / (bx * mpmath.beta(1, bx) * mpmath.beta(ay, by))
    total = mpmath.mpf(0)
    for i in range(int(ax)):
        total += term
        term *= (ay + i) * (bx + i) / ((ay + by + bx + i) * (1 + i))
    return total


def prob_greater(x, y):
    if float(x[0]).is_integer():
        return prob_greater_exact(x[0], x[1], y[0], y[1])
    return prob_greater_exact(y[1], y[0], x[1], x[0])  # X > Y  <=>  1-Y > 1-X


def loss_exact(x, y):
    """E[max(X - Y, 0)] by the identity E[X 1{X>Y}] = E[X] P(X+ > Y)."""
    mx, my = mpmath.mpf(x[0]) / (x[0] + x[1]), mpmath.mpf(y[0]) / (y[0] + y[1])
    return mx * prob_greater((x[0] + 1, x[1]), y) - my * prob_greater(x, (y[0] + 1, y[1]))


def loss_quad(x, y):
    """E[max(X - Y, 0)] by integration: ∫ f_X(s) (s F_Y(s) − E[Y] F_{Y+}(s)) ds (independent check)."""
    bx, by, byp = stats.beta(*x), stats.beta(*y), stats.beta(y[0] + 1, y[1])
    my = y[0] / (y[0] + y[1])
    lo = max(0.0, min(bx.ppf(1e-15), by.ppf(1e-15)))
    hi = min(1.0, max(bx.isf(1e-15), by.isf(1e-15)))
    g = lambda s: bx.pdf(s) * (s * by.cdf(s) - my * byp.cdf(s))
    pts = np.linspace(lo, hi, 60)[1:-1]
    val, _ = integrate.quad(g, lo, hi, points=pts, limit=500, epsabs=1e-15, epsrel=1e-11)
    return val


def chance_quad(x, y):
    bx, by = stats.beta(*x), stats.beta(*y)
    lo = max(0.0, min(bx.ppf(1e-15), by.ppf(1e-15)))
    hi = min(1.0, max(bx.isf(1e-15), by.isf(1e-15)))
    pts = np.linspace(lo, hi, 60)[1:-1]
    val, _ = integrate.quad(lambda s: bx.pdf(s) * by.cdf(s), lo, hi, points=pts, limit=500, epsabs=1e-15,
                            epsrel=1e-11)
    return val


def bayes():
    cases = [((1000, 100), (1000, 125), None), ((0, 0), (0, 0), None), ((10, 0), (10, 10), None),
             ((50, 3), (40, 9), {'alpha': 2, 'beta': 8}), ((500, 120), (480, 100), {'alpha': 0.5, 'beta': 3}),
             ((300, 30), (310, 35), {'alpha': 4, 'beta': 10.5}), ((200000, 20000), (200000, 20350), None)]
    for _ in range(12):
        nc, nt = (int(v) for v in rng.integers(5, 20000, 2))
        r = float(rng.uniform(0.01, 0.5))
        cases.append(((nc, int(rng.binomial(nc, r))), (nt, int(rng.binomial(nt, r * 1.05))), None))
    out = []
    for (nc, xc), (nt, xt), prior in cases:
        a, b = (prior['alpha'], prior['beta']) if prior else (1, 1)
        c, t = (a + xc, b + nc - xc), (a + xt, b + nt - xt)
        chance = prob_greater(t, c)
        loss_t, loss_c = loss_exact(c, t), loss_exact(t, c)
        # The exact sums and numerical integration must agree before a vector is written.
        assert abs(float(chance) - chance_quad(t, c)) < 1e-9, (c, t)
        assert abs(float(loss_t) - loss_quad(c, t)) < 1e-10 * max(1, float(loss_t) * 1e3), (c, t)
        assert abs(float(loss_c) - loss_quad(t, c)) < 1e-10 * max(1, float(loss_c) * 1e3), (c, t)
        inp = {'control': {'users': nc, 'conversions': xc}, 'treatment': {'users': nt, 'conversions': xt}}
        if prior:
            inp['prior'] = prior
        out.append({'input': inp, 'expected': {'chanceToBeatControl': float(chance), 'expectedLoss': float(loss_t),
                                               'expectedLossControl': float(loss_c)}})
    return out


# --- sample size ---------------------------------------------------------------------------
def evan_miller(alpha, power, p, delta):
    """num_subjects() of evanmiller.org/ab-testing/sample-size.html (its sample-size-fixed.js)."""
    if p > 0.5:
        p = 1.0 - p
    t_alpha2 = float(stats.norm.ppf(1.0 - alpha / 2))
    t_beta = float(stats.norm.ppf(power))
    sd1 = math.sqrt(2 * p * (1.0 - p))
    sd2 = math.sqrt(p * (1.0 - p) + (p + delta) * (1.0 - p - delta))
    return (t_alpha2 * sd1 + t_beta * sd2) ** 2 / delta**2


def sample_size():
    cases = [(0.2, 0.05, 'absolute', 0.05, 0.8), (0.1, 0.02, 'absolute', 0.05, 0.8), (0.05, 0.1, 'relative', 0.05, 0.8),
             (0.03, 0.2, 'relative', 0.01, 0.9), (0.7, 0.05, 'absolute', 0.05, 0.8), (0.5, 0.01, 'absolute', 0.1, 0.95)]
    for _ in range(30):
        base = round(float(rng.uniform(0.005, 0.9)), 4)
        kind = str(rng.choice(['absolute', 'relative']))
        # The treatment rate base + effect must stay a rate (below 1).
        mde = round(float(rng.uniform(0.01, min(0.3, 0.9 * (1 - base) / base))), 4) if kind == 'relative' else round(
            float(rng.uniform(0.001, min(0.1, (1 - base) * 0.9))), 4)
        cases.append((base, mde, kind, float(rng.choice([0.01, 0.05, 0.1])), float(rng.choice([0.8, 0.9, 0.95]))))
    out = []
    for base, mde, kind, alpha, power in cases:
        delta = base * mde if kind == 'relative' else mde
        raw = evan_miller(alpha, power, base, delta)
        # A raw value within 1e-9 of a whole number would make the rounded answer fragile.
        assert abs(raw - round(raw)) > 1e-9, raw
        out.append({'input': {'baselineRate': base, 'minimumDetectableEffect': mde, 'effectType': kind,
                              'alpha': alpha, 'power': power},
                    'expected': {'usersPerVariant': math.ceil(raw), 'raw': raw}})
    return out


# --- sequential (mSPRT) --------------------------------------------------------------------
def msprt(diffs, variances, tau2, alpha):
    """Johari, Pekelis & Walsh (2022) eq. (11)-(12), running min and running intersection."""
    p, lo, hi, out = 1.0, -math.inf, math.inf, []
    for d, v in zip(diffs, variances):
        lam = math.sqrt(v / (v + tau2)) * math.exp(tau2 * d * d / (2 * v * (v + tau2)))
        p = min(p, 1 / lam, 1.0)
        half = math.sqrt(v * (v + tau2) / tau2 * (math.log((v + tau2) / v) - 2 * math.log(alpha)))
        lo, hi = max(lo, d - half), min(hi, d + half)
        out.append({'difference': d, 'pValue': p, 'ci': [lo, hi], 'rejected': p <= alpha})
    return out


def sequential():
    out = []
    for k in range(8):
        conf = [0.95, 0.9, 0.99][k % 3]
        tau2 = float(rng.choice([1e-5, 1e-4, 1e-3]))
        lift = float(rng.choice([0, 0.01, 0.03]))
        base = float(rng.uniform(0.05, 0.3))
        snaps, diffs, variances = [], [], []
        nc = nt = xc = xt = 0
        for _ in range(int(rng.integers(3, 12))):
            step = int(rng.integers(200, 3000))
            nc += step
            nt += step
            xc += int(rng.binomial(step, base))
            xt += int(rng.binomial(step, base + lift))
            pc, pt = xc / nc, xt / nt
            snaps.append({'control': {'users': nc, 'conversions': xc}, 'treatment': {'users': nt, 'conversions': xt}})
            diffs.append(pt - pc)
            variances.append(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
        out.append({'input': {'metric': 'proportion', 'tau2': tau2, 'confidence': conf, 'snapshots': snaps},
                    'expected': {'snapshots': msprt(diffs, variances, tau2, 1 - conf)}})
    for _ in range(4):
        tau2 = float(rng.choice([0.01, 0.1, 1.0]))
        ys_c, ys_t = rng.normal(5, 2, 20000), rng.normal(5 + float(rng.choice([0, 0.05, 0.2])), 2, 20000)
        snaps, diffs, variances = [], [], []
        for n in sorted(int(v) for v in rng.integers(10, 20000, 6)):
            c, t = ys_c[:n], ys_t[:n]
            arm = lambda y: {'n': n, 'mean': float(y.mean()), 'variance': float(y.var(ddof=1))}
            snaps.append({'control': arm(c), 'treatment': arm(t)})
            diffs.append(float(t.mean()) - float(c.mean()))
            variances.append(float(c.var(ddof=1)) / n + float(t.var(ddof=1)) / n)
        out.append({'input': {'metric': 'mean', 'tau2': tau2, 'snapshots': snaps},
                    'expected': {'snapshots': msprt(diffs, variances, tau2, 0.05)}})
    return out


# --- holm ----------------------------------------------------------------------------------
def holm():
    out = []
    for _ in range(20):
        m = int(rng.integers(1, 12))
        ps = [float(p) for p in np.concatenate([rng.uniform(0, 0.02, m // 2), rng.uniform(0, 1, m - m // 2)])]
        alpha = float(rng.choice([0.05, 0.1, 0.01]))
        reject, adjusted, _, _ = multipletests(ps, alpha=alpha, method='holm')
        out.append({'input': {'pValues': ps, 'alpha': alpha},
                    'expected': {'adjusted': [float(a) for a in adjusted], 'rejected': [bool(r) for r in reject]}})
    return out


# --- cuped ---------------------------------------------------------------------------------
def cuped():
    out = []
    for _ in range(15):
        nc, nt = (int(v) for v in rng.integers(20, 5000, 2))
        slope, effect = float(rng.uniform(0.2, 1.5)), float(rng.choice([0, 0.1, 0.5]))
        xc, xt = rng.normal(10, 3, nc), rng.normal(10, 3, nt)
        yc = 2 + slope * xc + rng.normal(0, 2, nc)
        yt = 2 + effect + slope * xt + rng.normal(0, 2, nt)
        arm = lambda x, y: {'n': len(x), 'meanY': float(y.mean()), 'varY': float(y.var(ddof=1)),
                            'meanX': float(x.mean()), 'varX': float(x.var(ddof=1)),
                            'covXY': float(np.cov(x, y, ddof=1)[0, 1])}
        # θ and the difference: the X and arm coefficients of OLS y ~ 1 + arm + x (statsmodels).
        design = np.column_stack([np.ones(nc + nt), np.r_[np.zeros(nc), np.ones(nt)], np.r_[xc, xt]])
        fit = OLS(np.r_[yc, yt], design).fit()
        theta, diff = float(fit.params[2]), float(fit.params[1])
        # se from the adjusted raw values per arm (numpy), test and interval normal (scipy).
        se = math.sqrt(np.var(yc - theta * xc, ddof=1) / nc + np.var(yt - theta * xt, ddof=1) / nt)
        z = diff / se
        zq = z_crit(0.95)
        raw = yc.var(ddof=1) / nc + yt.var(ddof=1) / nt
        out.append({'input': {'control': arm(xc, yc), 'treatment': arm(xt, yt)},
                    'expected': {'theta': theta, 'difference': diff, 'se': se, 'z': z,
                                 'pValue': float(2 * stats.norm.sf(abs(z))), 'ci': [diff - zq * se, diff + zq * se],
                                 'varianceReduction': 1 - se * se / raw}})
    return out


# --- Mann-Whitney --------------------------------------------------------------------------
def mann_whitney():
    samples, buckets = [], []
    for k in range(16):
        exact = k < 6
        nc, nt = (int(v) for v in (rng.integers(3, 40, 2) if exact else rng.integers(20, 800, 2)))
        shift = float(rng.choice([0, 0.2, 0.6]))
        c = np.array([float(f'{v:.6g}') for v in rng.lognormal(0, 0.5, nc)])
        t = np.array([float(f'{v:.6g}') for v in rng.lognormal(shift, 0.5, nt)])
        if not exact and k % 2 == 0:
            c, t = np.round(c, 1), np.round(t, 1)  # ties
        res = stats.mannwhitneyu(t, c, alternative='two-sided', method='exact' if exact else 'asymptotic',
                                 use_continuity=True)
        samples.append({'input': {'control': [float(v) for v in c], 'treatment': [float(v) for v in t]},
                        'expected': {'u': float(res.statistic), 'pValue': float(res.pvalue),
                                     'method': 'exact' if exact else 'asymptotic'}})
    for _ in range(10):
        k = int(rng.integers(2, 25))
        pc = rng.dirichlet(np.ones(k))
        pt = rng.dirichlet(np.ones(k)) if rng.uniform() < 0.5 else pc
        cc = rng.multinomial(int(rng.integers(30, 50000)), pc)
        tc = rng.multinomial(int(rng.integers(30, 50000)), pt)
        # Independent route: expand every bucket into tied values (its index) and ask scipy.
        res = stats.mannwhitneyu(np.repeat(np.arange(k), tc), np.repeat(np.arange(k), cc), alternative='two-sided',
                                 method='asymptotic', use_continuity=True)
        buckets.append({'input': {'control': [int(v) for v in cc], 'treatment': [int(v) for v in tc]},
                        'expected': {'u': float(res.statistic), 'pValue': float(res.pvalue)}})
    return samples, buckets


# --- R, as a second opinion ----------------------------------------------------------------
def r_checks(data):
    if not shutil.which('Rscript'):
        return None
    vec = lambda xs: 'c(' + ','.join(repr(float(x)) for x in xs) + ')'
    lines = ['options(digits=17)']
    for i, case in enumerate(data['mannWhitney'][:6]):
        lines.append(f"w <- wilcox.test({vec(case['input']['treatment'])}, {vec(case['input']['control'])}, exact=TRUE)")
        lines.append(f"cat('mw', {i}, sprintf('%.17g', w$statistic), sprintf('%.17g', w$p.value), '\\n')")
    for i, case in enumerate(data['srm'][:10]):
        lines.append(f"r <- chisq.test({vec(case['input']['observed'])}, p={vec(case['input']['weights'])}, rescale.p=TRUE)")
        lines.append(f"cat('srm', {i}, sprintf('%.17g', r$statistic), sprintf('%.17g', r$p.value), '\\n')")
    for i, case in enumerate(data['holm']):
        lines.append(f"cat('holm', {i}, sprintf('%.17g', p.adjust({vec(case['input']['pValues'])}, 'holm')), '\\n')")
    with tempfile.NamedTemporaryFile('w', suffix='.R') as fh:
        fh.write('\n'.join(lines) + '\n')
        fh.flush()
        text = subprocess.run(['Rscript', fh.name], capture_output=True, text=True, check=True).stdout
    out = {'mannWhitney': {}, 'srm': {}, 'holm': {}}
    for line in text.splitlines():
        if line.split()[:1] not in (['mw'], ['srm'], ['holm']):
            continue  # R's own notes (locale warnings)
        kind, i, *vals = line.split()
        key = {'mw': 'mannWhitney', 'srm': 'srm', 'holm': 'holm'}[kind]
        out[key][int(i)] = [float(v) for v in vals]
    # R and scipy/statsmodels must agree before either is used as a reference.
    for i, (u, p) in out['mannWhitney'].items():
        e = data['mannWhitney'][i]['expected']
        assert u == e['u'] and math.isclose(p, e['pValue'], rel_tol=1e-12), (i, u, p, e)
    for i, (x2, p) in out['srm'].items():
        e = data['srm'][i]['expected']
        assert math.isclose(x2, e['chiSquare'], rel_tol=1e-12) and math.isclose(p, e['pValue'], rel_tol=1e-9)
    for i, adj in out['holm'].items():
        assert all(math.isclose(a, b, rel_tol=1e-15) for a, b in zip(adj, data['holm'][i]['expected']['adjusted']))
    assert [len(v) for v in out.values()] == [6, 10, len(data['holm'])], out
    version = subprocess.run(['Rscript', '-e', 'cat(R.version.string)'], capture_output=True, text=True).stdout
    return {'version': version, 'agreed': {k: len(v) for k, v in out.items()}}


def main():
    mw_samples, mw_buckets = mann_whitney()
    data = {
        'distributions': distributions(),
        'proportions': proportions(),
        'means': means(),
        'srm': srm(),
        'bayes': bayes(),
        'sampleSize': sample_size(),
        'sequential': sequential(),
        'holm': holm(),
        'cuped': cuped(),
        'mannWhitney': mw_samples,
        'mannWhitneyBuckets': mw_buckets,
    }
    r = r_checks(data)
    data['generatedBy'] = {
        'script': 'packages/core/src/stats/reference/make-vectors.py',
        'scipy': scipy.__version__, 'statsmodels': statsmodels.__version__, 'numpy': np.__version__,
        'mpmath': mpmath.__version__, 'R': r,
    }
    path = os.path.join(HERE, 'vectors.json')
    with open(path, 'w', encoding='utf-8') as fh:
        json.dump(data, fh, indent=1, allow_nan=False)
        fh.write('\n')
    print('wrote', path, {k: len(v) for k, v in data.items() if isinstance(v, list)}, 'R:', r)


if __name__ == '__main__':
    main()
