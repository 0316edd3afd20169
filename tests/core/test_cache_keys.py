"""The card cache key is made of what the template reads: a new input cannot serve a stale card."""

from jinja2 import DictLoader, Environment

from ainews.cache import LRU, template_inputs, template_key


def context_for(environment, name, **values):
    return environment.get_template(name).new_context(values)


def test_the_key_follows_every_variable_the_template_reads():
    environment = Environment(
        loader=DictLoader({"card.html": "{{ title }} {% include 'part.html' %}", "part.html": "{{ views }}"})
    )
    assert template_inputs(environment, "card.html") == {"title", "views"}
    context = context_for(environment, "card.html", title="A", views=1, unread="ignored")
    key = template_key(context, "card.html", {}, ambient=())
    assert (
        template_key(context_for(environment, "card.html", title="A", views=1, unread="x"), "card.html", {}, ()) == key
    )
    assert template_key(context_for(environment, "card.html", title="A", views=2), "card.html", {}, ()) != key
    assert template_key(context, "card.html", {"title": "B"}, ()) != key


def test_a_variable_added_to_the_template_joins_the_key_by_itself():
    templates = {"card.html": "{{ title }}"}
    environment = Environment(loader=DictLoader(templates))
    before = template_key(context_for(environment, "card.html", title="A", badge="new"), "card.html", {}, ())
    templates["card.html"] = "{{ title }} {{ badge }}"
    changed = Environment(loader=DictLoader(templates))
    one = template_key(context_for(changed, "card.html", title="A", badge="new"), "card.html", {}, ())
    other = template_key(context_for(changed, "card.html", title="A", badge="old"), "card.html", {}, ())
    assert one != other
    assert before != one


def test_the_lru_is_bounded():
    cache = LRU(2)
    for n in range(5):
        cache.put(n, str(n))
    assert cache.get(0) is None and cache.get(4) == "4"
    assert len(cache.entries) == 2
