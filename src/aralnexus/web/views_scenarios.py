"""Pages of scenario files: the list, the editor (YAML + common fields, validated as you type)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from aralnexus.errors import InputError, Problem
from aralnexus.web import form as common
from aralnexus.web.catalog import STARTER, Catalog, ConflictError, Validation, check_file_name, findings
from aralnexus.web.i18n import _
from aralnexus.web.inputs import read_form, read_json, text
from aralnexus.web.jobs import JobQueue
from aralnexus.web.render import page
from aralnexus.web.worker import JobSpec

ACTIONS = ("validate", "apply", "save", "run")


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _fields(values: dict[str, str], validation: Validation) -> list[dict[str, Any]]:
    """Return the form's fields with their values, defaults and the problems that concern them."""
    defaults = common.defaults()
    out = []
    for f in common.FIELDS:
        messages = [
            x.message for x in validation.findings if any(x.field == p or x.field.startswith(p + ".") for p in f.paths)
        ]
        out.append({"field": f, "value": values.get(f.key, ""), "default": defaults[f.key], "messages": messages})
    return out


def _editor(
    request: Request,
    *,
    source: str,
    file: str,
    yaml_text: str,
    validation: Validation,
    status: int = 200,
    message: str = "",
    overwrite: bool = False,
) -> Response:
    return page(
        request,
        "editor.html",
        status,
        source=source,
        file=file,
        yaml_text=yaml_text,
        validation=validation,
        fields=_fields(common.values(yaml_text), validation),
        message=message,
        overwrite=overwrite,
        paths={f.key: " ".join(f.paths) for f in common.FIELDS},
    )


async def scenarios(request: Request) -> Response:
    """List the example scenarios and the user's files."""
    catalog = _catalog(request)
    entries = catalog.entries()  # a few stat calls; files are parsed again only when one changed
    return page(request, "scenarios.html", entries=entries, user_folder=str(catalog.user))


async def new(request: Request) -> Response:
    """Open the editor on a new scenario (a starter text, or a copy of ``?from=source/file``)."""
    catalog = _catalog(request)
    origin = request.query_params.get("from", "")
    yaml_text, file = STARTER, "my-scenario.yaml"
    if origin:
        source, _sep, name = origin.partition("/")
        yaml_text = await run_in_threadpool(catalog.read, source, name)
        file = check_file_name(name)
    validation = await run_in_threadpool(catalog.validate, yaml_text, file)
    return _editor(request, source="new", file=file, yaml_text=yaml_text, validation=validation)


async def edit(request: Request) -> Response:
    """Open a scenario file in the editor (examples are read-only: they are saved as a copy)."""
    catalog = _catalog(request)
    source, file = request.path_params["source"], request.path_params["file"]
    yaml_text = catalog.read(source, file)  # a small local file
    validation = catalog.remembered(yaml_text, file, source)
    if validation is None:
        validation = await run_in_threadpool(catalog.validate, yaml_text, file, source)
    message = _("Saved.") if request.query_params.get("saved") else ""
    return _editor(request, source=source, file=file, yaml_text=yaml_text, validation=validation, message=message)


async def submit(request: Request) -> Response:
    """Handle the editor's buttons: validate, apply the form to the YAML, save, or save and run."""
    catalog = _catalog(request)
    form = await read_form(request)
    action = text(form, "action", "validate")
    source = text(form, "source", "new")
    file = text(form, "file").strip()
    yaml_text = text(form, "yaml").replace("\r\n", "\n")
    overwrite = text(form, "overwrite") == "1"
    if action not in ACTIONS:
        raise InputError([_problem("action", " / ".join(ACTIONS), action)])
    check_file_name(file)
    if action == "apply":
        entries = {f.key: text(form, f.key) for f in common.FIELDS if f.key in form}
        try:
            yaml_text = common.apply(yaml_text, entries, file)
        except InputError as error:
            validation = Validation(False, findings(error, file))
            return _editor(request, source=source, file=file, yaml_text=yaml_text, validation=validation, status=422)
    validation = await run_in_threadpool(catalog.validate, yaml_text, file)
    if action in ("validate", "apply") or not validation.valid:
        status = 200 if validation.valid else 422
        message = _("Not saved: fix the problems first.") if action in ("save", "run") else ""
        return _editor(
            request,
            source=source,
            file=file,
            yaml_text=yaml_text,
            validation=validation,
            status=status,
            message=message,
            overwrite=overwrite,
        )
    editing_own_file = source == "user" and file == text(form, "original")
    try:
        await run_in_threadpool(catalog.save, file, yaml_text, overwrite=overwrite or editing_own_file)
    except ConflictError as error:
        message = "; ".join(str(p) for p in error.problems)
        return _editor(
            request,
            source=source,
            file=file,
            yaml_text=yaml_text,
            validation=validation,
            status=409,
            message=message,
            overwrite=overwrite,
        )
    if action == "save":
        return RedirectResponse(f"/scenarios/user/{file}?saved=1", status_code=303)
    queue: JobQueue = request.app.state.queue
    job = queue.submit(JobSpec("user", file, catalog.user, request.app.state.config.store))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _problem(field: str, expected: str, found: str) -> Problem:
    return Problem("<editor>", field, expected, repr(found[:40]))


async def api_validate(request: Request) -> Response:
    """Validate a scenario text (JSON ``{"yaml", "file"}``): problems with their lines and fields, form values.

    The answer is HTTP 200 whether or not the text is valid (``"valid"`` says which): the browser
    logs a 4xx as a console error, and a scenario with problems is a result, not a failed request.
    A request that is not a validation (bad JSON, a bad file name, no page token) still gets a 4xx.
    """
    data = await read_json(request)
    file = check_file_name(text(data, "file", "scenario.yaml"))
    yaml_text = text(data, "yaml")
    validation = await run_in_threadpool(_catalog(request).validate, yaml_text, file)
    body = {**validation.as_json(), "fields": common.values(yaml_text)}
    return JSONResponse(body)  # an invalid text is a validation result ("valid": false), not an HTTP error


async def api_apply(request: Request) -> Response:
    """Write the form's entries (JSON ``{"yaml", "file", "fields": {...}}``) into the YAML; validate it."""
    data = await read_json(request)
    file = check_file_name(text(data, "file", "scenario.yaml"))
    entries = data.get("fields")
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        raise InputError([_problem("fields", "an object of text values", str(entries))])
    new_text = common.apply(text(data, "yaml"), {str(k): v for k, v in entries.items()}, file)
    validation = await run_in_threadpool(_catalog(request).validate, new_text, file)
    body = {"yaml": new_text, **validation.as_json(), "fields": common.values(new_text)}
    return JSONResponse(body)


ROUTES = [
    Route("/scenarios", scenarios, name="scenarios"),
    Route("/scenarios/new", new, name="new_scenario"),
    Route("/scenarios/edit", submit, methods=["POST"], name="submit_scenario"),
    Route("/scenarios/{source}/{file}", edit, name="edit_scenario"),
    Route("/api/validate", api_validate, methods=["POST"]),
    Route("/api/apply-form", api_apply, methods=["POST"]),
]
