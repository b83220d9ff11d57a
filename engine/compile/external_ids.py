"""External ids in the one alphabet NetSuite takes in a URL: letters, digits, ``_`` and ``-``.

Why: "An external ID can be any string containing letters, numbers, underscore (_), and hyphen
(-)" (Oracle help section_156334828635, "Using External IDs"); REST reads ``|`` in
``eid:acc|1`` as a multi-select delimiter, ``/`` ends the path segment (``eid:acc/2`` is another
URL), and spaces, other Unicode or zero-width characters make ids that look alike but differ.
Source ids are whatever the source system allows, so the identity a spec derives is encoded
before it is used anywhere (crosswalk, intents, ``PUT .../eid:<id>``, reconcile lookups).

The encoding is deterministic and reversible, and leaves plain ids alone:

* ``A-Z a-z 0-9 _ -`` stay as they are, so ``zuora-account-2c92...`` is unchanged and the
  crosswalk of records synced before stays valid;
* any other character is written as its UTF-8 bytes, each as ``_-`` and two upper-case hex
  digits (``acc|1`` -> ``acc_-7C1``; a zero-width space -> ``_-E2_-80_-8B``);
* a ``_`` directly followed by ``-`` is escaped too (``a_-b`` -> ``a_-5F-b``), so ``_-`` only
  ever starts an escape and decoding is unambiguous. (Only ids that contained ``_-`` change.)
"""

from __future__ import annotations

import re

ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
"""What an encoded external id is made of (the whole id matches)."""
ESCAPE = "_-"
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_HEX = frozenset("0123456789ABCDEF")


def encode_external_id(value: str) -> str:
    """``value`` in NetSuite's external id alphabet (see the module docstring)."""
    if ALPHABET.fullmatch(value) and ESCAPE not in value:
        return value  # the common case: nothing to escape
    out: list[str] = []
    for index, char in enumerate(value):
        escape_underscore = char == "_" and value[index + 1 : index + 2] == "-"
        if char in _PLAIN and not escape_underscore:
            out.append(char)
        else:
            out.extend(f"{ESCAPE}{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def decode_external_id(text: str) -> str:
    """The value ``encode_external_id`` made ``text`` from; ``ValueError`` when ``text`` is not
    an encoding (a character outside the alphabet, a broken escape, bytes that are not UTF-8)."""
    raw = bytearray()
    index = 0
    while index < len(text):
        if text.startswith(ESCAPE, index):
            digits = text[index + 2 : index + 4]
            if len(digits) != 2 or not set(digits) <= _HEX:
                raise ValueError(f"broken escape at position {index} of external id {text!r}")
            raw.append(int(digits, 16))
            index += 4
            continue
        if text[index] not in _PLAIN:
            raise ValueError(f"{text[index]!r} in external id {text!r} is not in A-Z a-z 0-9 _ -")
        raw.extend(text[index].encode())
        index += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"external id {text!r} escapes bytes that are not UTF-8") from exc


__all__ = ["ALPHABET", "ESCAPE", "decode_external_id", "encode_external_id"]
