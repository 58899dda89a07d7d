"""Per-genome analysis, pure: alignment to a reference, mutations, translation, clade and QC (no database, no web)."""
