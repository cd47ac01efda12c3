"""Idea and comment forms. They check presence and shape; the rules themselves live in ideas/validation.py."""

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
from wtforms.validators import DataRequired, Length, Optional

from ideas.models import BODY_MAX, COMMENT_MAX, TITLE_MAX


class IdeaForm(FlaskForm):
    """New or edited idea."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField("Describe your idea (Markdown)", validators=[Optional(), Length(max=BODY_MAX)])
    tags = StringField("Tags (comma-separated, up to 5)", validators=[Optional()])
    campaign_id = SelectField("Campaign", coerce=str, validators=[Optional()])
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

    body = TextAreaField("Your comment", validators=[DataRequired(), Length(max=COMMENT_MAX)])
    parent_id = HiddenField()


def form_errors_from(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    """Show a service's field errors on the form's fields (or on the form when there is no such field)."""
    for name, messages in (fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)
