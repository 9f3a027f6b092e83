"""UCDP GED and ACLED files imported into the record (issue 17).

- reader.py: a file (CSV, or the one CSV in a zip), row by row, never whole in memory.
- mapping.py: what a row becomes, and the checks every layout shares; ucdp.py and
  acled.py: each publisher's columns and their mapping, written down; countries.py: the
  publishers' country names and Gleditsch-Ward codes.
- store.py: the writes, in batches, each row only as it differs from the stored one.
- service.py: one import, in one transaction (`incident-record import-dataset`,
  `POST /v1/datasets/imports`).
"""
