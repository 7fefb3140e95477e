"""Intercoder agreement statistics: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure arithmetic on counts, no database: ``analysis/agreement.py`` turns codings into counts.

A code's reliability data is binary: on each unit (a segment, or a character) each coder either
applied the code (present) or did not (absent). Such data is summed up, without loss, as a
*pattern count*: for each bit mask of coders (bit ``i`` set = coder ``i`` applied the code), the
number of units with exactly that pattern. Every figure below is computed from those counts, so
200,000 units cost no more than their handful of distinct patterns.

Undefined values are ``None`` (null in JSON), never a division error:

- no units at all: every figure is ``None``;
- Cohen's kappa is ``None`` for more than two coders, and when chance agreement is 1 (both
  coders used one and the same value on every unit: nothing to be reliable about);
- Krippendorff's alpha is ``None`` when the data shows no variation (every pairable value is the
  same, expected disagreement 0), or when fewer than two values are pairable.

References: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability"; Cohen (1960).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# The customary thresholds for alpha (Krippendorff 2004, p. 241).
RELIABLE = 0.800
TENTATIVE = 0.667


@dataclass(frozen=True)
class Figures:
    """The agreement figures of one code (or of all codes pooled) over ``units`` units."""

    units: int
    percent_agreement: float | None
    cohen_kappa: float | None
    krippendorff_alpha: float | None

    @property
    def flag(self) -> str:
        return flag(self.krippendorff_alpha)

    def as_json(self) -> dict[str, object]:
        return {
            "units": self.units,
            "percent_agreement": self.percent_agreement,
            "cohen_kappa": self.cohen_kappa,
            "krippendorff_alpha": self.krippendorff_alpha,
            "flag": self.flag,
        }


def flag(alpha: float | None) -> str:
    """``reliable`` (alpha >= .800), ``tentative`` (.667 to .800), ``unreliable``, ``undefined``."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


def binary_figures(patterns: Mapping[int, int], coders: int) -> Figures:
    """The figures of binary data given as pattern counts (mask -> units) for ``coders`` coders,
    every coder valued on every unit (no missing values)."""
    units = sum(patterns.values())
    if units == 0 or coders < 2:
        return Figures(units, None, None, None)
    everyone = (1 << coders) - 1
    agreed = patterns.get(0, 0) + patterns.get(everyone, 0)
    return Figures(
        units=units,
        percent_agreement=agreed / units,
        cohen_kappa=_binary_kappa(patterns, units) if coders == 2 else None,
        krippendorff_alpha=_binary_alpha(patterns, coders),
    )


def _binary_kappa(patterns: Mapping[int, int], units: int) -> float | None:
    """Cohen's kappa for two coders; bit 0 is the first coder, bit 1 the second."""
    both, first_only, second_only = patterns.get(3, 0), patterns.get(1, 0), patterns.get(2, 0)
    neither = units - both - first_only - second_only
    observed = (both + neither) / units
    p_first = (both + first_only) / units
    p_second = (both + second_only) / units
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    if expected >= 1.0:  # one value throughout, for both coders: chance explains everything
        return None
    return (observed - expected) / (1 - expected)


def _binary_alpha(patterns: Mapping[int, int], coders: int) -> float | None:
    """Nominal alpha for binary data, every unit valued by all ``coders`` coders.

    With n1 coders marking a unit present and n0 = m - n1 absent, the unit adds n0*n1/(m-1) to
    each off-diagonal cell of the coincidence matrix; then alpha = 1 - (n-1) o01 / (n0 n1) with
    n0, n1 the column totals (Krippendorff 2011, nominal data).
    """
    off_diagonal = 0.0
    present = 0
    for mask, count in patterns.items():
        n1 = mask.bit_count()
        present += n1 * count
        off_diagonal += count * n1 * (coders - n1) / (coders - 1)
    n = coders * sum(patterns.values())
    absent = n - present
    if present == 0 or absent == 0:  # no variation: expected disagreement is 0
        return None
    return 1.0 - (n - 1) * off_diagonal / (present * absent)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Nominal alpha for any values with missing data: ``data[coder][unit]``, ``None`` = missing.

    Units with fewer than two values are not pairable and drop out, as in Krippendorff (2011).
    """
    if not data:
        return None
    width = len(data[0])
    if any(len(row) != width for row in data):
        raise ValueError("every coder needs a value (or None) for every unit")
    return alpha_from_units(
        Counter(row[u] for row in data if row[u] is not None) for u in range(width)
    )


def alpha_from_units(units: Iterable[Mapping[Hashable, int]]) -> float | None:
    """Nominal alpha from each unit's value counts (value -> how many coders gave it)."""
    disagreement = 0.0  # sum over c != k of the coincidences o_ck
    totals: Counter[Hashable] = Counter()
    for values in units:
        m = sum(values.values())
        if m < 2:
            continue
        same = sum(v * v for v in values.values())
        disagreement += (m * m - same) / (m - 1)
        totals.update(values)
    n = sum(totals.values())
    expected = n * n - sum(v * v for v in totals.values())  # sum over c != k of n_c n_k
    if n < 2 or expected == 0:
        return None
    return 1.0 - (n - 1) * disagreement / expected


def pooled(patterns_by_code: Iterable[Mapping[int, int]]) -> Counter[int]:
    """Pattern counts of every code added up: each (code, unit) pair is one unit of the overall
    figures."""
    total: Counter[int] = Counter()
    for patterns in patterns_by_code:
        total.update(patterns)
    return total
