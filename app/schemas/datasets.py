"""The request and response of `POST /v1/datasets/imports`."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.datasets.service import FORMATS, LISTED, ImportSummary
from app.schemas.queries import NO_NUL

DatasetFormat = Literal["ucdp-ged", "acled"]
assert set(FORMATS) == {"ucdp-ged", "acled"}, "DatasetFormat names every format"

DATASET_ID = r"^[a-z0-9][a-z0-9-]*$"
RELEASE_LENGTH = 120

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The file: a CSV, or the .zip the publisher ships (one CSV in it).",
        },
        "format": {
            "type": "string",
            "enum": list(FORMATS),
            "description": "The layout; by default told from the header.",
        },
        "release": {
            "type": "string",
            "maxLength": RELEASE_LENGTH,
            "pattern": NO_NUL,
            "description": "The release's name (`23.1`); by default the file's name.",
        },
        "dataset": {
            "type": "string",
            "pattern": DATASET_ID,
            "maxLength": RELEASE_LENGTH,
            "description": "The dataset's source id, which each release replaces in place "
            "(default: the format, `ucdp-ged` or `acled`). Give regional files or separate "
            "exports ids of their own.",
        },
        "skip_bad_rows": {
            "type": "boolean",
            "default": False,
            "description": "Import the rows that read and list the others in "
            "`refused_rows`, instead of refusing the whole file (422).",
        },
    },
}
"""The multipart form, as OpenAPI states it (the route reads the form itself, to bound the
upload's size while it streams)."""


class RefusedRow(BaseModel):
    line: int = Field(description="The row's first line in the file (the header is line 1).")
    column: str | None = Field(description="The column at fault; null: the row as a whole.")
    value: str | None = Field(description="The value as written.")
    message: str


class DatasetImportResult(BaseModel):
    dataset: str = Field(description="The dataset's source id.", examples=["ucdp-ged"])
    format: DatasetFormat
    release: str = Field(examples=["23.1"])
    file: str = Field(description="The CSV read (inside the zip, for a zip).")
    rows_read: int
    added: int
    updated: int = Field(description="Rows of a former release that changed.")
    unchanged: int
    deleted: int = Field(description="The dataset's incidents the file no longer has.")
    refused: int = Field(description="Bad rows set aside (`skip_bad_rows`).")
    seconds: float
    refused_rows: list[RefusedRow] = Field(
        description=f"What is wrong with each refused row (the first {LISTED})."
    )

    @classmethod
    def of(cls, summary: ImportSummary) -> dict[str, Any]:
        return {
            "dataset": summary.dataset,
            "format": summary.format,
            "release": summary.release,
            "file": summary.file,
            "rows_read": summary.read,
            "added": summary.added,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "deleted": summary.deleted,
            "refused": summary.refused,
            "seconds": round(summary.seconds, 3),
            "refused_rows": [b.__dict__ for b in summary.refused_rows],
        }
