"""The time-varying reproduction number Rt by the method of Cori et al. (2013), as EpiEstim computes it.

Cases on day t are taken to be Poisson with mean Rt * Λ_t, where Λ_t = Σ_{s≥1} w_s I_{t-s} is the
total infectiousness of the cases before t, weighted by the discretised serial interval w. With a
gamma prior (shape a, scale b) on Rt, constant over a window of τ days ending on t, the posterior
is gamma with shape a + Σ I and rate 1/b + Σ Λ over the window; we report its mean and its 2.5%
and 97.5% quantiles.

Choices, each as EpiEstim makes them unless said otherwise:

- The serial interval is a gamma distribution shifted by one day, discretised with EpiEstim's
  ``discr_si`` formula (Cori et al. 2013, web appendix 11); defaults mean 4.7, sd 2.9 days
  (Nishiura et al. 2020). The prior has mean 5 and sd 5 (shape 1, scale 5).
- The cases of the first day only seed the epidemic (EpiEstim counts them as imported), so the
  first window starts on the second day. An estimate is made only when its window is complete,
  the cumulative incidence up to its end is at least 12 cases (the guidance that accompanies
  EpiEstim, which itself warns below the 11 cases a posterior coefficient of variation of 0.3
  needs) and its end lies beyond the mean serial interval.
- Each estimate says whether it is reliable: its window holds at least 12 cases (Cori et al.'s
  guidance, applied to the window's own incidence rather than only to the cumulative count before
  it) and its posterior coefficient of variation, 1/sqrt(shape), is below 0.3 (EpiEstim's
  ``cv_posterior``). A window of a handful of cases after a quiet spell gives an Rt of 200 with a
  credible interval to match: it is still listed, marked ``reliable = False``, and drawn apart.
- Not as EpiEstim, which refuses them: a negative daily count (a correction) or a missing one is
  counted as 0 cases; the result lists those dates and flags each estimate whose window holds one.
- Weekly data: each weekly count is spread evenly over the seven days of its week (the week ends
  on the value's date), the daily method runs on that, and estimates are made only for windows of
  whole weeks ending on a week's last day, so Σ I over a window is exactly the weekly counts.
  Spreading keeps every total and the serial interval stays in days; it flattens growth inside a
  week, which biases Rt slightly towards 1 in fast epidemics (a few per cent at a doubling time
  of a week). EpiEstim's alternative, reconstructing daily incidence by EM, is more machinery
  than weekly reporting's precision warrants here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from solidarity.reporting.analytics.series import Series, invalid_parameter
from solidarity.reporting.records import Frequency

DEFAULT_SI_MEAN = 4.7
DEFAULT_SI_SD = 2.9
DEFAULT_WINDOW = 7
DEFAULT_PRIOR_MEAN = 5.0
DEFAULT_PRIOR_SD = 5.0
MIN_CUMULATIVE_CASES = 12
MIN_WINDOW_CASES = 12
"""Cases a window needs for its estimate to count as reliable (Cori et al. 2013)."""
MAX_POSTERIOR_CV = 0.3
"""Largest posterior coefficient of variation of a reliable estimate (EpiEstim's ``cv_posterior``)."""
CREDIBLE_LEVEL = 0.95


def discretised_serial_interval(mean: float, sd: float, length: int) -> tuple[float, ...]:
    """Weights w_0 .. w_{length-1} of a gamma serial interval shifted by one day (EpiEstim's ``discr_si``).

    With F_{a,b} the gamma CDF of shape a = ((mean-1)/sd)² and scale b = sd²/(mean-1),
    w_k = k F_{a,b}(k) + (k-2) F_{a,b}(k-2) - 2(k-1) F_{a,b}(k-1)
    + a b (2 F_{a+1,b}(k-1) - F_{a+1,b}(k-2) - F_{a+1,b}(k)), clipped at 0; w_0 = 0.
    The weights for EpiEstim's influenza example (mean 2.6, sd 1.5) are those its estimate_R prints:

    >>> [round(w, 7) for w in discretised_serial_interval(2.6, 1.5, 5)]
    [0.0, 0.2331721, 0.3585794, 0.1981108, 0.1033427]
    """
    if not mean > 1:
        raise invalid_parameter("si_mean", mean, "the serial interval mean must be more than 1 day")
    if not sd > 0:
        raise invalid_parameter("si_sd", sd, "the serial interval standard deviation must be positive")
    if length < 1:
        raise invalid_parameter("length", length, "must be at least 1")
    shape = ((mean - 1) / sd) ** 2
    scale = sd**2 / (mean - 1)
    k = np.arange(length, dtype=float)

    def cdf(x: np.ndarray[Any, np.dtype[np.float64]], a: float) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asarray(stats.gamma.cdf(x, a, scale=scale), dtype=float)

    weights = (
        k * cdf(k, shape)
        + (k - 2) * cdf(k - 2, shape)
        - 2 * (k - 1) * cdf(k - 1, shape)
        + shape * scale * (2 * cdf(k - 1, shape + 1) - cdf(k - 2, shape + 1) - cdf(k, shape + 1))
    )
    return tuple(float(w) for w in np.maximum(weights, 0.0))


def total_infectiousness(incidence: Sequence[float], weights: Sequence[float]) -> tuple[float, ...]:
    """Λ_t = Σ_{s=1}^{t} w_s I_{t-s} for each day t (Λ_0 = 0: nothing came before the first day).

    >>> total_infectiousness([10, 0, 4], [0.0, 0.5, 0.5])
    (0.0, 5.0, 5.0)
    """
    cases = np.asarray(incidence, dtype=float)
    w = np.zeros(len(cases))
    usable = np.asarray(weights[1 : len(cases)], dtype=float)
    w[1 : 1 + len(usable)] = usable
    return tuple(float(x) for x in np.convolve(cases, w)[: len(cases)])


@dataclass(frozen=True)
class RtEstimate:
    """Rt over the window ``start`` .. ``end`` (shown on ``end``)."""

    start: dt.date
    end: dt.date
    mean: float
    lower: float
    """2.5% quantile of the posterior."""
    upper: float
    """97.5% quantile of the posterior."""
    shape: float
    """Posterior gamma shape: prior shape + cases in the window."""
    rate: float
    """Posterior gamma rate: 1 / prior scale + total infectiousness over the window."""
    is_adjusted: bool
    """True when a day in the window had a negative or missing count, counted as 0."""
    window_cases: float
    """Cases in the window (Σ I over it)."""
    is_reliable: bool
    """False when the window holds fewer than ``min_window_cases`` cases or the posterior CV is too large."""

    @property
    def sd(self) -> float:
        return float(self.shape**0.5 / self.rate)

    @property
    def cv(self) -> float:
        """Posterior coefficient of variation, sd / mean = 1 / sqrt(shape)."""
        return float(self.shape**-0.5)


@dataclass(frozen=True)
class RtResult:
    estimates: tuple[RtEstimate, ...]
    si_mean: float
    si_sd: float
    window: int
    negative_dates: tuple[dt.date, ...]
    """Dates whose count was negative (a correction); counted as 0 cases."""
    missing_dates: tuple[dt.date, ...]
    """Dates with no count; counted as 0 cases."""
    min_window_cases: float = MIN_WINDOW_CASES
    max_cv: float = MAX_POSTERIOR_CV


def estimate_rt(
    incidence: Series,
    *,
    si_mean: float = DEFAULT_SI_MEAN,
    si_sd: float = DEFAULT_SI_SD,
    window: int = DEFAULT_WINDOW,
    prior_mean: float = DEFAULT_PRIOR_MEAN,
    prior_sd: float = DEFAULT_PRIOR_SD,
    min_cumulative_cases: float = MIN_CUMULATIVE_CASES,
    min_window_cases: float = MIN_WINDOW_CASES,
    max_cv: float = MAX_POSTERIOR_CV,
) -> RtResult:
    """Rt on sliding windows of ``window`` days over a daily or weekly series of new cases.

    An estimate is ``is_reliable`` when its window holds at least ``min_window_cases`` cases and
    its posterior coefficient of variation is below ``max_cv``.

    Raises ``Invalid`` for a serial interval mean not above 1 day, a non-positive sd or prior, or a
    window that is not a positive number of days (whole weeks for weekly data).

    >>> flat = Series(dt.date(2020, 3, 1), Frequency.DAILY, (100,) * 60)
    >>> last = estimate_rt(flat).estimates[-1]
    >>> round(last.mean, 3), last.lower < 1 < last.upper
    (1.001, True)
    """
    step = incidence.step.days
    if window < 1 or window % step:
        raise invalid_parameter("window", window, f"must be a positive multiple of {step} days")
    if not (prior_mean > 0 and prior_sd > 0):
        raise invalid_parameter("prior", (prior_mean, prior_sd), "the prior mean and sd must be positive")
    negative = tuple(date for date, value in incidence.pairs() if value is not None and value < 0)
    missing = tuple(date for date, value in incidence.pairs() if value is None)
    days, first_day = _daily_cases(incidence)
    adjusted = _daily_flags(incidence)
    n = len(days)
    empty = RtResult((), si_mean, si_sd, window, negative, missing, min_window_cases, max_cv)
    weights = discretised_serial_interval(si_mean, si_sd, max(n, 1))
    if n == 0:
        return empty
    si_discrete_mean = sum(k * w for k, w in enumerate(weights))
    cases = np.asarray(days)
    infectiousness = np.asarray(total_infectiousness(days, weights))
    cases_before = np.concatenate(([0.0], np.cumsum(cases)))
    infectiousness_before = np.concatenate(([0.0], np.cumsum(infectiousness)))
    flags_before = np.concatenate(([0], np.cumsum(adjusted)))

    # Windows end on each day (daily data) or on each week's last day (weekly data).
    ends = [e for e in range(step - 1, n, step) if e - window + 1 >= 1]
    ends = [e for e in ends if cases_before[e + 1] >= min_cumulative_cases and e + 1 > si_discrete_mean]
    if not ends:
        return empty
    end_index = np.asarray(ends)
    start_index = end_index - window + 1
    prior_shape = (prior_mean / prior_sd) ** 2
    prior_scale = prior_sd**2 / prior_mean
    in_window = cases_before[end_index + 1] - cases_before[start_index]
    shape = prior_shape + in_window
    rate = 1 / prior_scale + infectiousness_before[end_index + 1] - infectiousness_before[start_index]
    tail = (1 - CREDIBLE_LEVEL) / 2
    lower = stats.gamma.ppf(tail, shape, scale=1 / rate)
    upper = stats.gamma.ppf(1 - tail, shape, scale=1 / rate)
    estimates = tuple(
        RtEstimate(
            start=first_day + dt.timedelta(days=int(s)),
            end=first_day + dt.timedelta(days=int(e)),
            mean=float(a / r),
            lower=float(lo),
            upper=float(hi),
            shape=float(a),
            rate=float(r),
            is_adjusted=bool(flags_before[e + 1] - flags_before[s] > 0),
            window_cases=float(c),
            # A hair of tolerance: sums of weekly counts spread over days are not exact in binary.
            is_reliable=bool(c >= min_window_cases - 1e-9 and a**-0.5 < max_cv),
        )
        for s, e, a, r, lo, hi, c in zip(start_index, end_index, shape, rate, lower, upper, in_window, strict=True)
    )
    return RtResult(estimates, si_mean, si_sd, window, negative, missing, min_window_cases, max_cv)


def _usable(value: float | int | None) -> float:
    return float(value) if value is not None and value > 0 else 0.0


def _daily_cases(incidence: Series) -> tuple[list[float], dt.date]:
    """Daily counts (negative and missing as 0) and the first day; a week is spread over its 7 days."""
    if incidence.frequency is Frequency.DAILY:
        return [_usable(value) for value in incidence.values], incidence.start
    per_day = [_usable(value) / 7 for value in incidence.values for _ in range(7)]
    return per_day, incidence.start - dt.timedelta(days=6)


def _daily_flags(incidence: Series) -> list[int]:
    repeat = incidence.step.days
    return [int(value is None or value < 0) for value in incidence.values for _ in range(repeat)]
