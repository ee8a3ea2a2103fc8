"""LMS completions into enrollments and courses, through the declared `lms-completions` mapping and the
one import path (`load_batch`): validated, all-or-nothing by default, idempotent, audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from attain.app.imports.batch import ImportReport, InvalidRows
from attain.app.imports.files import Progress, file_batch
from attain.app.imports.load import load_batch
from attain.app.imports.mapping import builtin_mapping
from attain.app.ports import Store

LMS_MAPPING = "lms-completions"


def import_completions(
    store: Store,
    paths: Sequence[Path],
    *,
    actor: str,
    on_invalid: InvalidRows = InvalidRows.REJECT_BATCH,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Load LMS export files (columns in `attain/app/imports/mappings/lms-completions.yaml`)."""
    batch = file_batch(paths, builtin_mapping(LMS_MAPPING), progress=progress)
    return load_batch(store, batch, actor=actor, on_invalid=on_invalid, rejects_path=rejects_path)
