"""Templates: only the allowlisted merge fields, values printed as written, SMS sizes."""

from __future__ import annotations

import pytest

from patron.outreach.models import Template
from patron.outreach.services import do_save_template
from patron.outreach.templating import TemplateRefused, render, sms_size


@pytest.mark.parametrize(
    "body",
    [
        "{% load static %}hello",
        "{% include 'patron/base.html' %}",
        "{{ settings.SECRET_KEY }}",
        "{{ first_name|upper }}",
        "{{ request.user }}",
        "{# a comment #}",
        "hi {{ first_name }} {% if x %}",
    ],
)
def test_it_refuses_template_syntax_outside_the_allowlist(db, body):
    with pytest.raises(TemplateRefused):
        do_save_template(Template(name="t", message_class="promotional", subject="s", body=body))
    assert not Template.objects.exists()


def test_it_refuses_syntax_in_the_subject_and_the_client_variant(db):
    for fields in ({"subject": "{{ settings.DEBUG }}"}, {"client_body": "{% load x %}"}):
        template = Template(name="t", message_class="promotional", subject="s", body="b")
        for name, value in fields.items():
            setattr(template, name, value)
        with pytest.raises(TemplateRefused) as refused:
            do_save_template(template)
        assert str(refused.value)  # worded for the person


def test_the_refusal_names_the_field_and_the_allowed_ones(db):
    with pytest.raises(TemplateRefused) as refused:
        do_save_template(
            Template(name="t", message_class="promotional", subject="s", body="{{ secret }}")
        )
    assert "secret" in str(refused.value) and "{{ first_name }}" in str(refused.value)


def test_merge_values_are_printed_as_written_never_as_markup():
    rendered = render(
        "Hi {{ name }}",
        "Hello **{{ name }}**, see [your page]({{ preferences_url }})",
        {"name": "<script>alert(1)</script> **x**", "preferences_url": "https://a.example/p/1"},
        markdown=True,
    )
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **x**" in rendered.html
    assert '<a href="https://a.example/p/1">your page</a>' in rendered.html
    assert rendered.text == (
        "Hello <script>alert(1)</script> **x**, see your page (https://a.example/p/1)"
    )
    assert rendered.subject == "Hi <script>alert(1)</script> **x**"


def test_markdown_cannot_smuggle_html_or_script_links():
    rendered = render("", "<b>raw</b> [x](javascript:alert(1))", {}, markdown=True)
    assert "<b>" not in rendered.html
    assert "javascript:" not in rendered.html.replace("[x](javascript:alert(1))", "")


def test_sms_is_90_bytes_in_euc_kr_and_lms_up_to_2000():
    assert sms_size("가" * 45).kind == "SMS" and sms_size("가" * 45).size == 90
    assert sms_size("가" * 46).kind == "LMS"
    assert sms_size("a" * 90).kind == "SMS"
    assert sms_size("가" * 1000).kind == "LMS"
    assert sms_size("가" * 1001).kind == "too_long"
    assert sms_size("😀").size == 2  # counted as the providers' calculators count it
