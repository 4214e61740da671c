"""The public site's promise: nothing on a public page comes from another host.

`foreign_references(html)` lists every `src`, `href`, `srcset`, `action`,
`poster` and `data` of a page that does not point to the page's own host (a
scheme such as `https:` or a `//host` address); `foreign_css_urls(css)` the
same for `url(...)` and `@import` in a style sheet. Used by the view tests
and the browser tests.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "formaction", "imagesrcset"}
# Addresses that load nothing from anywhere: a fragment, a mail or phone link a person chooses to follow.
HARMLESS_SCHEMES = {"mailto", "tel"}


def _is_foreign(url: str) -> bool:
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    parts = urlsplit(url)
    if parts.scheme in HARMLESS_SCHEMES:
        return False
    if parts.scheme == "data":
        return False  # inline, from this page itself
    return bool(parts.scheme or parts.netloc)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name not in ATTRIBUTES or value is None:
                continue
            urls = [c.strip().split(" ")[0] for c in value.split(",")] if name.endswith("srcset") else [value]
            self.found.extend(f"<{tag} {name}={u}>" for u in urls if _is_foreign(u))
        if tag == "style" or any(n == "style" for n, _ in attrs):
            self.found.append(f"<{tag}> carries inline style (the CSP refuses it)")

    handle_startendtag = handle_starttag


def foreign_references(html: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    return collector.found


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def foreign_css_urls(css: str) -> list[str]:
    return [u for m in _CSS_URL.finditer(css) for u in m.groups() if u and _is_foreign(u)]
