"""The editors' forms: what they may type, and the error beside each field.

Every message is in the editor's interface language. A form that fails
validation is shown again with exactly what was typed, so nothing is lost.
"""
import re
import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from i18n import LANGS, local_input_text, local_moment
from models import PASSWORD_MAX_LENGTH, SCORES, TRANSLATED_FIELDS, Article, Tag, slugify

# Sane limits: far above any real article, far below what could hurt the server.
LIMITS = {"category": 60, "title": 300, "summary": 2_000, "analysis": 50_000}
MAX_TAGS = 12
TAG_NAME_MAX = 60
YEARS = (2000, 2100)  # publish times outside these are typing mistakes
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
# Provenance that pipelines may set: where a story came from, which model wrote it.
SOURCE_URL_MAX = 500
MODEL_NAME_MAX = 100


def without_nul(value):
    """The text without NUL characters: no one types them, and PostgreSQL
    refuses to store them (SQLite would keep them)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of ours: NUL characters dropped from every field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), without_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


class LoginForm(Form):
    name = StringField(_l("Name"), [InputRequired(_l("Enter your name.")), Length(max=40)])
    password = PasswordField(_l("Password"), [
        InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX_LENGTH),
    ])
    next = HiddenField()


class ConfirmForm(Form):
    """A form with nothing but its CSRF token: sign out, delete."""


class ScoreField(IntegerField):
    """A whole number from 0 to 100, with the message in the editor's language."""

    def __init__(self, label, **kwargs):
        super().__init__(label, [self.check_range], default=50, **kwargs)

    @staticmethod
    def check_range(form, field):
        if field.process_errors:
            raise StopValidation()  # not a number: that message is enough
        if field.data is None or not 0 <= field.data <= 100:
            raise StopValidation(_l("Enter a score from 0 to 100."))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number from 0 to 100.")) from None


FIELD_LABELS = {
    "category": _l("Category"), "title": _l("Title"), "summary": _l("Summary"),
    "analysis": _l("Analysis (Markdown)"),
}

# Labels of the other fields, for the conflict table.
ARTICLE_FIELD_LABELS = {
    "slug": _l("Address (slug)"), "tags": _l("Tags"), "hot": _l("Hot"), "quality": _l("Quality"),
    "impact": _l("Impact"), "ai_generated": _l("Written with AI"), "status": _l("Status"),
}


def text_field(field):
    """The StringField or TextAreaField for one language of a translated field."""
    kind = StringField if field in ("category", "title") else TextAreaField
    message = _l("At most %(max)d characters.", max=LIMITS[field])
    return kind(FIELD_LABELS[field], [Optional(strip_whitespace=False), Length(max=LIMITS[field], message=message)])


class ArticleForm(Form):
    slug = StringField(ARTICLE_FIELD_LABELS["slug"], [
        Optional(),
        Length(max=100, message=_l("At most %(max)d characters.", max=100)),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and single hyphens.")),
    ])
    tags = StringField(ARTICLE_FIELD_LABELS["tags"], [Length(max=1_000, message=_l("At most %(max)d characters.", max=1_000))])
    hot = ScoreField(ARTICLE_FIELD_LABELS["hot"])
    quality = ScoreField(ARTICLE_FIELD_LABELS["quality"])
    impact = ScoreField(ARTICLE_FIELD_LABELS["impact"])
    ai_generated = BooleanField(ARTICLE_FIELD_LABELS["ai_generated"])
    status = SelectField(ARTICLE_FIELD_LABELS["status"], choices=[
        SelectChoice("draft", _l("Draft")), SelectChoice("published", _l("Published")),
    ])
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
            raise ValidationError(_l("Use the form 2026-05-01 09:30, with a year from 2000 to 2100."))

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
            for field in TRANSLATED_FIELDS for lang in LANGS
        }
        values.update({name: getattr(self, name).data for name in SCORES})
        values.update(ai_generated=self.ai_generated.data, status=self.status.data,
                      published_at=self.publish_time())
        if self.article is not None and self.published_at.data == local_input_text(self.article.published_at, self.lang):
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


def is_web_url(text):
    """An absolute http(s) address with a host: the only kind of source link shown to readers."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"[\s<>\"]", text)


def parse_tags(text):
    """'Open Source|开源, Regulation' → [('Open Source', '开源'), ('Regulation', '')].

    Commas separate tags (the Chinese comma too); a bar separates a tag's
    English and Chinese names. A single name in Chinese characters is the
    Chinese name. Blank entries are skipped, repeats dropped.
    """
    entries, seen = [], set()
    for chunk in re.split(r"[,，]", text or ""):
        name_en, bar, name_zh = chunk.partition("|")
        if not bar and CHINESE.search(name_en):
            name_en, name_zh = "", name_en
        entry = (" ".join(name_en.split()), " ".join(name_zh.split()))
        key = (entry[0].lower(), entry[1])
        if any(entry) and key not in seen:
            seen.add(key)
            entries.append(entry)
    return entries


def tags_text(tags):
    """The form's text for a list of tags: the inverse of `parse_tags`."""
    return ", ".join("|".join(name for name in (tag.name_en, tag.name_zh) if name) for tag in tags)


def find_or_make_tags(entries):
    """Tags for parsed entries: existing ones by slug or name, else new unsaved ones.

    Entries that come to the same tag ("AI" and "AI|人工智能") count once.
    """
    tags = {}
    for name_en, name_zh in entries:
        slug = slugify(name_en) or "tag-" + hashlib.sha1(name_zh.encode(), usedforsecurity=False).hexdigest()[:8]
        tag = Tag.get_or_none(Tag.slug == slug)
        if tag is None and name_zh:
            tag = Tag.get_or_none(Tag.name_zh == name_zh)
        if tag is None:
            tag = tags.get(slug) or Tag(slug=slug, name_en=name_en, name_zh=name_zh)
            tag.name_zh = tag.name_zh or name_zh  # "AI" then "AI|人工智能": keep the Chinese name
        tags.setdefault(tag.slug, tag)
    return list(tags.values())
