"""Real services on loopback for tests: OpenAI-compatible judge, Slack, S3 (moto), PostgreSQL."""
