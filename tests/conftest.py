import pytest

from tinychat.domain.builtin import BUILTIN_DOMAINS


@pytest.fixture(scope="session", params=BUILTIN_DOMAINS)
def shipped_parser(request):
    """The parser of each built-in domain on its shipped model."""
    from tinychat.runtime.parser import Parser

    return Parser.load(request.param)
