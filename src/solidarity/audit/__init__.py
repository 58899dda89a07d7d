"""Audit: who did what, when, to which record, with the record before and after."""
