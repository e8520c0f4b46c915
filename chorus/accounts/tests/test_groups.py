from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.accounts.models import Group, GroupKind
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory


@pytest.fixture
def sales(organization):
    return GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")


def test_groups_are_listed_by_kind_with_member_counts(admin_client, organization, sales):
    emea = GroupFactory(organization=organization, kind=GroupKind.REGION, name="EMEA")
    sales.members.add(*MembershipFactory.create_batch(3, organization=organization))
    GroupFactory(name="Foreign group")
    response = admin_client.get(reverse("groups"))
    by_kind = {str(heading): groups for heading, _empty, groups in response.context["by_kind"]}
    assert [group.name for group in by_kind["Departments"]] == ["Sales"]
    assert by_kind["Departments"][0].member_count == 3
    assert by_kind["Regions"] == [emea]
    assert "Foreign group" not in response.content.decode()


def test_admin_creates_a_group(admin_client, organization):
    response = admin_client.post(
        reverse("groups"), {"kind": "language", "name": "  French  ", "description": "Parlez"}
    )
    group = Group.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    assert (group.kind, group.name, group.description) == ("language", "French", "Parlez")
    assert AuditEvent.objects.filter(action="group.created", target_id=str(group.pk)).exists()


def test_duplicate_group_name_is_refused(admin_client, sales):
    response = admin_client.post(reverse("groups"), {"kind": "department", "name": "sales"})
    assert response.status_code == 400
    assert "already a department group" in response.content.decode()
    assert Group.objects.count() == 1


def test_unknown_kind_and_long_name_are_refused(admin_client):
    response = admin_client.post(reverse("groups"), {"kind": "zzz", "name": "N" * 5000})
    assert response.status_code == 400
    assert not Group.objects.exists()


def test_group_name_with_html_is_escaped(admin_client, organization):
    GroupFactory(organization=organization, name="<script>alert(1)</script>")
    body = admin_client.get(reverse("groups")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_admin_renames_a_group(admin_client, sales):
    response = admin_client.post(
        reverse("group_detail", args=[sales.pk]), {"name": "Sales EMEA", "description": "All"}
    )
    assert response.status_code == 302
    sales.refresh_from_db()
    assert (sales.name, sales.description) == ("Sales EMEA", "All")
    assert AuditEvent.objects.filter(action="group.updated").exists()


def test_rename_to_an_existing_name_is_refused(admin_client, organization, sales):
    GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Support")
    response = admin_client.post(reverse("group_detail", args=[sales.pk]), {"name": "Support"})
    assert response.status_code == 400
    sales.refresh_from_db()
    assert sales.name == "Sales"


def test_admin_deletes_a_group(admin_client, sales):
    response = admin_client.post(reverse("group_delete", args=[sales.pk]))
    assert response.status_code == 302
    assert not Group.objects.filter(pk=sales.pk).exists()
    assert AuditEvent.objects.filter(action="group.deleted").exists()


def test_admin_adds_several_members_at_once(admin_client, organization, sales):
    alice, bob = MembershipFactory.create_batch(2, organization=organization)
    response = admin_client.post(
        reverse("group_add_members", args=[sales.pk]), {"members": [alice.pk, bob.pk]}
    )
    assert response.status_code == 302
    assert set(sales.members.all()) == {alice, bob}
    assert AuditEvent.objects.filter(action="group.member_added").count() == 2


def test_foreign_members_cannot_be_added(admin_client, sales):
    stranger = MembershipFactory(organization=OrganizationFactory())
    admin_client.post(reverse("group_add_members", args=[sales.pk]), {"members": [stranger.pk]})
    assert not sales.members.exists()


def test_adding_nobody_shows_a_message(admin_client, sales):
    response = admin_client.post(reverse("group_add_members", args=[sales.pk]), follow=True)
    assert "Select at least one member" in response.content.decode()


def test_admin_removes_a_member(admin_client, organization, sales):
    alice = MembershipFactory(organization=organization)
    sales.members.add(alice)
    response = admin_client.post(reverse("group_remove_member", args=[sales.pk, alice.pk]))
    assert response.status_code == 302
    assert not sales.members.exists()
    assert AuditEvent.objects.filter(action="group.member_removed").exists()


def test_candidates_search_excludes_current_members(admin_client, organization, sales):
    alice = MembershipFactory(organization=organization, user__name="Alice Archer")
    MembershipFactory(organization=organization, user__name="Alan Arnold")
    sales.members.add(alice)
    response = admin_client.get(
        reverse("group_candidates", args=[sales.pk]), {"q": "al"}, headers={"HX-Request": "true"}
    )
    names = [member.user.name for member in response.context["candidates"]]
    assert names == ["Alan Arnold"]
    assert "<html" not in response.content.decode()


def test_group_detail_lists_members(admin_client, organization, sales):
    sales.members.add(MembershipFactory(organization=organization, user__name="Alice Archer"))
    body = admin_client.get(reverse("group_detail", args=[sales.pk])).content.decode()
    assert "Alice Archer" in body


def test_foreign_group_is_404(admin_client, organization):
    foreign = GroupFactory(organization=OrganizationFactory())
    assert admin_client.get(reverse("group_detail", args=[foreign.pk])).status_code == 404
    assert admin_client.post(reverse("group_delete", args=[foreign.pk])).status_code == 404
    assert Group.objects.filter(pk=foreign.pk).exists()


def test_removing_a_foreign_member_is_404(admin_client, sales):
    stranger = MembershipFactory(organization=OrganizationFactory())
    url = reverse("group_remove_member", args=[sales.pk, stranger.pk])
    assert admin_client.post(url).status_code == 404


@pytest.mark.parametrize("name", ["group_delete", "group_add_members"])
def test_group_actions_refuse_get(admin_client, sales, name):
    assert admin_client.get(reverse(name, args=[sales.pk])).status_code == 405
    assert Group.objects.filter(pk=sales.pk).exists()


def test_remove_member_refuses_get(admin_client, organization, sales):
    alice = MembershipFactory(organization=organization)
    sales.members.add(alice)
    url = reverse("group_remove_member", args=[sales.pk, alice.pk])
    assert admin_client.get(url).status_code == 405
    assert sales.members.exists()


def test_employee_is_refused_every_group_page(employee_client, employee, sales):
    assert employee_client.get(reverse("groups")).status_code == 403
    assert (
        employee_client.post(reverse("groups"), {"kind": "custom", "name": "X"}).status_code == 403
    )
    assert employee_client.get(reverse("group_detail", args=[sales.pk])).status_code == 403
    assert employee_client.get(reverse("group_candidates", args=[sales.pk])).status_code == 403
    for name in ("group_delete", "group_add_members"):
        assert employee_client.post(reverse(name, args=[sales.pk])).status_code == 403
    url = reverse("group_remove_member", args=[sales.pk, employee.pk])
    assert employee_client.post(url).status_code == 403
    assert Group.objects.count() == 1
