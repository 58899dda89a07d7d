"""Pure analytics on reported figures: series arithmetic, milestones, growth, Rt and data quality.

No database, no web: each function takes plain series and returns frozen values, so the service,
the API and the CLI all compute the same figures the same way.
"""
