"""One exception shape for everything Patron refuses: a code and its numbers, worded on demand."""

from __future__ import annotations

from typing import Any

from .wording import say


class Problem(Exception):
    """Something Patron cannot do, as a message (code + numbers) for the person who asked.

    Services raise subclasses named for their domain (ImportRejected, MergeRefused); views and
    the CLI word them with ``str(exc)`` in the reader's language, and jobs store ``message``.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}

    def __str__(self) -> str:
        return say(self.message)
