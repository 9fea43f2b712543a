"""Domains: what a maker declares (spec), the built-in ones, and value normalisers."""
