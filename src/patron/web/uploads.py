"""Uploads are counted as they arrive: a body over the import size limit is refused before it
is written anywhere (the disk does not fill with a file that would be refused anyway)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import reverse

from patron.accounts import roles

# Room for the form's other fields around the file.
_FORM_OVERHEAD = 1_000_000


class SizeLimitedUploadHandler(FileUploadHandler):
    """Refuses a file past PATRON_IMPORT_MAX_BYTES: by its declared length at once, else as
    its bytes arrive. The rest of the body is read and dropped (never stored) so that the
    browser still gets the page that says why."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        # Only someone allowed to import sends a file, to the import page. Anywhere else (any
        # form, and the public ones take no login) a file is refused at its first bytes and
        # the rest of the body is not read: nothing is written to disk, no worker is held.
        self.accepted = _may_upload(self.request)
        self.declared_too_large = bool(
            content_length and content_length > settings.PATRON_IMPORT_MAX_BYTES + _FORM_OVERHEAD
        )
        if self.declared_too_large:
            self.request.upload_too_large = content_length

    def receive_data_chunk(self, raw_data, start):
        if not self.accepted:
            raise StopUpload(connection_reset=True)
        self.received += len(raw_data)
        if self.declared_too_large or self.received > settings.PATRON_IMPORT_MAX_BYTES:
            self.request.upload_too_large = max(
                self.received, getattr(self.request, "upload_too_large", 0)
            )
            raise StopUpload(connection_reset=False)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None


def _may_upload(request) -> bool:
    user = getattr(request, "user", None)
    return (
        request.path == reverse("import")
        and user is not None
        and user.is_authenticated
        and roles.can_import(user)
    )
