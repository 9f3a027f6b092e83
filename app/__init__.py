"""incident-record: a REST API over a source-traceable record of armed-conflict incidents."""
