"""Uploaded datasets on the server: whose each is, who may use or delete it, which runs use it."""

from __future__ import annotations

from fastapi import HTTPException

from models.datasets.uploads import UploadLimits, UploadMeta, read_meta, upload_id
from server.access import shared
from server.lifecycle import ACTIVE
from server.roster import Member, Roster
from server.settings import Limits, Settings
from server.store import Store

FORM_BYTES = 1024 * 1024  # room in an upload's request for the form around the file
SHARED = (
    "this server is shared (it listens beyond this machine), so datasets belong to a class: "
    "create or join one and send its token"
)
NO_TOKEN = "this dataset belongs to a class: send your token (Authorization: Bearer TOKEN)"
IN_USE = ("created", *ACTIVE)  # runs that would still read the dataset


def upload_limits(limits: Limits) -> UploadLimits:
    """The server's bounds on one upload."""
    return UploadLimits(
        max_bytes=limits.max_upload_bytes,
        max_unzipped_bytes=limits.max_unzipped_bytes,
        max_samples=limits.max_upload_samples,
        max_image_pixels=limits.max_image_pixels,
        max_decoded_pixels=limits.max_decoded_pixels,
        max_values=limits.max_upload_values,
    )


def owner_for_upload(
    caller: Member | None, roster: Roster, settings: Settings
) -> dict[str, str | None]:
    """Whose a new upload is (its class, its member, their role); 403 or 409 where none may be."""
    if caller is None:
        if shared(settings):
            raise HTTPException(403, SHARED)
        return {}
    if roster.ended(caller.class_id):
        raise HTTPException(409, "the class has ended: nothing new can be uploaded to it")
    return {"class_id": caller.class_id, "owner_id": caller.id, "role": caller.role}


def use_refusal(
    meta: UploadMeta, caller: Member | None, settings: Settings
) -> tuple[int, str] | None:
    """Why the caller may not see or train on an upload (status, message), or None.

    As with runs: outside a class only on a server bound to this machine. In a class, the
    teacher sees all of its uploads, a student their own and the teacher's.
    """
    class_id = meta.owner.get("class_id")
    if class_id is None:
        if caller is not None and caller.role == "student":
            return 403, "this dataset is not in your class"
        return (403, SHARED) if shared(settings) else None
    if caller is None:
        return 401, NO_TOKEN
    if caller.class_id != class_id:
        return 403, "this dataset belongs to another class"
    mine = meta.owner.get("owner_id") == caller.id
    if caller.role == "student" and meta.owner.get("role") == "student" and not mine:
        return 403, "this dataset is another student's"
    return None


def delete_refusal(
    meta: UploadMeta, caller: Member | None, settings: Settings
) -> tuple[int, str] | None:
    """Why the caller may not delete an upload, or None: its uploader or the class's teacher."""
    refused = use_refusal(meta, caller, settings)
    if refused is not None:
        return refused
    if caller is not None and caller.role == "student" and meta.owner.get("owner_id") != caller.id:
        return 403, "this dataset is your teacher's: only they can delete it"
    return None


def check_use(name: str, caller: Member | None, settings: Settings) -> None:
    """Refuse a request naming an upload the caller may not use (other names pass)."""
    dataset_id = upload_id(name)
    meta = None if dataset_id is None else read_meta(settings.data_dir, dataset_id)
    if meta is None:
        return  # a built-in, or no such upload: the request answers that in its own words
    refused = use_refusal(meta, caller, settings)
    if refused is not None:
        raise HTTPException(*refused)


def is_upload(name: str, settings: Settings) -> bool:
    """Whether the name is an upload stored here."""
    dataset_id = upload_id(name)
    return dataset_id is not None and read_meta(settings.data_dir, dataset_id) is not None


def runs_using(store: Store, name: str) -> list[tuple[str, str, str]]:
    """The runs (id, name, status) not yet finished whose dataset this is."""
    marks = ", ".join("?" for _ in IN_USE)
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT id, name, status FROM runs WHERE json_extract(config, '$.dataset.name') = ? "
            f"AND status IN ({marks}) ORDER BY created_at",
            (name, *IN_USE),
        ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
