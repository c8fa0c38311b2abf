"""Translation engines behind one interface. Heavy libraries load inside each engine on first use."""

from .base import EngineSpec, TermConstraint, Translation, Translator, make_translator

__all__ = ["EngineSpec", "TermConstraint", "Translation", "Translator", "make_translator"]
