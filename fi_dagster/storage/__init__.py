"""Object stores holding trace files: a local folder or an S3(-compatible) bucket."""

from fi_dagster.storage.object_store import ObjectInfo, ObjectStore, open_store

__all__ = ["ObjectInfo", "ObjectStore", "open_store"]
