"""The editors' forms: what they may type, and the error beside each field.

Every message is in the editor's interface language. A form that fails
validation is shown again with exactly what was typed, so nothing is lost.
"""

from datetime import datetime

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # Flask-WTF's "read the request" default
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from ainews.articles import parse_tags
from ainews.i18n import local_input_text, local_moment
from ainews.rules import (
    DATETIME_FORMATS,
    DEFAULT_SCORE,
    EDITOR_NAME_MAX,
    LANGS,
    MAX_TAGS,
    PASSWORD_MAX_LENGTH,
    SCORE_RANGE,
    SCORES,
    SLUG_MAX,
    SLUG_PATTERN,
    TAG_NAME_MAX,
    TAGS_TEXT_MAX,
    TEXT_LIMITS,
    TRANSLATED_FIELDS,
    YEARS,
    score_ok,
)
from models import Article


def without_nul(value):
    """The text without NUL characters: no one types them, and PostgreSQL
    refuses to store them (SQLite would keep them)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of ours: read from the posted form fields only, NUL characters dropped."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            # Flask-WTF would read a JSON body as the form, numbers and lists
            # included, where every field expects text. Browsers post forms;
            # the API hands its JSON over as formdata of its own.
            if formdata is _Auto and request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), without_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


class LoginForm(Form):
    name = StringField(_l("Name"), [InputRequired(_l("Enter your name.")), Length(max=EDITOR_NAME_MAX)])
    password = PasswordField(
        _l("Password"),
        [
            InputRequired(_l("Enter your password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
    )
    next = HiddenField()


class ConfirmForm(Form):
    """A form with nothing but its CSRF token: sign out, delete."""


class ScoreField(IntegerField):
    """A whole number in SCORE_RANGE, with the message in the editor's language."""

    def __init__(self, label, **kwargs):
        super().__init__(label, [self.check_range], default=DEFAULT_SCORE, **kwargs)

    @staticmethod
    def check_range(form, field):
        if field.process_errors:
            raise StopValidation()  # not a number: that message is enough
        if not score_ok(field.data):
            raise StopValidation(_l("Enter a score from %(low)d to %(high)d.", low=SCORE_RANGE[0], high=SCORE_RANGE[1]))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Enter a whole number from %(low)d to %(high)d.", low=SCORE_RANGE[0], high=SCORE_RANGE[1])
            ) from None


FIELD_LABELS = {
    "category": _l("Category"),
    "title": _l("Title"),
    "summary": _l("Summary"),
    "analysis": _l("Analysis (Markdown)"),
}

# Labels of the other fields, for the conflict table.
ARTICLE_FIELD_LABELS = {
    "slug": _l("Address (slug)"),
    "tags": _l("Tags"),
    "hot": _l("Hot"),
    "quality": _l("Quality"),
    "impact": _l("Impact"),
    "ai_generated": _l("Written with AI"),
    "status": _l("Status"),
}


def text_field(field):
    """The StringField or TextAreaField for one language of a translated field."""
    kind = StringField if field in ("category", "title") else TextAreaField
    limit = TEXT_LIMITS[field]
    message = _l("At most %(max)d characters.", max=limit)
    return kind(FIELD_LABELS[field], [Optional(strip_whitespace=False), Length(max=limit, message=message)])


class ArticleForm(Form):
    slug = StringField(
        ARTICLE_FIELD_LABELS["slug"],
        [
            Optional(),
            Length(max=SLUG_MAX, message=_l("At most %(max)d characters.", max=SLUG_MAX)),
            Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and single hyphens.")),
        ],
    )
    tags = StringField(
        ARTICLE_FIELD_LABELS["tags"],
        [
            Length(max=TAGS_TEXT_MAX, message=_l("At most %(max)d characters.", max=TAGS_TEXT_MAX)),
        ],
    )
    hot = ScoreField(ARTICLE_FIELD_LABELS["hot"])
    quality = ScoreField(ARTICLE_FIELD_LABELS["quality"])
    impact = ScoreField(ARTICLE_FIELD_LABELS["impact"])
    ai_generated = BooleanField(ARTICLE_FIELD_LABELS["ai_generated"])
    status = SelectField(
        ARTICLE_FIELD_LABELS["status"],
        choices=[
            SelectChoice("draft", _l("Draft")),
            SelectChoice("published", _l("Published")),
        ],
    )
    published_at = StringField(_l("Publish time"))
    version = HiddenField()
    base = HiddenField()

    def __init__(self, *args, article=None, lang="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.lang = lang

    # Field-level checks ---------------------------------------------------

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.title_en.data or "").strip() and not (self.title_zh.data or "").strip():
            self.title_en.errors = [*self.title_en.errors, _l("Give the article a title in at least one language.")]
            valid = False
        return valid

    def validate_slug(self, field):
        if not field.data:
            return
        taken = Article.select().where(Article.slug == field.data)
        if self.article is not None and self.article.id:
            taken = taken.where(Article.id != self.article.id)
        if taken.exists():
            raise ValidationError(_l("Another article already uses this address."))

    def validate_tags(self, field):
        entries = parse_tags(field.data)
        if len(entries) > MAX_TAGS:
            raise ValidationError(_l("At most %(max)d tags.", max=MAX_TAGS))
        for name_en, name_zh in entries:
            if len(name_en) > TAG_NAME_MAX or len(name_zh) > TAG_NAME_MAX:
                raise ValidationError(_l("Each tag name has at most %(max)d characters.", max=TAG_NAME_MAX))

    def validate_published_at(self, field):
        if field.data and self.publish_time() is None:
            raise ValidationError(
                _l(
                    "Use the form 2026-05-01 09:30, with a year from %(first)d to %(last)d.",
                    first=YEARS[0],
                    last=YEARS[1],
                )
            )

    # Reading the form -----------------------------------------------------

    def publish_time(self):
        """The publish time typed, as aware UTC, read in the editor's time zone; None if blank or bad."""
        raw = (self.published_at.data or "").strip()
        for pattern in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(raw, pattern)
            except ValueError:
                continue
            if not YEARS[0] <= moment.year <= YEARS[1]:
                return None
            return local_moment(moment, self.lang)
        return None

    def article_values(self):
        """The model fields this form sets."""
        # Browsers post line breaks as CRLF; store them as plain newlines.
        values = {
            f"{field}_{lang}": (getattr(self, f"{field}_{lang}").data or "").replace("\r\n", "\n")
            for field in TRANSLATED_FIELDS
            for lang in LANGS
        }
        values.update({name: getattr(self, name).data for name in SCORES})
        values.update(ai_generated=self.ai_generated.data, status=self.status.data, published_at=self.publish_time())
        if self.article is not None and self.published_at.data == local_input_text(
            self.article.published_at, self.lang
        ):
            # Untouched: keep the stored time, seconds and all.
            values["published_at"] = self.article.published_at
        if self.slug.data:
            values["slug"] = self.slug.data
        return values

    def tag_entries(self):
        return parse_tags(self.tags.data)

    def submitted_version(self):
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


# The eight text fields: category_en, category_zh, title_en, …
for _field in TRANSLATED_FIELDS:
    for _lang in LANGS:
        setattr(ArticleForm, f"{_field}_{_lang}", text_field(_field))
