"""XLIFF 2.1's validation artifacts as OASIS published them, run over a document.

Nothing of them is in this repository: point ``NEWSL10N_XLIFF21_SCHEMAS`` at the ``schemas``
folder of the 2.1 OASIS Standard package (docs.oasis-open.org/xliff/xliff-core/v2.1/os/, also
``xliff-21/os.zip`` in github.com/oasis-tcs/xliff-xliff-22), and, for the Schematron,
``NEWSL10N_SCHXSLT`` at SchXslt 1.x's ``core/src/main/resources/xslt/2.0/pipeline-for-svrl.xsl``
(github.com/schxslt/schxslt, MIT). The package's Schematron files declare ``queryBinding="xslt2"``:
they run on Saxon (saxonche, from PyPI), compiled to XSLT by SchXslt.

What is run is what the package's NVDL file (``xliff_2_advanced_validation.nvdl``) names: the
core XSD with the module XSDs it validates other namespaces with, and every Schematron file its
core mode attaches (core, the modules, ITS). lxml validates the XSDs as one schema importing
each of them, so the core schema's ``processContents="lax"`` wildcards check ITS attributes
against its.xsd as the NVDL's sections do.
"""

from __future__ import annotations

import os
from pathlib import Path

NVDL = "xliff_2_advanced_validation.nvdl"
_NVDL_NS = "{http://purl.oclc.org/dsdl/nvdl/ns/structure/1.0}"
_SVRL_NS = "{http://purl.oclc.org/dsdl/svrl}"
CORE_NS = "urn:oasis:names:tc:xliff:document:2.0"


def schemas_folder() -> Path | None:
    path = os.environ.get("NEWSL10N_XLIFF21_SCHEMAS")
    return Path(path) if path else None


def schxslt() -> Path | None:
    path = os.environ.get("NEWSL10N_SCHXSLT")
    return Path(path) if path else None


def nvdl_artifacts(folder: Path) -> tuple[dict[str, str], list[str]]:
    """(namespace -> XSD file, Schematron files) as the package's NVDL file names them."""
    from lxml import etree

    rules = etree.parse(str(folder / NVDL)).getroot()
    xsds: dict[str, str] = {}
    schematrons: list[str] = []
    for namespace in rules.iter(_NVDL_NS + "namespace"):
        for validate in namespace.iterfind(_NVDL_NS + "validate"):
            name = validate.get("schema")
            if name.endswith(".sch"):
                schematrons.append(name)
            elif name.endswith(".xsd"):
                xsds.setdefault(namespace.get("ns"), name)
    return xsds, list(dict.fromkeys(schematrons))


def xsd(folder: Path):
    """One lxml schema importing the core XSD and every module XSD of the NVDL file."""
    from lxml import etree

    xsds, _ = nvdl_artifacts(folder)
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{(folder / name).resolve().as_uri()}"/>'
        for namespace, name in xsds.items()
    )
    wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:newsl10n:tests">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper, base_url=(folder / "wrapper.xsd").resolve().as_uri()))


class Validator:
    """The package's XSDs and Schematron files, compiled once; :meth:`failures` runs them all.

    ``processor`` is a saxonche ``PySaxonProcessor`` (one per process: Saxon's isolate)."""

    def __init__(self, folder: Path, compiler: Path, processor) -> None:
        self.schema = xsd(folder)
        self.processor = processor
        xslt = processor.new_xslt30_processor()
        to_xslt = xslt.compile_stylesheet(stylesheet_file=str(compiler))
        _, names = nvdl_artifacts(folder)
        self.schematrons = {
            name: xslt.compile_stylesheet(stylesheet_text=to_xslt.transform_to_string(source_file=str(folder / name)))
            for name in names
        }

    def failures(self, data: bytes) -> list[str]:
        """Every XSD error and every Schematron assertion failed or report fired (warnings too),
        one line each: ``FILE: MESSAGE @ LOCATION``."""
        from lxml import etree

        document = etree.fromstring(data)
        out = [] if self.schema.validate(document) else [f"XSD: {e.message} (line {e.line})" for e in self.schema.error_log]
        node = self.processor.parse_xml(xml_text=data.decode("utf-8"))
        for name, stylesheet in self.schematrons.items():
            report = etree.fromstring(stylesheet.transform_to_string(xdm_node=node).encode("utf-8"))
            for found in report.iter(_SVRL_NS + "failed-assert", _SVRL_NS + "successful-report"):
                text = " ".join("".join(found.itertext()).split())
                location = (found.get("location") or "").replace(f"Q{{{CORE_NS}}}", "")
                out.append(f"{name}: {text} @ {location}")
        return out

    def fired(self, data: bytes, name: str) -> int:
        """How many times the rules of Schematron file ``name`` fired on ``data`` (that it ran)."""
        from lxml import etree

        node = self.processor.parse_xml(xml_text=data.decode("utf-8"))
        report = etree.fromstring(self.schematrons[name].transform_to_string(xdm_node=node).encode("utf-8"))
        return sum(1 for _ in report.iter(_SVRL_NS + "fired-rule"))
