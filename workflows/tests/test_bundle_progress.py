"""The status a 一件事 parent shows, derived from its members (issue 26: not 已报送 while a member is 待分派)."""

import pytest

from workflows.bundle_progress import bundle_display_status


@pytest.mark.parametrize(
    ("members", "shown"),
    [
        (["new", "waiting", "waiting", "waiting"], "new"),  # right after intake
        (["submitted", "new", "waiting"], "new"),  # the least advanced open member
        (["completed", "assigned", "submitted"], "assigned"),
        (["submitted", "waiting", "waiting"], "submitted"),  # 待启动 only counts when nothing has started
        (["waiting", "waiting"], "waiting"),
        (["completed", "withdrawn", "completed"], "completed"),  # all resolved, something done
        (["closed", "closed", "rejected"], "closed"),
        (["withdrawn", "rejected"], "withdrawn"),  # nothing done
        (["rejected"], "rejected"),
        ([], "submitted"),  # no members: the parent's own
    ],
)
def test_parent_status_follows_its_members(members, shown):
    assert bundle_display_status(members, own="submitted") == shown
