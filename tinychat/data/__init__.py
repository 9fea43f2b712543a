"""Data stage: a training corpus synthesised from a domain spec."""
