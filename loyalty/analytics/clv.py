"""Customer lifetime value: BG/NBD for how often members come back, Gamma-Gamma for what they
spend, both fitted by maximum likelihood (numpy and scipy; no database here).

BG/NBD (Fader, Hardie and Lee, "Counting your customers the easy way", 2005): while alive, a
customer buys at rate lambda ~ Gamma(r, alpha); after each purchase they leave for good with
probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (when the
last one was) and T (how long we have watched them), all from their first purchase.

Gamma-Gamma (Fader and Hardie, 2013): a customer's spend per purchase is Gamma(p, nu) around their
own mean, with nu ~ Gamma(q, gamma) across customers; it is fitted on repeat customers with x and
their mean repeat spend m.

`loyalty.analytics.clv_data` turns a merchant's purchases into these arrays (weeks, distinct
purchase days); `manage.py fit_clv` prints the fits.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

# Below these, a fit says what is missing instead of answering noise.
MIN_CUSTOMERS = 20
MIN_REPEATERS = 10


class TooLittleData(ValueError):
    """Not enough history to fit; the message says what is missing."""


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
        """The probability that each customer is still a customer at T."""
        x, t_x, T = _arrays(x, t_x, T)
        return 1.0 / (1.0 + _dropout_odds(self, x, t_x, T))

    def expected_purchases(
        self, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Expected purchases in the next `t` weeks of each customer (x, t_x, T)."""
        x, t_x, T = _arrays(x, t_x, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
        return first * second / (1.0 + _dropout_odds(self, x, t_x, T))


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")

    def expected_spend(self, x: ArrayLike, m: ArrayLike) -> np.ndarray:
        """Each customer's expected spend per purchase, given x repeat purchases of mean m."""
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        p, q, gamma = self.p, self.q, self.gamma
        return p * (gamma + x * m) / (p * x + q - 1)


def _arrays(*values: ArrayLike) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(value, dtype=float) for value in values)


def _dropout_odds(model: BgNbd, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """a/(b+x-1) · ((alpha+T)/(alpha+t_x))^(r+x) for repeat customers, 0 for the others."""
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = (model.a / (model.b + x - 1)) * ((model.alpha + T) / (model.alpha + t_x)) ** (
            model.r + x
        )
    return np.where(x > 0, odds, 0.0)


def bgnbd_log_likelihood(
    params: ArrayLike, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray
) -> float:
    """The summed log-likelihood of (r, alpha, a, b) for customers (x, t_x, T) with weights."""
    r, alpha, a, b = params
    common = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + x)
        - special.betaln(a, b)
    )
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        gone = np.where(
            x > 0,
            np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(weights * (common + np.logaddexp(alive, gone))))


def gamma_gamma_log_likelihood(
    params: ArrayLike, x: np.ndarray, m: np.ndarray, weights: np.ndarray
) -> float:
    """The summed log-likelihood of (p, q, gamma) for repeaters with x purchases of mean m."""
    p, q, gamma = params
    px = p * x
    per_customer = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )
    return float(np.sum(weights * per_customer))


def _grouped(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Identical customers counted once with a weight: the likelihood is a sum over them."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def _maximise(log_likelihood, start: np.ndarray, *data) -> tuple[np.ndarray, float]:
    """Maximise over positive parameters (optimised on their logs)."""

    def negative(log_params: np.ndarray) -> float:
        value = log_likelihood(np.exp(log_params), *data)
        return -value if np.isfinite(value) else 1e300

    best = optimize.minimize(negative, np.log(start), method="L-BFGS-B")
    # Nelder-Mead from there polishes what the gradient estimate leaves on a flat likelihood.
    best = optimize.minimize(
        negative, best.x, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10}
    )
    return np.exp(best.x), -float(best.fun)


def fit_bgnbd(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> BgNbd:
    """BG/NBD by maximum likelihood. Raises TooLittleData below MIN_CUSTOMERS customers or
    without any repeat purchase."""
    x, t_x, T = _arrays(x, t_x, T)
    if len(x) < MIN_CUSTOMERS:
        raise TooLittleData(
            f"BG/NBD needs at least {MIN_CUSTOMERS} customers with a purchase; there are {len(x)}."
        )
    if not np.any(x > 0):
        raise TooLittleData("BG/NBD needs some customers who came back; nobody bought twice yet.")
    (x_g, t_x_g, T_g), weights = _grouped(x, t_x, T)
    start = np.array([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    (r, alpha, a, b), ll = _maximise(bgnbd_log_likelihood, start, x_g, t_x_g, T_g, weights)
    return BgNbd(r=float(r), alpha=float(alpha), a=float(a), b=float(b), log_likelihood=ll)


def fit_gamma_gamma(x: ArrayLike, m: ArrayLike) -> GammaGamma:
    """Gamma-Gamma by maximum likelihood on repeat customers (x > 0, m > 0). Raises
    TooLittleData below MIN_REPEATERS of them."""
    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < MIN_REPEATERS:
        raise TooLittleData(
            f"Gamma-Gamma needs at least {MIN_REPEATERS} repeat customers; there are {len(x)}."
        )
    (x_g, m_g), weights = _grouped(x, m)
    start = np.array([1.0, 1.0, max(float(np.mean(m)), 1.0)])
    (p, q, gamma), ll = _maximise(gamma_gamma_log_likelihood, start, x_g, m_g, weights)
    return GammaGamma(p=float(p), q=float(q), gamma=float(gamma), log_likelihood=ll)


# --- Simulation, for the tests and the benchmark ------------------------------------------------


def simulate_bgnbd(
    model: BgNbd, T: ArrayLike, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases (x, t_x) of customers watched for T weeks, drawn from the model."""
    T = np.asarray(T, dtype=float)
    n = len(T)
    rates = rng.gamma(model.r, 1.0 / model.alpha, n)
    dropout = rng.beta(model.a, model.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / rates[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < dropout[i]:
                break
    return x, t_x


def simulate_spend(model: GammaGamma, x: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    """Each repeat customer's mean spend over their x purchases, drawn from the model."""
    x = np.asarray(x, dtype=int)
    nu = rng.gamma(model.q, 1.0 / model.gamma, len(x))
    # The mean of x draws of Gamma(p, nu) is Gamma(p·x, nu·x).
    return rng.gamma(model.p * x, 1.0 / (nu * x))
