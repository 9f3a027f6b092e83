"""OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0) over incidents and locations.

A thin adapter: the features are the records of `/v1`, read through the same query
models and services, in the same GeoJSON shape as the exports.
"""
