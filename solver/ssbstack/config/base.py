"""The strict pydantic base every case-file section uses: unknown keys and non-finite numbers
are errors."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A case-file table. Unknown keys are rejected so a typo never passes silently; nan and ±inf
    are rejected in every number (quantities say so in :func:`ssbstack.units.to_si`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True,
                              allow_inf_nan=False)
