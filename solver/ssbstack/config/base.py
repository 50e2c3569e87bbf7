"""The strict pydantic base every case-file section uses: unknown keys are errors."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A case-file table. Unknown keys are rejected so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
