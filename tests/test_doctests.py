"""Every docstring example of the extractor runs."""

import doctest

import pytest

from extract import clauses, gazetteer, normalize, pipeline, reader, serialize


@pytest.mark.parametrize("module", [clauses, gazetteer, normalize, pipeline, reader, serialize],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0
