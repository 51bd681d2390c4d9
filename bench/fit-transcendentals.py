# Derives the fitted f32 coefficients of src/dsl/transcendentals (tanh and erf; exp, log and cos use
# Taylor/atanh series with exact rational coefficients). Run by hand: python3 bench/fit-transcendentals.py
# (needs mpmath and numpy). Each fit is a least-squares fit, relative to the function, on 300
# Chebyshev nodes in 40-digit arithmetic; the printed max-ulp is the f32 Horner evaluation's, which
# test/dsl/transcendentals.test.ts measures independently against float64 Math.
import mpmath as mp
import numpy as np

mp.mp.dps = 40
NODES = 300


def fit(f, lo, hi, deg, weight):
    """Coefficients c_j of sum c_j v^j ~ f(v) on [lo, hi], error relative to weight(v)."""
    vs = [mp.mpf(lo + hi) / 2 + mp.mpf(hi - lo) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / NODES) for k in range(NODES)]
    a = mp.matrix([[v ** j / weight(v) for j in range(deg + 1)] for v in vs])
    c = mp.lu_solve(a.T * a, a.T * mp.matrix([f(v) / weight(v) for v in vs]))
    return [np.float32(float(c[j])) for j in range(deg + 1)]


def horner(cs, v):
    acc = cs[-1]
    for c in reversed(cs[:-1]):
        acc = np.float32(np.float32(acc * v) + c)
    return acc


def ulps(got, want):
    return abs(float(got) - float(want)) / float(np.spacing(np.float32(float(want))))


# erf(x) = x + x*Q(x^2) for |x| < 1 (the 1 kept out of Q so its rounding costs nothing)
def erf_q(z):
    return 2 / mp.sqrt(mp.pi) - 1 if z == 0 else mp.erf(mp.sqrt(z)) / mp.sqrt(z) - 1


ERF_SMALL = fit(erf_q, 0, 1, 7, lambda z: erf_q(z) + 1)

# erfc(x) = exp(-x^2) * G(u), u = (1/x - 5/8) * 8/3 in [-1, 1] for x in [1, 4]
def erfc_g(u):
    x = 1 / (mp.mpf(5) / 8 + mp.mpf(3) / 8 * u)
    return mp.erfc(x) * mp.exp(x * x)


ERFC_G = fit(erfc_g, -1, 1, 8, erfc_g)

# tanh(x) = x + x*z*T(z), z = x^2, for |x| < 0.625 (so tanh(-0) = -0 and tiny x give x exactly)
TANH_EDGE = 0.625
def tanh_t(z):
    return mp.mpf(-1) / 3 if z == 0 else (mp.tanh(mp.sqrt(z)) / mp.sqrt(z) - 1) / z


TANH_SMALL = fit(tanh_t, 0, TANH_EDGE ** 2, 5, lambda z: (1 + z * tanh_t(z)) / z if z else 1)

worst_erf = max(ulps(np.float32(x + np.float32(horner(ERF_SMALL, np.float32(x * x)) * x)), mp.erf(float(x)))
                for x in (np.float32(v) for v in np.linspace(1e-3, 1, 3001)))
worst_tanh = max(ulps(np.float32(x + np.float32(np.float32(horner(TANH_SMALL, np.float32(x * x)) * np.float32(x * x)) * x)), mp.tanh(float(x)))
                 for x in (np.float32(v) for v in np.linspace(1e-3, TANH_EDGE, 3001)))
print('ERF_SMALL', [float(c) for c in ERF_SMALL], 'max ulp', worst_erf)
print('ERFC_G', [float(c) for c in ERFC_G])
print('TANH_SMALL', [float(c) for c in TANH_SMALL], 'max ulp', worst_tanh)
