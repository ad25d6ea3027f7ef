"""Small text helpers: pinyin initials for search, masking of personal numbers, ID-card checks."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def initials(text: str) -> str:
    """第五中学 → dwzx. Latin letters and digits are kept, lower-cased."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: chars)
    return "".join(letter for letter in "".join(letters).lower() if letter.isalnum())


def search_key(name: str, short_name: str = "") -> str:
    keys = [initials(name)]
    if short_name:
        keys.append(initials(short_name))
    return " ".join(dict.fromkeys(k for k in keys if k))


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_card(number: str) -> str:
    """110101200801011234 → 110101********1234."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# 15 or more digits in a row (an optional X after them): an 18-character ID number, an old 15-digit one, or
# enough of one to rebuild it (17 digits give the check digit). A 学籍号 is `G` + the ID number.
_EMBEDDED_ID_RE = re.compile(r"\d{15,}X?", re.IGNORECASE)


def student_no_embeds_id(number: str) -> bool:
    return _EMBEDDED_ID_RE.search(number) is not None


def mask_student_no(number: str) -> str:
    """G360108201001010014 → G360108********0014: the ID number inside a 学籍号 is masked like the ID itself.

    A temporary number without an ID inside (another letter and a short serial) is shown as it is.
    """
    return _EMBEDDED_ID_RE.sub(lambda match: mask_id_card(match.group()), number)


def id_card_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_card(number: str) -> bool:
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    return id_card_check_digit(number[:17]) == number[17]
