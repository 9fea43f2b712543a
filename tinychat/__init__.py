"""tinychat: offline assistants for appliances, from a domain spec to an on-device parser."""

from tinychat.domain.action import Action
from tinychat.domain.spec import DomainSpec, SpecError, load_spec
from tinychat.runtime.parser import Parser

__all__ = ["Action", "DomainSpec", "Parser", "SpecError", "load_spec"]
__version__ = "0.1.0"
