"""Core: read trace files of any supported convention into the canonical span schema."""
