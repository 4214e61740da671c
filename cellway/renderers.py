"""The form renderer: Django's own widget templates through Jinja2, every other form template as before.

Django ships each built-in widget, label and error-list template twice, in its template language and for
Jinja2 (``django/forms/jinja2``), and offers a renderer for each. Jinja2 compiles templates to Python: on the
staff case page, which draws a dozen forms, it takes a quarter off the rendering's function calls
(``bench/pages.py``). Django's Jinja2 renderer alone would not find the admin's widget templates
(``admin/widgets/*.html``, Django template language only), so a name Jinja2 lacks goes to Django's own
renderer. Which renderer holds a name is learnt once per process.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()
        self._by_name: dict[str, BaseRenderer] = {}

    def get_template(self, template_name: str) -> Any:
        renderer = self._by_name.get(template_name)
        if renderer is not None:
            return renderer.get_template(template_name)
        try:
            template = self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            template = self._django.get_template(template_name)
            self._by_name[template_name] = self._django
        else:
            self._by_name[template_name] = self._jinja2
        return template
