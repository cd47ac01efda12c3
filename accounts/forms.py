"""Account forms. They validate; they never save."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class TokenForm(FlaskForm):
    """Name a new personal access token."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])
