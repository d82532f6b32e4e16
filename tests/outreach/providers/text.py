"""How the providers measure a text, written here apart from Patron's own templating so the
stand-ins check the adapters instead of agreeing with them by construction.

Both providers count an SMS in EUC-KR bytes and take only what EUC-KR (KS X 1001, 완성형)
can carry (Solapi status 1029, NHN -2023); Python's ``euc_kr`` codec is that table.
A 알림톡 variable is written ``#{name}`` in the registered template.
"""

from __future__ import annotations

import re

VARIABLE = re.compile(r"#\{[^{}#]+\}")


def euc_kr_size(text: str) -> int:
    return len(text.encode("euc_kr", errors="replace"))


def carries(text: str) -> bool:
    """Whether EUC-KR can carry every character of the text."""
    try:
        text.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


def variables(template: str) -> set[str]:
    return set(VARIABLE.findall(template))


def filled(template: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: str(values.get(match.group(0), "")), template)
