"""The département of a fabrique, read from its id: the input contract has no postcode.

`fabrique_id` is free text (docs/contracts.md, input), so the département is taken from it only when it
holds exactly one département code as a separate token: two digits 01–95 (not 20, split into 2A and 2B since
1976), 2A or 2B, or 971–976 (the overseas codes).  `FAB-75-0042` → 75.  No code, or several, gives
`None`: the report counts those as unknown and says the département was derived from the fabrique id.

Pure; it must never guess a département from a partial match (a 4-digit number, a prefix of a word).
"""

from __future__ import annotations

import re

_TOKENS = re.compile(r"[0-9A-Za-z]+")
# 975 is Saint-Pierre-et-Miquelon, a collectivité with its own code: counted as a territory too.
_OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976"})
_CORSICA = frozenset({"2A", "2B"})

SOURCE_NOTE = ("département derived from the fabrique id (a token 01–95, 2A, 2B or 971–976 in it); "
               "no postcode in the input contract")


def is_departement_code(token: str) -> bool:
    """Whether a token is a département code.

    >>> [is_departement_code(t) for t in ("75", "01", "20", "96", "2a", "2B", "971", "975", "0042")]
    [True, True, False, False, False, True, True, True, False]
    """
    if token in _CORSICA or token in _OVERSEAS:
        return True
    return len(token) == 2 and token.isdigit() and 1 <= int(token) <= 95 and token != "20"


def departement_of(fabrique_id: str | None) -> str | None:
    """The one département code found in a fabrique id, else None (none, or several: never a guess).

    >>> departement_of("FAB-75-0042"), departement_of("fab_2a_l0012"), departement_of("GEN-974-001")
    ('75', '2A', '974')
    >>> departement_of("FAB-0001"), departement_of("FAB-75-13-0001"), departement_of(None)
    (None, None, None)
    """
    if not fabrique_id:
        return None
    found = {t.upper() for t in _TOKENS.findall(fabrique_id) if is_departement_code(t.upper())}
    return found.pop() if len(found) == 1 else None
