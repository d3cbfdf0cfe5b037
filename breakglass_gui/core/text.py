"""Untrusted text made visible (docs/rules.md §12): what cannot be seen is shown as an escape.

Config strings, account names, CloudTrail records, Vault and AWS error messages and the
operator's own justification reach the operator's and the approvers' eyes. Characters that
change what is *seen* without being seen themselves are the attacker's tools there:

- bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) reorder a line, so
  `payments-prod\u202e` + `dorp-tset` reads as another account ("Trojan Source", CVE-2021-42574);
- zero-width and other format characters (Unicode category Cf) make two different strings look
  identical;
- C0/C1 controls (category Cc) move a terminal's cursor, recolour or clear it, or cut a line;
- line and paragraph separators (Zl, Zp) break a line where no line break is expected.

`visible()` replaces each with a backslash escape (`\u202e`, `\x1b`), so the text is shown
whole and the trick is shown too. Every place that displays such text — labels and table
cells, the review, terminal output — goes through it.
"""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
KEPT_IN_MULTILINE = frozenset({"\n", "\t"})


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: object, *, multiline: bool = False) -> str:
    """`text` as a string in which every invisible or control character is an escape.
    With `multiline`, line feeds and tabs stay as they are (a detail pane, a review cell)."""
    value = "" if text is None else str(text)
    if value.isascii() and value.isprintable():
        return value  # the common case, without a per-character walk
    kept = KEPT_IN_MULTILINE if multiline else frozenset()
    return "".join(
        _escape(c) if c not in kept and unicodedata.category(c) in HIDDEN_CATEGORIES else c
        for c in value
    )
