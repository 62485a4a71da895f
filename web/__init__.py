"""The officers' web service: search, open, reuse, review, upload and audit, in a browser and as an API."""
