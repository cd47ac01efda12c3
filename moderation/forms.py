"""Moderation forms. They validate; services decide."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ideas.models import TITLE_MAX


class MergeForm(FlaskForm):
    """Merge this idea into another one: confirmed from the preview (or the duplicate queue), else previewed first."""

    into = IntegerField("Merge into idea number", validators=[DataRequired(), NumberRange(min=1)])
    confirmed = BooleanField("Confirmed")
    confirm_unrelated = BooleanField("Merge anyway")


class MoveForm(FlaskForm):
    """Move a comment and its replies to an idea, or into a new idea."""

    to_idea = IntegerField("Move to idea number", validators=[Optional(), NumberRange(min=1)])
    new_title = StringField("Title of the new idea", validators=[Optional(), Length(min=3, max=TITLE_MAX)])
    confirm_unrelated = BooleanField("Move anyway")

    def move_request(self) -> dict:
        """The service's request: to an idea, or into a new one."""
        if self.to_idea.data:
            return {"to_idea": self.to_idea.data}
        return {"new_idea": {"title": self.new_title.data or ""}}
