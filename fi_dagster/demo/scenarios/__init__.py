"""The synthetic app's routes; each builds one trace rooted in one span."""
