"""The CLV models (loyalty/analytics/clv.py): the formulas against values worked out by hand or
published, and the fits recovering the parameters that simulated the data."""

import math

import numpy as np
import pytest

from loyalty.analytics.clv import (
    BgNbd,
    GammaGamma,
    TooLittleData,
    bgnbd_log_likelihood,
    fit_bgnbd,
    fit_gamma_gamma,
    simulate_bgnbd,
    simulate_spend,
)

# The CDNOW parameters of Fader, Hardie and Lee (2005), table 1.
CDNOW = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_expected_purchases_match_the_published_example():
    # The paper's customer: 2 repeat purchases, the last at 30.43 weeks, watched for 38.86:
    # 1.226 purchases expected in the next 39 weeks.
    assert CDNOW.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


def test_p_alive_by_hand():
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    x, t_x, T = 2, 30.43, 38.86
    by_hand = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))

    assert CDNOW.p_alive(x, t_x, T) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.7266, abs=1e-4)
    # Someone who never came back has not left yet: the model lets one leave only after a
    # repeat purchase.
    assert CDNOW.p_alive(0, 0, 38.86) == 1.0


def _hyp2f1(a: float, b: float, c: float, z: float, terms: int = 400) -> float:
    total, term = 1.0, 1.0
    for n in range(terms):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
    return total


def test_expected_purchases_by_hand_for_a_new_and_a_regular_customer():
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    for x, t_x, T, t in [(0, 0.0, 20.0, 10.0), (5, 40.0, 52.0, 26.0)]:
        z = t / (alpha + T + t)
        expected = (
            (a + b + x - 1)
            / (a - 1)
            * (
                1
                - ((alpha + T) / (alpha + T + t)) ** (r + x)
                * _hyp2f1(r + x, b + x, a + b + x - 1, z)
            )
        )
        if x > 0:
            expected /= 1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)

        assert CDNOW.expected_purchases(t, x, t_x, T) == pytest.approx(expected, rel=1e-9)


def test_the_log_likelihood_of_one_customer_by_hand():
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    x, t_x, T = 3, 20.0, 40.0
    beta = lambda u, v: math.gamma(u) * math.gamma(v) / math.gamma(u + v)  # noqa: E731
    a1 = math.gamma(r + x) * alpha**r / math.gamma(r)
    a2 = beta(a, b + x) / beta(a, b)
    a3 = (1 / (alpha + T)) ** (r + x)
    a4 = a / (b + x - 1) * (1 / (alpha + t_x)) ** (r + x)
    by_hand = math.log(a1 * a2 * (a3 + a4))

    value = bgnbd_log_likelihood(
        (r, alpha, a, b), np.array([x]), np.array([t_x]), np.array([T]), np.array([1.0])
    )

    assert value == pytest.approx(by_hand, rel=1e-12)


def test_expected_spend_by_hand():
    model = GammaGamma(p=6.25, q=3.74, gamma=15.44)

    assert model.expected_spend(4, 30.0) == pytest.approx(
        6.25 * (15.44 + 4 * 30) / (6.25 * 4 + 2.74)
    )


# Several populations, 10,000 customers each, watched for six months to two years. The dropout
# process (a, b) is the least identified part of BG/NBD: it is held to 15%, like r and alpha;
# Gamma-Gamma to 20%. The seeds are fixed, so the test is deterministic.
POPULATIONS = [
    (11, BgNbd(0.243, 4.414, 0.793, 2.426), GammaGamma(6.25, 3.74, 15.44)),
    (12, BgNbd(1.5, 10.0, 0.3, 1.8), GammaGamma(4.0, 5.0, 30.0)),
    (13, BgNbd(0.5, 3.0, 1.2, 4.0), GammaGamma(8.0, 2.5, 10.0)),
]


@pytest.mark.parametrize(("seed", "true", "spend"), POPULATIONS)
def test_the_fits_recover_the_parameters_that_made_the_data(seed, true, spend):
    rng = np.random.default_rng(seed)
    T = rng.uniform(26, 104, 10_000)
    x, t_x = simulate_bgnbd(true, T, rng)
    repeaters = x[x > 0]
    m = simulate_spend(spend, repeaters, rng)

    fitted = fit_bgnbd(x, t_x, T)
    fitted_spend = fit_gamma_gamma(repeaters, m)

    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), rel=0.15), name
    for name in ("p", "q", "gamma"):
        assert getattr(fitted_spend, name) == pytest.approx(getattr(spend, name), rel=0.20), name
    assert np.isfinite(fitted.log_likelihood)


def test_too_little_data_says_what_is_missing():
    with pytest.raises(TooLittleData, match="at least 20 customers"):
        fit_bgnbd([0, 1, 2], [0, 1, 2], [5, 5, 5])
    with pytest.raises(TooLittleData, match="nobody bought twice"):
        fit_bgnbd([0] * 30, [0] * 30, [10] * 30)
    with pytest.raises(TooLittleData, match="at least 10 repeat customers; there are 2"):
        fit_gamma_gamma([1, 2, 0], [5.0, 7.0, 0.0])
