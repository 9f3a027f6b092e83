"""Dataset imports: UCDP GED and ACLED files, uploaded."""

from typing import Any

from fastapi import APIRouter

from app.datasets.service import import_dataset
from app.db import Author
from app.deps import ChangeReason, DatasetUploadDep, EngineDep, WriteKey
from app.routers.common import link, write_responses
from app.schemas.datasets import UPLOAD_SCHEMA, DatasetImportResult

router = APIRouter()


@router.post(
    "/datasets/imports",
    response_model=DatasetImportResult,
    responses={
        200: {
            "links": {
                "source": link(
                    "get_source", "The dataset's source.", source_id="$response.body#/dataset"
                )
            }
        },
        **write_responses(400, 409, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": UPLOAD_SCHEMA}},
        }
    },
    tags=["sources"],
)
def import_dataset_file(
    engine: EngineDep, key: WriteKey, upload: DatasetUploadDep, reason: ChangeReason
) -> Any:
    """Import a UCDP GED or ACLED file (a CSV, or the publisher's .zip) as a dataset.

    The file is read row by row and written in one transaction, and the answer comes when
    it is done (about a minute for UCDP GED's global release): the dataset's rows added,
    updated (a newer release), unchanged, deleted (gone from the newer release, with
    tombstones), and refused. A file with bad rows is a 422 listing them (line, column,
    value), and nothing is written, unless `skip_bad_rows=true`. A file whose rows belong
    to another source, or whose deletions other sources' records refer to, is a 409.
    Needs a key with scope `write`. The `reason` (or `X-Change-Reason`) is kept with every
    change the import makes: the change feed, each incident's history.
    """
    summary = import_dataset(
        engine,
        upload.file,
        format=upload.format,
        release=upload.release,
        dataset=upload.dataset,
        skip_bad_rows=upload.skip_bad_rows,
        author=Author("api", key.name, reason),
        file_name=upload.filename,
    )
    return DatasetImportResult.of(summary)
