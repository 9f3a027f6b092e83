"""What an imported dataset row leaves beside its incident (`app.datasets`).

An incident made from a UCDP GED or ACLED row belongs to the dataset's source (a source
of kind `dataset`) and has one `dataset_row`: the row's own id, its words verbatim, and
the publisher's values that the incident has no field for, so nothing the row said is
lost and nothing it did not say is filled in.
"""

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class DatasetRow(SQLModel, table=True):
    __tablename__ = "dataset_row"

    incident_id: str = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    row_id: str
    """The publisher's id of the row, as written (GED `id`, ACLED `event_id_cnty`)."""
    row_hash: str
    """Hash of what the import made of the row: a newer release's row with the same hash
    is unchanged, and is not written again."""
    words: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    """The row's words, verbatim, by column: GED `source_article`, `source_headline`,
    `source_original`, `where_description`; ACLED `notes`, `source`."""
    extra: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    """The row's other columns that no field holds, verbatim, by column (GED `country`,
    `country_id`, `region`, `event_clarity`, ...; ACLED `time_precision`, `inter1`, ...)."""
    type_of_violence: int | None = Field(default=None, index=True)
    """GED: 1 state-based conflict, 2 non-state conflict, 3 one-sided violence."""
    conflict_new_id: int | None = None
    conflict_name: str | None = Field(default=None, sa_column=Column(Text))
    dyad_new_id: int | None = None
    dyad_name: str | None = Field(default=None, sa_column=Column(Text))
    side_a_new_id: int | None = None
    side_b_new_id: int | None = None
    date_prec: int | None = None
    """GED's date precision, 1-5, as given (the incident's `date_precision` maps it)."""
    where_prec: int | None = None
    """GED's place precision, 1-7, as given (the location's `geo_precision` maps it)."""
    admin2: str | None = None
    """GED `adm_2`, ACLED `admin2`."""


class DatasetActor(SQLModel, table=True):
    """A publisher's own id of an actor (UCDP's side ids), and the actor it is here.

    A side keeps its actor across releases even when UCDP renames it.
    """

    __tablename__ = "dataset_actor"

    scheme: str = Field(primary_key=True)
    """Whose ids: `ucdp`."""
    external_id: str = Field(primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", index=True)
