"""The comp admin's import page: upload CSV or XLSX files with a built-in or an uploaded mapping, and read
the report: counts per entity, the quirks handled, and every rejected row (file, row, column, value, what is
wrong, how to fix it). A batch with a bad row writes nothing; fix the file and upload it again.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from attain.app.imports.batch import ImportRejected
from attain.app.imports.files import file_batch
from attain.app.imports.load import load_batch
from attain.app.imports.mapping import Mapping, builtin_mapping, builtin_mappings, parse_mapping
from attain.app.ports import UserInfo
from attain.domain.errors import AttainError, InvalidInput
from attain.web.deps import get_store
from attain.web.errors import STATUS
from attain.web.layout import page, render
from attain.web.pay_pages import PAY_ADMIN, admit, context_of, form_post

router = APIRouter(prefix="/admin", include_in_schema=False)
UPLOADED = "uploaded"  # the mapping choice that reads the uploaded mapping file
MAX_FILES = 10
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _choices() -> list[tuple[str, str]]:
    return [(name, builtin_mapping(name).description) for name in builtin_mappings()]


def _page(request: Request, user: UserInfo, code: int = 200, **extra: Any) -> Response:
    context = context_of(
        request,
        mappings=_choices(),
        uploaded=UPLOADED,
        chosen=extra.pop("chosen", None),
        report=extra.pop("report", None),
        **extra,
    )
    return render(request, "admin_imports.html", user, code, **context)


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request) -> Response:
    def build(user: UserInfo) -> Response:
        admit(request, user, PAY_ADMIN)
        return _page(request, user)

    return page(request, build)


def _file_name(upload: UploadFile, number: int) -> str:
    """The uploaded file's own name (errors cite it), stripped of folders and odd characters."""
    name = SAFE_NAME.sub("_", Path(upload.filename or "").name).strip(" .")
    return name or f"upload-{number}.csv"


def _save(uploads: list[UploadFile], folder: Path) -> list[Path]:
    """The uploads copied to `folder` under their own names, in blocks (files may be large)."""
    paths: list[Path] = []
    for number, upload in enumerate(uploads, start=1):
        path = folder / f"{number:02d}" / _file_name(upload, number)  # a folder each: names may repeat
        path.parent.mkdir()
        upload.file.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        paths.append(path)
    return paths


def _mapping(choice: str, uploaded: tuple[str, bytes] | None) -> Mapping:
    if choice == UPLOADED:
        if uploaded is None:
            raise InvalidInput("choose the mapping file to upload", hint="or pick a built-in mapping")
        name, data = uploaded
        return parse_mapping(data.decode("utf-8", errors="replace"), name)
    if choice not in builtin_mappings():
        raise InvalidInput(f"no built-in mapping '{choice}'", hint=f"one of: {', '.join(builtin_mappings())}")
    return builtin_mapping(choice)


@router.post("/imports", response_class=HTMLResponse)
async def upload(
    request: Request,
    csrf: Annotated[str, Form()],
    files: Annotated[list[UploadFile], File()],
    mapping: Annotated[str, Form()] = "",
    mapping_file: Annotated[UploadFile | None, File()] = None,
    sheet: Annotated[str, Form()] = "",
) -> Response:
    """Load the files as one all-or-nothing batch and show its report (422 when rows were rejected)."""
    real = [f for f in files if f.filename][:MAX_FILES]
    uploaded = None
    if mapping_file is not None and mapping_file.filename:
        uploaded = (Path(mapping_file.filename).name, await mapping_file.read())
    with tempfile.TemporaryDirectory(prefix="attain-upload-") as folder:

        def write(user: UserInfo) -> Response:
            paths = _save(real, Path(folder))  # only once the caller is known to be allowed
            try:
                if not paths:
                    raise InvalidInput("choose at least one CSV or XLSX file to import")
                batch = file_batch(paths, _mapping(mapping, uploaded), sheet=sheet.strip() or None)
                report = load_batch(get_store(request), batch, actor=user.username)
            except ImportRejected as exc:
                report = exc.report
            except AttainError as exc:
                return _page(request, user, STATUS[exc.kind], error=exc, chosen=mapping)
            code = 200 if report.committed else 422
            return _page(request, user, code, report=report, chosen=mapping, files=[p.name for p in paths])

        # Reading and loading files is blocking work: keep it off the event loop.
        return await run_in_threadpool(form_post, request, csrf, PAY_ADMIN, write)
