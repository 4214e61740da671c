"""The public site in three languages, chosen in the address and remembered, and served by Cellway alone."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cellway.site.tests.own_host import foreign_css_urls, foreign_references

LANGUAGES = ("en", "zh-hans", "ar")
PUBLIC_PAGES = ("site:home", "site:how_we_proceed", "site:methods")

pytestmark = pytest.mark.django_db


def public_urls() -> list[str]:
    urls = []
    for language in LANGUAGES:
        with translation.override(language):
            urls += [reverse(name) for name in PUBLIC_PAGES]
    return urls


def test_every_public_page_has_an_address_in_each_language() -> None:
    assert public_urls()[::3] == ["/en/", "/zh-hans/", "/ar/"]
    assert "/ar/how-we-proceed/" in public_urls() and "/zh-hans/outcomes/methods/" in public_urls()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_in_the_language_of_its_address(client: Client, language: str) -> None:
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert response["Content-Language"] == language


def test_the_words_are_translated(client: Client) -> None:
    assert "How it starts" in client.get("/en/").content.decode()
    zh = client.get("/zh-hans/").content.decode()
    ar = client.get("/ar/").content.decode()
    assert "How it starts" not in zh and "How it starts" not in ar
    assert re.search("[\u4e00-\u9fff]", zh)  # Chinese characters
    assert re.search("[\u0600-\u06ff]", ar)  # Arabic letters


def test_each_page_links_to_itself_in_the_other_languages(client: Client) -> None:
    html = client.get("/ar/").content.decode()
    assert 'href="/en/" hreflang="en" lang="en">English<' in html
    assert 'href="/zh-hans/" hreflang="zh-hans" lang="zh-hans">简体中文<' in html
    assert '<span aria-current="true" lang="ar">' in html


def test_the_chosen_language_is_remembered_for_the_next_visit(client: Client) -> None:
    first = client.get("/welcome/", headers={"accept-language": "en"})
    assert first.status_code == 302 and first["Location"] == "/en/"
    client.get("/ar/")  # the visitor chose Arabic
    again = client.get("/welcome/", headers={"accept-language": "en"})
    assert again["Location"] == "/ar/"


def test_a_first_visit_follows_the_browser(client: Client) -> None:
    response = client.get("/welcome/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert response["Location"] == "/zh-hans/"


def test_an_unknown_language_in_the_address_is_not_found(client: Client) -> None:
    assert client.get("/fr/").status_code == 404


def test_the_staff_console_stays_in_english_whatever_the_browser_asks(client: Client) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": "ar"})
    assert response.status_code == 200
    assert "Sign in" in response.content.decode() or "sign in" in response.content.decode().lower()
    assert response.headers.get("Content-Language", "en") == "en"
    assert settings_cookie() not in response.cookies


def settings_cookie() -> str:
    from django.conf import settings

    return settings.LANGUAGE_COOKIE_NAME


@pytest.mark.parametrize("url", public_urls())
def test_every_src_and_href_of_a_public_page_points_to_cellway_itself(client: Client, url: str) -> None:
    html = client.get(url).content.decode()
    assert foreign_references(html) == []
    # ...and so does every style sheet it loads (the fonts are ours).
    sheets = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    assert "site/fonts/fonts.css" in sheets
    for sheet in sheets:
        path = finders.find(sheet)
        assert path, sheet
        with open(path, encoding="utf-8") as f:
            assert foreign_css_urls(f.read()) == [], sheet


def test_the_own_host_check_catches_what_it_must() -> None:
    page = """<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>
    <img srcset="/static/a.png 1x, http://img.example/b.png 2x"><iframe src="https://video.example/"></iframe>
    <a href="/en/">ok</a><a href="#content">ok</a><a href="mailto:care@cellway.example">ok</a><div style="color:red"></div>"""
    found = foreign_references(page)
    assert len(found) == 5
    assert any("cdn.example/x.css" in f for f in found) and any("//cdn.example/x.js" in f for f in found)
    assert any("img.example" in f for f in found) and any("video.example" in f for f in found)
    assert foreign_css_urls("@font-face{src:url(https://fonts.example/a.woff2)} @import 'https://x.example/b.css';") == [
        "https://fonts.example/a.woff2",
        "https://x.example/b.css",
    ]
    assert foreign_css_urls("src: url(sc/a.woff2) format('woff2'); background: url(data:image/png;base64,AA)") == []


def test_every_font_the_site_names_is_served_by_cellway() -> None:
    path = finders.find("site/fonts/fonts.css")
    assert path
    with open(path, encoding="utf-8") as f:
        css = f.read()
    files = re.findall(r"url\(([^)]+)\)", css)
    assert len(files) > 100  # the Chinese font comes in unicode-range pieces
    for name in files:
        assert finders.find(f"site/fonts/{name}"), name
    for family in ("Noto Sans", "Noto Sans Arabic", "Noto Sans SC"):
        assert f"font-family: '{family}';" in css


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "There is no page at this address."), ("zh-hans", "此地址没有页面。"), ("ar", "لا توجد صفحة على هذا العنوان.")],
)
def test_a_missing_public_page_says_so_in_the_visitors_language(client: Client, language: str, words: str) -> None:
    response = client.get(f"/{language}/conditions/no-such-condition/")
    html = response.content.decode()
    assert response.status_code == 404 and words in html and f'<html lang="{language}"' in html
    assert "My work" not in html  # not the staff console's page
    assert foreign_references(html) == []


def test_a_missing_console_page_keeps_the_consoles_look(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "My work" in response.content.decode()
