"""Images in the article form: the cover upload, and "Insert image" for the analysis.

The cover's file comes with the form itself (so it works without
JavaScript): it is stored as soon as the form arrives, before the other
fields are checked, and its key rides in the hidden `cover` field. A save
refused for any other reason therefore keeps the picture too. With
JavaScript, static/editor-images.js sends each chosen file to
`POST /editor/images` at once and fills in the key; the same route serves
"Insert image", which puts `![alt](/media/<key>)` into the analysis.
"""

from flask import g, jsonify, render_template, request
from flask_babel import gettext as _

from ainews.editor.blueprint import bp
from ainews.images import ImageRefused, store
from ainews.media import media_url
from ainews.rules import IMAGE_ALT_MAX, IMAGE_MAX_TEXT, LANGS, UPLOAD_REQUEST_MAX_TEXT, clean_text

COVER_FILE = "cover_file"  # the form's file input
COVER_REMOVE = "cover_remove"  # its "no cover" box


def take_cover_upload(form):
    """Store the cover file posted with the form, if any, and point the form's `cover` at it.

    Returns the message of a refused file (the form then keeps the cover it
    had), or None.
    """
    if request.form.get(COVER_REMOVE):
        form.cover.data = ""
    upload = request.files.get(COVER_FILE)
    if upload is None or not upload.filename:
        return None
    try:
        image = store(upload.read(), g.editor.name)
    except ImageRefused as refused:
        return str(refused.message)
    form.cover.data = image.key
    return None


def add_cover_error(form, message):
    if message:
        form.cover.errors = [*form.cover.errors, message]


@bp.post("/images")
def upload_image():
    """Store one image; JSON with its key and addresses, or a 422 saying why not.

    "Insert image" sends alt texts too: both are required, so the Markdown
    it gets back describes the picture in each language.
    """
    alts = {lang: clean_text(request.form.get(f"alt_{lang}", "")).strip() for lang in LANGS}
    errors = {}
    if request.form.get("purpose") == "insert":
        for lang, alt in alts.items():
            if not alt:
                errors[f"alt_{lang}"] = _("Describe the picture for readers who cannot see it.")
            elif len(alt) > IMAGE_ALT_MAX:
                errors[f"alt_{lang}"] = _("At most %(max)d characters.", max=IMAGE_ALT_MAX)
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        errors["image"] = _("Choose an image file.")
    if errors:
        return jsonify(errors=errors), 422
    try:
        image = store(upload.read(), g.editor.name)
    except ImageRefused as refused:
        return jsonify(errors={"image": str(refused.message)}), 422
    path = f"/media/{image.key}"
    return jsonify(
        key=image.key,
        width=image.width,
        height=image.height,
        thumbnail=media_url(image.key, image.widths[0]),
        markdown={lang: f"![{markdown_alt(alts[lang])}]({path})" for lang in LANGS},
    )


def markdown_alt(text):
    """Alt text as it can sit between Markdown's brackets."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


@bp.errorhandler(413)
def upload_too_large(error):
    """A form or upload over the request limit: what to do next, in the editor's language."""
    message = _(
        "What you sent is larger than the site accepts (%(size)s in all, an image at most %(image)s). "
        "Go back with your browser: your text is still in the form there. Choose a smaller image and save again.",
        size=UPLOAD_REQUEST_MAX_TEXT,
        image=IMAGE_MAX_TEXT,
    )
    if request.endpoint == "editor.upload_image":
        return jsonify(errors={"image": message}), 413
    return render_template("editor/message.html", title=_("Too large"), message=message), 413
