"""gunicorn's workers listen on sockets of their own (SO_REUSEPORT), so the kernel spreads connections over them."""

import os
import runpy

import pytest

GUNICORN_CONF = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "gunicorn.conf.py"
)


@pytest.mark.parametrize(
    "bind, reuse_port",
    [
        ("", True),  # the default, 127.0.0.1:5000
        ("0.0.0.0:8000", True),
        ("127.0.0.1:0", False),  # any free port: each worker would get another one
        ("unix:/run/ainews.sock", False),
    ],
)
def test_reuse_port_where_a_port_is_fixed(monkeypatch, bind, reuse_port):
    monkeypatch.setenv("BIND", bind)
    monkeypatch.delenv("PORT", raising=False)
    assert runpy.run_path(GUNICORN_CONF)["reuse_port"] is reuse_port
