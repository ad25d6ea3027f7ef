"""Password rules beyond Django's own, with Chinese messages."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

# The product's names: the first words anyone guessing a 督导通 password tries.
PRODUCT_WORDS = ("dudao", "dudaotong", "督导通", "督导")
_NOT_A_LETTER = re.compile(r"[\W\d_]+")


def _letters(text: str) -> str:
    """Letters only (Latin or Chinese), lower-case; full-width forms folded to ordinary ones."""
    return _NOT_A_LETTER.sub("", unicodedata.normalize("NFKC", text)).lower()


def _built_from(letters: str, words: set[str]) -> bool:
    """Whether `letters` is nothing but the given words strung together (any order, any repeats)."""
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(reachable[end - len(w)] and letters.endswith(w, 0, end) for w in words if len(w) <= end)
    return reachable[-1]


class NameBasedPasswordValidator:
    """Refuse passwords made only of the product's or the user's own names plus digits and symbols:
    `dudaodudao`, `dudao2026!`, `督导通督导通`, `zhangsan123456` for user zhangsan, `张三张三2026!!` for 张三.

    Django's UserAttributeSimilarityValidator compares the whole password with each attribute and lets
    `zhangsan123456` through (the digits dilute the similarity); here digits and symbols are ignored.
    """

    message = "密码不能只由系统名称（督导通、dudao）或用户名、姓名加数字和符号组成"

    def validate(self, password: str, user: Any = None) -> None:
        letters = _letters(password)
        if letters and _built_from(letters, self._words(user)):
            raise ValidationError(self.message, code="password_built_from_names")

    def get_help_text(self) -> str:
        return self.message

    @staticmethod
    def _words(user: Any) -> set[str]:
        words = set(PRODUCT_WORDS)
        names = [getattr(user, attr, "") or "" for attr in ("username", "full_name", "first_name", "last_name")]
        email = getattr(user, "email", "") or ""
        names.append(email.partition("@")[0])
        for name in names:
            whole = _letters(name)
            if whole:
                words.add(whole)
            # Parts of `city.director` or `li-xiaoming`; single letters and pairs would refuse too much.
            words.update(part for part in (_letters(p) for p in re.split(r"[\W\d_]+", name)) if len(part) >= 3)
        return words
