"""Assistance ledger: bilateral, multilateral and public-private assistance in money, goods, people and training."""
