"""The editors' forms: what they may type, and the error beside each field.

Every message is in the editor's interface language. A form that fails
validation is shown again with exactly what was typed, so nothing is lost.
"""

from datetime import datetime

from flask import request
from flask_babel import format_decimal
from flask_babel import gettext as _
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
from wtforms.validators import InputRequired, Optional, Regexp, StopValidation, ValidationError

from ainews.articles import parse_tags
from ainews.i18n import LOCAL_ZONES, local_input_text, local_moment
from ainews.images import find_image
from ainews.rules import (
    ARTICLE_FIELDS,
    DATETIME_FORMATS,
    EDITOR_NAME_MAX,
    LANGS,
    PASSWORD_MAX_LENGTH,
    SCORE_RULE,
    SCORES,
    TAGS_TEXT_MAX,
    TEXT_COLUMNS,
    TIME_RULE,
    TITLE_COLUMNS,
    TRANSLATED_FIELDS,
    clean_text,
    cover_alt_missing,
    has_title,
    web_url_ok,
)
from models import Article


def cleaned(value):
    """Posted text as it is counted and stored: line breaks as LF, no control characters.

    Browsers post every line break of a textarea as CRLF while their
    `value` (what the counter counts) holds LF: one character each way.
    """
    return clean_text(value.replace("\r\n", "\n")) if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of ours: read from the posted form fields only, control characters dropped."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            # Flask-WTF would read a JSON body as the form, numbers and lists
            # included, where every field expects text. Browsers post forms;
            # the API hands its JSON over as formdata of its own.
            if formdata is _Auto and request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), cleaned]
            return unbound_field.bind(form=form, filters=filters, **options)


def count_text(count, limit):
    """What a counter says: "12 / 300", or "2,412 / 2,000 — 412 over"."""
    numbers = dict(count=format_decimal(count), max=format_decimal(limit))
    if count > limit:
        return _("%(count)s / %(max)s — %(over)s over", over=format_decimal(count - limit), **numbers)
    return _("%(count)s / %(max)s", **numbers)


def count_patterns():
    """The counter's two texts with {count}, {max} and {over} to fill in: the script counts as typed."""
    slots = dict(count="{count}", max="{max}", over="{over}")
    return {"ok": _("%(count)s / %(max)s", **slots), "over": _("%(count)s / %(max)s — %(over)s over", **slots)}


class AtMost:
    """At most `limit` characters, counted as the form's counter counts: code points, a line break as one.

    Unlike WTForms' Length it sets no `maxlength`, with which a browser cuts
    pasted text without a word: too long, the field says so and the save is
    refused with all of the text kept.
    """

    def __init__(self, limit):
        self.limit = limit

    def __call__(self, form, field):
        count = len(field.data or "")
        if count > self.limit:
            raise ValidationError(
                _(
                    "At most %(max)s characters: this has %(count)s, %(over)s too many. "
                    "Your text is kept; shorten it to save.",
                    count=format_decimal(count),
                    max=format_decimal(self.limit),
                    over=format_decimal(count - self.limit),
                )
            )


def at_most(limit):
    return AtMost(limit)


def limit_of(field):
    """The most characters `field` takes, from its validators; None if it has no limit."""
    return next((check.limit for check in field.validators if isinstance(check, AtMost)), None)


class LoginForm(Form):
    name = StringField(_l("Name"), [InputRequired(_l("Enter your name.")), at_most(EDITOR_NAME_MAX)])
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password.")), at_most(PASSWORD_MAX_LENGTH)])
    next = HiddenField()


class ConfirmForm(Form):
    """A form with nothing but its CSRF token: sign out, delete."""


