"""Translation engines behind one interface. Heavy libraries load inside each engine on first use."""

from .base import EngineSpec, Translator, make_translator

__all__ = ["EngineSpec", "Translator", "make_translator"]
