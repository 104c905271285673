"""Spotting text garbled by a wrong encoding (乱码), so that a clerk is told to re-export the file
rather than the hub storing nonsense.

Two tell-tales: characters already lost in a conversion (U+FFFD, and its GBK rendering 锟斤拷), and
text that only makes sense once its bytes are read with the other encoding — UTF-8 read as GBK
(物体打击 becomes 鐗╀綋鎵撳嚮) or GBK read as Latin-1 (ÎïÌå…). Genuine Chinese text almost never
round-trips through the wrong pair of codecs into CJK text, which is what makes the test safe.
"""

from __future__ import annotations

import functools
import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOST = ("\ufffd", "锟斤拷")
_LATIN = re.compile(r"[\u0080-\u00ff]{2}")
#: Distinct non-ASCII texts whose verdicts are kept: code names, places and kinds repeat in
#: almost every record, and each check tries two re-decodings.
VERDICTS = 65_536


def mojibake_problem(text: str) -> str | None:
    """Why ``text`` looks garbled, naming what it should read, or None if it looks fine."""
    return None if text.isascii() else _non_ascii_problem(text)


@functools.lru_cache(maxsize=VERDICTS)
def _non_ascii_problem(text: str) -> str | None:
    if any(mark in text for mark in _LOST):
        return "contains � or 锟斤拷: characters were lost converting between encodings; re-export"
    try:
        repaired = text.encode("gb18030").decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if repaired != text and _CJK.search(repaired):
            return (
                f"is garbled (UTF-8 text read as GBK); it should read {repaired!r}: "
                "re-export the file, saying it is UTF-8"
            )
    if _LATIN.search(text):
        try:
            repaired = text.encode("latin-1").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if _CJK.search(repaired):
            return (
                f"is garbled (GBK text read as Latin-1); it should read {repaired!r}: "
                "re-export the file, saying it is GBK"
            )
    return None
