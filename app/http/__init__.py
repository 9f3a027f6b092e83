"""The HTTP layer: what every request and response goes through, around the routes."""
