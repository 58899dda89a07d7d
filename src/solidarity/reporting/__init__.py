"""Reporting: countries publish cases and deaths; the platform validates, versions and publishes them."""
