"""The REST API at /api/v1/: the same services and selectors as the admin, with a published OpenAPI contract."""
