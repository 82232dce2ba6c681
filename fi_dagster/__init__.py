"""fi_dagster."""
