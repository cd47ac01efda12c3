"""Idea and comment forms. They carry the fields and the CSRF token; every rule and its message lives in
ideas/validation.py, which the services apply to forms and JSON alike (form_errors_from shows them)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice


class IdeaForm(FlaskForm):
    """New or edited idea."""

    title = StringField("Title")
    body = TextAreaField("Describe your idea (Markdown)")
    tags = StringField("Tags (comma-separated, up to 5)")
    campaign_id = SelectField("Campaign", coerce=str, validate_choice=False)
    visibility = RadioField(
        "Who can see it",
        choices=[
            SelectChoice("everyone", "Everyone"),
            SelectChoice("department", "Only my department (and moderators, executives)"),
        ],
        default="everyone",
    )
    anonymous = BooleanField("Post anonymously (moderators still see who you are)")


class CommentForm(FlaskForm):
    """A comment, or a reply when parent_id is set."""

    body = TextAreaField("Your comment")
    parent_id = HiddenField()


def form_errors_from(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    """Show a service's field errors on the form's fields (or on the form when there is no such field)."""
    for name, messages in (fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)
