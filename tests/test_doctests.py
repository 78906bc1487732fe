"""Every docstring example of the extractor and the ontology runs (every module, found by listing the packages)."""

import doctest
import importlib
import pkgutil

import pytest

import extract
import ontology

MODULES = sorted(f"{pkg.__name__}.{m.name}" for pkg in (extract, ontology) for m in pkgutil.iter_modules(pkg.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
