"""How a name is written down for searching, so that 'popescu elena' finds 'Elena Popescu'.

Pure Python (no Django). A search key is the name with accents stripped,
case folded and whitespace folded: 'José' and 'jose', 'ŞTEFAN' and 'stefan'
give the same key. A search term is cut into words the same way; a name is
found when every word of the term appears in its key, in any order.
"""

from __future__ import annotations

import unicodedata

from cellway.errors import Refusal

# Letters that carry their "accent" in the letter itself, so decomposition
# does not separate it: a Polish 'ł' is still searched as 'l'.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        # Apostrophes vanish, so "O'Brien", "O’Brien" and "obrien" meet.
        "'": None,
        "’": None,
        "ʼ": None,
        "`": None,
    }
)

# Kept whole in the key and the words; any other punctuation separates words
# ("Jean-Luc" is searched as 'jean luc').
_WORD_CHARACTERS = {"L", "N", "M"}  # letters, numbers and the marks still attached to them


class BadSearchTerm(Refusal):
    """A search term the clinic will not search for (control characters, too long)."""


MAX_TERM = 200  # characters; longer than any name, code or email the clinic keeps
# Folding can lengthen a name ('ß' is searched as 'ss'); a key is cut to this.
KEY_LENGTH = 400


def search_key(text: str) -> str:
    """The searchable form of a name: accents stripped, case folded, words separated by one space.

    At most KEY_LENGTH characters.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c)).translate(_UNDECOMPOSED)
    spaced = "".join(c if unicodedata.category(c)[0] in _WORD_CHARACTERS else " " for c in bare)
    return " ".join(spaced.split())[:KEY_LENGTH]


def search_words(term: str) -> list[str]:
    """The words of a search term, each as it appears in a search key.

    Raises BadSearchTerm for a term longer than MAX_TERM or holding control
    characters (a NUL byte, an escape): nothing a person types into a search
    box, and PostgreSQL refuses a NUL outright. Tabs and line breaks from a
    pasted cell are whitespace, not refused.
    """
    if len(term) > MAX_TERM:
        raise BadSearchTerm(f"Search terms are at most {MAX_TERM} characters.")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in term):
        raise BadSearchTerm("Search terms cannot contain control characters.")
    return search_key(term).split()
