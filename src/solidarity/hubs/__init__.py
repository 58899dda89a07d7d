"""Humanitarian response hubs: locations, an immutable stock ledger, requests, shipments and proof of delivery."""
