"""Translation engines behind one interface. Heavy libraries load inside each engine on first use."""

from ..model import TermConstraint, Translation
from .base import Translator, make_translator
from .spec import EngineSignature, EngineSpec

__all__ = ["EngineSignature", "EngineSpec", "TermConstraint", "Translation", "Translator", "make_translator"]
