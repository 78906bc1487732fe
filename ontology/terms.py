"""The closed sets of the extraction: roles and unit kinds, each defined once.

>>> Role("lead") is Role.LEAD, [r.value for r in ROLE_ORDER]
(True, ['lead', 'cooperate', 'responsible', 'guide'])
>>> UnitKind("measure").value
'measure'
>>> [(ROLE_ZH[r.value], ROLE_COLORS[r.value]) for r in ROLE_ORDER][:2]
[('牵头', '#d62728'), ('配合', '#1f77b4')]
"""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    """The responsibility an agency carries for a unit."""

    LEAD = "lead"  # 牵头
    COOPERATE = "cooperate"  # 配合, 参与, 协办, 协同
    RESPONSIBLE = "responsible"  # 负责, 按职责分工负责
    GUIDE = "guide"  # 指导


ROLE_ORDER = (Role.LEAD, Role.COOPERATE, Role.RESPONSIBLE, Role.GUIDE)
ROLES = tuple(r.value for r in ROLE_ORDER)  # the same, as the strings rows and arguments carry
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}  # where each role sorts: lead first

# The one home of each role's Chinese label and its colour (edges, bars, legends), keyed by the
# role's value. The role's words (牵头单位：, 配合, 按职责分工负责 …) are in extract/clauses.py,
# its RDF term in ontology/namespaces.py and vocab.ttl.
ROLE_ZH = {"lead": "牵头", "cooperate": "配合", "responsible": "负责", "guide": "指导"}
ROLE_COLORS = {"lead": "#d62728", "cooperate": "#1f77b4", "responsible": "#2ca02c", "guide": "#9467bd"}
# The local name of each role's one-hop shortcut property (unit pkg:leadAgency agency) in the PKG namespace.
ROLE_SHORTCUT = {"lead": "leadAgency", "cooperate": "cooperatingAgency", "responsible": "responsibleAgency",
                 "guide": "guidingAgency"}


class UnitKind(str, enum.Enum):
    """What kind of responsibility-bearing unit a record is."""

    TASK = "task"  # a numbered task, a titled sub-paragraph or a row of a task-division table
    MEASURE = "measure"  # unnumbered paragraphs with clauses (保障措施, 组织实施)
