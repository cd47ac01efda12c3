"""Account forms. They validate; they never save."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class TokenForm(FlaskForm):
    """Name a new personal access token."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])


class EmailPreferenceForm(FlaskForm):
    """How notifications reach the user by e-mail."""

    email_preference = RadioField(
        "E-mail me about ideas I back",
        choices=[
            SelectChoice("immediate", "At once"),
            SelectChoice("digest", "Once a day, in a digest"),
            SelectChoice("never", "Never (notifications stay in Ideapool)"),
        ],
    )
