"""Agreement statistics against independent implementations and Krippendorff's worked example."""

from __future__ import annotations

import math
import random
import warnings
from collections import Counter

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from qualcode.analysis.agreement_stats import (
    Figures,
    binary_figures,
    flag,
    krippendorff_alpha_nominal,
    pooled,
)

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal data,
# four observers, twelve units, missing values. His result: alpha = 0.743.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def reference_alpha(data: list[list[object]]) -> float | None:
    """The krippendorff package's nominal alpha; None where it refuses (no variation)."""
    values = np.array([[np.nan if v is None else float(v) for v in row] for row in data])
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = krippendorff.alpha(reliability_data=values, level_of_measurement="nominal")
        return float(alpha)
    except ValueError:
        return None


def reference_kappa(a: list[int], b: list[int]) -> float | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b))
    return None if math.isnan(value) else value


def patterns_of(data: list[list[int]]) -> Counter[int]:
    """Pattern counts (bit i = coder i applied the code) of binary reliability data."""
    return Counter(sum(1 << i for i, row in enumerate(data) if row[u]) for u in range(len(data[0])))


def test_krippendorffs_worked_example() -> None:
    alpha = krippendorff_alpha_nominal(KRIPPENDORFF_EXAMPLE)
    assert alpha is not None and round(alpha, 3) == 0.743
    assert alpha == pytest.approx(reference_alpha(KRIPPENDORFF_EXAMPLE), abs=1e-12)
    # His coincidence matrix: n = 40 pairable values, totals n_c = 9, 13, 10, 5, 3 for the values
    # 1..5, and the off-diagonal coincidences sum to 8.
    totals = 9**2 + 13**2 + 10**2 + 5**2 + 3**2
    assert alpha == pytest.approx(1 - 39 * 8 / (40**2 - totals), abs=1e-12)


@pytest.mark.parametrize("seed", range(300))
def test_binary_figures_match_krippendorff_and_sklearn(seed: int) -> None:
    rng = random.Random(seed)
    coders = rng.choice((2, 2, 3, 4, 5))
    units = rng.randint(1, 80)
    rate = rng.choice((0.0, 0.05, 0.3, 0.5, 0.9, 1.0))
    flip = rng.choice((0.0, 0.1, 0.4))
    truth = [int(rng.random() < rate) for _ in range(units)]
    data = [[t ^ int(rng.random() < flip) for t in truth] for _ in range(coders)]
    ours = binary_figures(patterns_of(data), coders)
    assert ours.units == units
    expected_alpha = reference_alpha(data)
    if expected_alpha is None:
        assert ours.krippendorff_alpha is None
    else:
        assert ours.krippendorff_alpha == pytest.approx(expected_alpha, abs=1e-9)
    if coders == 2:
        expected_kappa = reference_kappa(data[0], data[1])
        if expected_kappa is None:
            assert ours.cohen_kappa is None
        else:
            assert ours.cohen_kappa == pytest.approx(expected_kappa, abs=1e-9)
    else:
        assert ours.cohen_kappa is None
    agreed = sum(len({row[u] for row in data}) == 1 for u in range(units))
    assert ours.percent_agreement == pytest.approx(agreed / units, abs=1e-12)


@pytest.mark.parametrize("seed", range(200))
def test_nominal_alpha_with_missing_values_matches_krippendorff(seed: int) -> None:
    rng = random.Random(1000 + seed)
    coders, units = rng.randint(2, 6), rng.randint(1, 40)
    values = list(range(rng.randint(1, 6)))
    missing = rng.choice((0.0, 0.2, 0.5))
    data = [
        [None if rng.random() < missing else rng.choice(values) for _ in range(units)]
        for _ in range(coders)
    ]
    ours = krippendorff_alpha_nominal(data)
    expected = reference_alpha(data)
    # The package gives nan when no unit is pairable; both mean "undefined".
    if expected is None or math.isnan(expected):
        assert ours is None
    else:
        assert ours == pytest.approx(expected, abs=1e-9)


def test_pooled_overall_is_alpha_of_the_stacked_data() -> None:
    rng = random.Random(7)
    codes = [[[int(rng.random() < p) for _ in range(50)] for _ in range(2)] for p in (0.1, 0.4)]
    overall = binary_figures(pooled(patterns_of(c) for c in codes), 2)
    stacked = [codes[0][i] + codes[1][i] for i in range(2)]
    assert overall.units == 100
    assert overall.krippendorff_alpha == pytest.approx(reference_alpha(stacked), abs=1e-12)
    assert overall.cohen_kappa == pytest.approx(reference_kappa(*stacked), abs=1e-12)


# -- degenerate cases: documented values, never a division error -------------------------------
def test_no_units_gives_nulls() -> None:
    assert binary_figures({}, 2) == Figures(0, None, None, None)
    assert binary_figures({0: 0}, 3).flag == "undefined"
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([[], []]) is None


def test_one_category_only_gives_null_alpha_and_kappa_but_full_agreement() -> None:
    nobody = binary_figures({0: 40}, 2)  # neither coder ever applied the code
    assert nobody == Figures(40, 1.0, None, None)
    everybody = binary_figures({3: 40}, 2)
    assert everybody == Figures(40, 1.0, None, None)
    assert binary_figures({7: 5}, 3) == Figures(5, 1.0, None, None)


def test_a_coder_without_variation_against_one_with_it() -> None:
    # Coder 1 never applies it, coder 2 does on 3 of 10 units: kappa 0 (sklearn agrees), alpha < 0.
    figures = binary_figures({0: 7, 2: 3}, 2)
    assert figures.percent_agreement == pytest.approx(0.7)
    assert figures.cohen_kappa == pytest.approx(reference_kappa([0] * 10, [0] * 7 + [1] * 3))
    assert figures.cohen_kappa == 0.0
    data = [[0] * 10, [0] * 7 + [1] * 3]
    assert figures.krippendorff_alpha == pytest.approx(reference_alpha(data), abs=1e-12)


def test_total_disagreement_of_two_constant_coders() -> None:
    figures = binary_figures({1: 10}, 2)  # coder 1 always, coder 2 never
    assert figures.percent_agreement == 0.0
    assert figures.cohen_kappa == 0.0  # chance agreement 0, observed 0
    assert figures.krippendorff_alpha == pytest.approx(reference_alpha([[1] * 10, [0] * 10]))


def test_a_single_unit_with_one_value_is_not_pairable() -> None:
    assert krippendorff_alpha_nominal([[1], [None]]) is None
    assert binary_figures({0: 1}, 2).krippendorff_alpha is None


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (None, "undefined"),
        (1.0, "reliable"),
        (0.8, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (-0.2, "unreliable"),
    ],
)
def test_flags_follow_the_customary_thresholds(alpha: float | None, expected: str) -> None:
    assert flag(alpha) == expected
