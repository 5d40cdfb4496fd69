"""CLV model timings on simulated members: fitting BG/NBD and Gamma-Gamma for 2,500 and 100,000
customers (goal: <= 2 s for 2,500), and scoring 1,000,000 members (P(alive), expected purchases
in 90 days, predicted 12-month value; goal: <= 60 s). Pure numerics, no database.

    .venv/bin/python bench/clv.py
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loyalty.analytics.clv import (
    BgNbd,
    GammaGamma,
    fit_bgnbd,
    fit_gamma_gamma,
    simulate_bgnbd,
    simulate_spend,
)

TRUE = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
SPEND = GammaGamma(p=6.25, q=3.74, gamma=15.44)


def population(n: int, rng: np.random.Generator):
    T = rng.uniform(4, 104, n)
    x, t_x = simulate_bgnbd(TRUE, T, rng)
    return x, t_x, T


def main() -> None:
    rng = np.random.default_rng(2026)
    for n in (2_500, 100_000):
        x, t_x, T = population(n, rng)
        m = np.zeros(n)
        m[x > 0] = simulate_spend(SPEND, x[x > 0], rng)
        started = time.perf_counter()
        fit_bgnbd(x, t_x, T)
        fit_gamma_gamma(x, m)
        print(f"fit {n:>9,} customers: {time.perf_counter() - started:6.2f} s")
    x, t_x, T = population(1_000_000, rng)
    m = np.where(x > 0, 12.0, 0.0)
    started = time.perf_counter()
    alive = TRUE.p_alive(x, t_x, T)
    purchases_90d = TRUE.expected_purchases(90 / 7, x, t_x, T)
    value_12m = TRUE.expected_purchases(52, x, t_x, T) * SPEND.expected_spend(x, m)
    elapsed = time.perf_counter() - started
    assert len(alive) == len(purchases_90d) == len(value_12m) == 1_000_000
    print(f"score {1_000_000:>7,} members: {elapsed:6.2f} s")


if __name__ == "__main__":
    main()
