"""Genomes: pathogen datasets, submissions with attribution, analyses, search and nearest neighbours."""
