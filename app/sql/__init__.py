"""SQL that the backends write differently (`dialect`), so query code need not."""