class ScoreField(IntegerField):
    """A whole number in the score rule's range, with the message in the editor's language."""

    rule = SCORE_RULE

    def __init__(self, label, **kwargs):
        low, high = self.rule.range
        render_kw = {"min": low, "max": high, "step": 1, "inputmode": "numeric"}
        super().__init__(label, [self.check_range], default=self.rule.default, render_kw=render_kw, **kwargs)

    @classmethod
    def check_range(cls, form, field):
        if field.process_errors:
            raise StopValidation()  # not a number: that message is enough
        if not cls.rule.accepts(field.data):
            low, high = cls.rule.range
            raise StopValidation(_l("Enter a score from %(low)d to %(high)d.", low=low, high=high))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            low, high = self.rule.range
            raise ValueError(_l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)) from None


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
    "source_url": _l("Source address"),
    "model": _l("Model"),
    "generated_at": _l("Generation time"),
    "cover": _l("Cover image"),
}

STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}


def text_field(field, lang):
    """The StringField or TextAreaField for one language of a translated field."""
    kind = StringField if field in ("category", "title") else TextAreaField
    rule = ARTICLE_FIELDS[f"{field}_{lang}"]
    return kind(FIELD_LABELS[field], [Optional(strip_whitespace=False), at_most(rule.max_length)])


def time_message():
    first, last = TIME_RULE.years
    return _l("Use the form 2026-05-01 09:30, with a year from %(first)d to %(last)d.", first=first, last=last)


