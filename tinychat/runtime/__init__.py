"""Runtime stage: backends, grammar-constrained decoding, the parser API. No torch."""
