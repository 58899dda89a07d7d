"""Allocation: fair, need-based plans for scarce supplies, and vaccines by published rules.

The optimiser (``problem``, ``network``, ``objectives``, ``rounding``, ``metrics``, ``baselines``,
``solver``, ``vaccines``, ``need``) is pure: it imports no database or web code. ``service`` and
``models`` store plans and weight overrides.
"""
