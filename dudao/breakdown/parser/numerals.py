"""Chinese numerals to numbers (一百二十 → 120, 两 → 2, 百分之八十 → 80), with cn2an for the general case."""

from __future__ import annotations

import functools

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMBER = "零〇一二两三四五六七八九十百千万"


@functools.lru_cache(maxsize=512)
def to_number(word: str) -> float | None:
    word = word.strip().replace(",", "").replace("，", "")
    if not word:
        return None
    try:
        return float(word)
    except ValueError:
        pass
    if all(ch in DIGITS for ch in word) and len(word) > 1:  # 二〇二六
        return float("".join(str(DIGITS[ch]) for ch in word))
    simple = _small(word)
    if simple is not None:
        return float(simple)
    try:
        import cn2an

        return float(cn2an.cn2an(word, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _small(word: str) -> int | None:
    """一 … 九十九 without cn2an (the common case, and much faster)."""
    if len(word) == 1 and word in DIGITS:
        return DIGITS[word]
    if word == "十":
        return 10
    if len(word) == 2 and word[0] == "十" and word[1] in DIGITS:
        return 10 + DIGITS[word[1]]
    if len(word) == 2 and word[1] == "十" and word[0] in DIGITS:
        return DIGITS[word[0]] * 10
    if len(word) == 3 and word[1] == "十" and word[0] in DIGITS and word[2] in DIGITS:
        return DIGITS[word[0]] * 10 + DIGITS[word[2]]
    return None
