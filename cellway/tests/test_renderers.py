"""The form renderer: Django's widget templates through Jinja2, the admin's through Django's templates."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.template import TemplateDoesNotExist
from django.test.html import parse_html

from cellway.renderers import FormRenderer


def test_django_widgets_are_drawn_by_jinja2_and_the_admins_by_django_templates():
    renderer = FormRenderer()
    assert renderer.get_template("django/forms/widgets/select.html").__module__ == "django.template.backends.jinja2"
    assert renderer.get_template("admin/widgets/date.html").__module__ == "django.template.backends.django"
    # Learnt once: the second ask goes straight to the renderer that holds it.
    assert renderer.get_template("admin/widgets/date.html").__module__ == "django.template.backends.django"
    with pytest.raises(TemplateDoesNotExist):
        renderer.get_template("no/such/widget.html")


def test_a_form_draws_the_same_html_either_way():
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "A <b>"), ("b", "B")], initial="b")
        when = forms.DateField(widget=AdminDateWidget)
        note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Say <why>")

    ours = Form(renderer=FormRenderer()).as_div()
    django = Form(renderer=forms.renderers.DjangoTemplates()).as_div()
    assert parse_html(ours) == parse_html(django)  # the same elements and text; whitespace between tags differs
    assert "A &lt;b&gt;" in ours and 'rows="2"' in ours and 'class="vDateField"' in ours