class ArticleForm(Form):
    slug = StringField(
        ARTICLE_FIELD_LABELS["slug"],
        [
            Optional(),
            at_most(ARTICLE_FIELDS["slug"].max_length),
            Regexp(ARTICLE_FIELDS["slug"].pattern, message=_l("Use lowercase letters, digits and single hyphens.")),
        ],
    )
    tags = StringField(ARTICLE_FIELD_LABELS["tags"], [at_most(TAGS_TEXT_MAX)])
    hot = ScoreField(ARTICLE_FIELD_LABELS["hot"])
    quality = ScoreField(ARTICLE_FIELD_LABELS["quality"])
    impact = ScoreField(ARTICLE_FIELD_LABELS["impact"])
    ai_generated = BooleanField(ARTICLE_FIELD_LABELS["ai_generated"])
    status = SelectField(
        ARTICLE_FIELD_LABELS["status"],
        choices=[SelectChoice(status, STATUS_LABELS[status]) for status in ARTICLE_FIELDS["status"].choices],
        default=ARTICLE_FIELDS["status"].default,
    )
    published_at = StringField(_l("Publish time"))
    # Provenance: where the story came from, which model wrote it and when.
    source_url = StringField(
        ARTICLE_FIELD_LABELS["source_url"],
        [Optional(strip_whitespace=False), at_most(ARTICLE_FIELDS["source_url"].max_length)],
    )
    model = StringField(
        ARTICLE_FIELD_LABELS["model"],
        [Optional(strip_whitespace=False), at_most(ARTICLE_FIELDS["model"].max_length)],
    )
    generated_at = StringField(ARTICLE_FIELD_LABELS["generated_at"])
    # The cover: an uploaded image's key (the file input is ainews/editor/images.py's).
    cover = HiddenField()
    version = HiddenField()
    base = HiddenField()

    # The fields typed as times in the editor's zone.
    TIME_FIELDS = ("published_at", "generated_at")
    # The fields as the page shows them, top to bottom: the error summary
    # lists them, and focus goes to the first with an error, in this order.
    READING_ORDER = (
        *(f"{field}_{lang}" for field in ("title", "summary", "analysis", "category") for lang in LANGS),
        *SCORES,
        "tags",
        "status",
        "published_at",
        "ai_generated",
        "slug",
        "source_url",
        "model",
        "generated_at",
    )
    SCORE_NAMES = SCORES  # the template lists these fields…
    SCORE_RANGE = SCORE_RULE.range  # …and says their range

    def __init__(self, *args, article=None, lang="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.lang = lang

    def invalid_fields(self):
        """The fields with an error, in reading order."""
        return [self[name] for name in self.READING_ORDER if self[name].errors]

    # Field-level checks ---------------------------------------------------

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not has_title({name: self[name].data for name in TITLE_COLUMNS}):
            self.title_en.errors = [*self.title_en.errors, _l("Give the article a title in at least one language.")]
            valid = False
        for name in cover_alt_missing({name: self[name].data for name in COVER_COLUMNS}):
            self[name].errors = [*self[name].errors, _l("Describe the picture for readers who cannot see it.")]
            valid = False
        return valid

    def validate_cover(self, field):
        if field.data and find_image(field.data) is None:
            raise ValidationError(_l("This image is not among the uploaded ones. Upload it again."))

    def validate_slug(self, field):
        if not field.data:
            return
        taken = Article.select().where(Article.slug == field.data)
        if self.article is not None and self.article.id:
            taken = taken.where(Article.id != self.article.id)
        if taken.exists():
            raise ValidationError(_l("Another article already uses this address."))

    def validate_tags(self, field):
        rule = ARTICLE_FIELDS["tags"]
        entries = parse_tags(field.data)
        if len(entries) > rule.max_items:
            raise ValidationError(_l("At most %(max)d tags.", max=rule.max_items))
        for name_en, name_zh in entries:
            if len(name_en) > rule.max_length or len(name_zh) > rule.max_length:
                raise ValidationError(_l("Each tag name has at most %(max)d characters.", max=rule.max_length))

    def validate_published_at(self, field):
        if field.data and self.typed_time(field) is None:
            raise ValidationError(time_message())

    def validate_generated_at(self, field):
        self.validate_published_at(field)

    def validate_source_url(self, field):
        if field.data and not web_url_ok(field.data):
            limit = ARTICLE_FIELDS["source_url"].max_length
            raise ValidationError(_l("Give an http or https address of at most %(max)d characters.", max=limit))

    # Reading the form -----------------------------------------------------

    def typed_time(self, field):
        """A time as typed, as aware UTC, read in the editor's time zone; None if blank or bad."""
        raw = (field.data or "").strip()
        for pattern in DATETIME_FORMATS:
            try:
                naive = datetime.strptime(raw, pattern)
            except ValueError:
                continue
            # The year as typed, in the editor's zone, is the one the rule checks.
            if not TIME_RULE.accepts(naive.replace(tzinfo=LOCAL_ZONES[self.lang])):
                return None
            return local_moment(naive, self.lang)
        return None

    def publish_time(self):
        """The publish time typed, as aware UTC; None if blank or bad."""
        return self.typed_time(self.published_at)

    def stored_or_typed_time(self, name):
        """The time typed in field `name`; an untouched field keeps the stored time, seconds and all."""
        field = getattr(self, name)
        if self.article is not None and field.data == local_input_text(getattr(self.article, name), self.lang):
            return getattr(self.article, name)
        return self.typed_time(field)

    def article_values(self):
        """The model fields this form sets."""
        # Line breaks arrive as LF already: see cleaned().
        values = {name: getattr(self, name).data or "" for name in TEXT_COLUMNS}
        values.update({name: getattr(self, name).data for name in SCORES})
        values.update(
            ai_generated=self.ai_generated.data,
            status=self.status.data,
            source_url=self.source_url.data or "",
            model=self.model.data or "",
        )
        values.update({name: (self[name].data or "").strip() for name in COVER_COLUMNS})
        values.update({name: self.stored_or_typed_time(name) for name in self.TIME_FIELDS})
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


COVER_COLUMNS = ("cover", *(f"cover_alt_{lang}" for lang in LANGS))

# The eight text fields: category_en, category_zh, title_en, …
for _field in TRANSLATED_FIELDS:
    for _lang in LANGS:
        setattr(ArticleForm, f"{_field}_{_lang}", text_field(_field, _lang))
# The cover's description in each language: cover_alt_en, cover_alt_zh.
for _lang in LANGS:
    setattr(
        ArticleForm,
        f"cover_alt_{_lang}",
        StringField(
            _l("Cover description"),
            [Optional(strip_whitespace=False), at_most(ARTICLE_FIELDS[f"cover_alt_{_lang}"].max_length)],
        ),
    )
