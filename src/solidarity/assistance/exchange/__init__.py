"""Assistance data exchange: IATI 2.03, OCHA FTS and HXL, read and written as neutral ``ExchangeFlow`` records."""
