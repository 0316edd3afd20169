"""The card cache key is made of what the template reads: a new input cannot serve a stale card."""

from jinja2 import DictLoader, Environment

from ainews.cache import LRU, template_inputs, template_key


def key_for(environment, name, variables=None, **values):
    """The key of template `name` rendered with `values`, and `variables` added."""
    return template_key(environment, name, values, variables or {}, ambient=())


def test_the_key_follows_every_variable_the_template_reads():
    environment = Environment(
        loader=DictLoader({"card.html": "{{ title }} {% include 'part.html' %}", "part.html": "{{ views }}"})
    )
    assert template_inputs(environment, "card.html") == {"title", "views"}
    key = key_for(environment, "card.html", title="A", views=1, unread="ignored")
    assert key_for(environment, "card.html", title="A", views=1, unread="x") == key
    assert key_for(environment, "card.html", title="A", views=2) != key
    assert key_for(environment, "card.html", {"title": "B"}, title="A", views=1) != key


def test_a_variable_added_to_the_template_joins_the_key_by_itself():
    templates = {"card.html": "{{ title }}"}
    environment = Environment(loader=DictLoader(templates))
    before = key_for(environment, "card.html", title="A", badge="new")
    templates["card.html"] = "{{ title }} {{ badge }}"
    changed = Environment(loader=DictLoader(templates))
    one = key_for(changed, "card.html", title="A", badge="new")
    other = key_for(changed, "card.html", title="A", badge="old")
    assert one != other
    assert before != one


def test_the_lru_is_bounded():
    cache = LRU(2)
    for n in range(5):
        cache.put(n, str(n))
    assert cache.get(0) is None and cache.get(4) == "4"
    assert len(cache.entries) == 2
