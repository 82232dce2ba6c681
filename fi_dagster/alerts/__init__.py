"""Core: turn regressions into alert messages and deliver each exactly once through a ledger."""
