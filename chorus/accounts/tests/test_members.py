from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.accounts.models import GroupKind, Membership, ProgramStatus
from chorus.accounts.services import members as member_services
from chorus.actions.members import member_join_program, member_set_active
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory


def names_listed(response) -> list[str]:
    return [member.user.name for member in response.context["page"].object_list]


@pytest.fixture
def people(organization):
    """A small organization: one of each kind of member we filter on."""
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    alice = MembershipFactory(
        organization=organization, user__name="Alice Archer", user__email="alice@acme.test"
    )
    bob = MembershipFactory(
        organization=organization,
        user__name="Bob Baker",
        user__email="bob@acme.test",
        is_curator=True,
        program_status=ProgramStatus.JOINED,
    )
    carol = MembershipFactory(
        organization=organization,
        user__name="Carol Cook",
        user__email="carol@other.test",
        program_status=ProgramStatus.LEFT,
        is_active=False,
    )
    sales.members.add(alice)
    return {"alice": alice, "bob": bob, "carol": carol, "sales": sales}


# The list ------------------------------------------------------------------------------


def test_members_list_shows_the_organization_members_only(admin_client, people):
    MembershipFactory(user__name="Zed Foreign")
    response = admin_client.get(reverse("members"))
    assert response.status_code == 200
    names = names_listed(response)
    assert "Alice Archer" in names and "Bob Baker" in names
    assert "Zed Foreign" not in names


def test_members_search_by_name(admin_client, people):
    response = admin_client.get(reverse("members"), {"q": "arch"})
    assert names_listed(response) == ["Alice Archer"]


def test_members_search_by_email(admin_client, people):
    response = admin_client.get(reverse("members"), {"q": "other.test"})
    assert names_listed(response) == ["Carol Cook"]


def test_members_filter_by_role(admin_client, people):
    response = admin_client.get(reverse("members"), {"role": "curator"})
    assert names_listed(response) == ["Bob Baker"]


def test_members_filter_by_group(admin_client, people):
    response = admin_client.get(reverse("members"), {"group": people["sales"].pk})
    assert names_listed(response) == ["Alice Archer"]


def test_members_filter_by_program_status(admin_client, people):
    joined = admin_client.get(reverse("members"), {"program_status": "joined"})
    left = admin_client.get(reverse("members"), {"program_status": "left"})
    assert names_listed(joined) == ["Bob Baker"]
    assert names_listed(left) == ["Carol Cook"]


def test_members_filter_by_active(admin_client, people):
    inactive = admin_client.get(reverse("members"), {"active": "inactive"})
    active = admin_client.get(reverse("members"), {"active": "active"})
    assert names_listed(inactive) == ["Carol Cook"]
    assert "Carol Cook" not in names_listed(active)


def test_members_filter_by_foreign_group_is_ignored_with_a_message(admin_client, people):
    foreign_group = GroupFactory(name="Elsewhere")
    response = admin_client.get(reverse("members"), {"group": foreign_group.pk, "role": "nope"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert len(names_listed(response)) == 4  # admin + three people, no filter applied


def test_members_htmx_request_gets_only_the_table(admin_client, people):
    response = admin_client.get(reverse("members"), {"q": "bob"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Bob Baker" in body and "Alice Archer" not in body


def test_members_list_is_paginated_by_fifty(admin_client, organization):
    MembershipFactory.create_batch(55, organization=organization)
    first = admin_client.get(reverse("members"))
    second = admin_client.get(reverse("members"), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 6
    junk = admin_client.get(reverse("members"), {"page": "abc"})
    assert junk.status_code == 200


def test_members_row_shows_roles_and_department(admin_client, people):
    body = admin_client.get(reverse("members"), {"q": "alice"}).content.decode()
    assert "Sales" in body
    assert ">employee<" in body


def test_members_list_query_count_does_not_grow(
    admin_client, organization, django_assert_max_num_queries
):
    group = GroupFactory(organization=organization, kind=GroupKind.REGION)
    for member in MembershipFactory.create_batch(3, organization=organization):
        group.members.add(member)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(reverse("members"))
    for member in MembershipFactory.create_batch(30, organization=organization):
        group.members.add(member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("members"))


def test_names_with_html_are_escaped(admin_client, organization):
    MembershipFactory(organization=organization, user__name="<b>bold</b>" + "x" * 130)
    body = admin_client.get(reverse("members")).content.decode()
    assert "<b>bold</b>" not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_very_long_search_is_refused_not_crashed(admin_client, people):
    response = admin_client.get(reverse("members"), {"q": "a" * 5000})
    assert response.status_code == 200
    assert response.context["filter_error"] is True
    assert "Some filters were not valid and were ignored." in response.content.decode()
    # The refused search is not applied: everyone is still listed.
    listed = {member.pk for member in response.context["page"].object_list}
    assert {people["alice"].pk, people["bob"].pk} <= listed


# The detail page -----------------------------------------------------------------------


def test_member_detail_shows_program_history_read_only(admin_client, employee):
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    response = admin_client.get(reverse("member_detail", args=[employee.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Joined the program" in body
    assert reverse("program") not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert "program_join" not in body


def test_foreign_member_is_404(admin_client):
    stranger = MembershipFactory(organization=OrganizationFactory())
    for name in ("member_detail", "member_roles", "member_groups", "member_deactivate"):
        url = reverse(name, args=[stranger.pk])
        response = admin_client.post(url) if name != "member_detail" else admin_client.get(url)
        assert response.status_code == 404, name


def test_admin_changes_roles_and_it_is_audited(admin_client, admin_member, employee):
    response = admin_client.post(
        reverse("member_roles", args=[employee.pk]), {"roles": ["employee", "curator"]}
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.roles == ["employee", "curator"]
    event = AuditEvent.objects.get(action="member.roles_changed")
    assert event.actor == admin_member.user
    assert event.data == {"before": ["employee"], "after": ["employee", "curator"]}


def test_roles_change_by_htmx_returns_the_section(admin_client, employee):
    response = admin_client.post(
        reverse("member_roles", args=[employee.pk]),
        {"roles": ["approver"]},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="member-roles"' in body and "Roles saved" in body
    employee.refresh_from_db()
    assert employee.roles == ["approver"]


def test_removing_the_last_admin_is_refused(admin_client, admin_member):
    response = admin_client.post(
        reverse("member_roles", args=[admin_member.pk]),
        {"roles": ["employee"]},
        follow=True,
    )
    assert "at least one admin" in response.content.decode()
    admin_member.refresh_from_db()
    assert admin_member.is_admin
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


def test_unknown_role_changes_nothing(admin_client, employee):
    admin_client.post(reverse("member_roles", args=[employee.pk]), {"roles": ["superuser"]})
    employee.refresh_from_db()
    assert employee.roles == ["employee"]


def test_admin_changes_groups_and_it_is_audited(admin_client, organization, employee):
    sales = GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    french = GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="French")
    response = admin_client.post(
        reverse("member_groups", args=[employee.pk]),
        {"department": [sales.pk], "language": [french.pk]},
    )
    assert response.status_code == 302
    assert set(employee.groups.all()) == {sales, french}
    event = AuditEvent.objects.get(action="member.groups_changed")
    assert event.data == {"before": [], "after": ["French", "Sales"]}


def test_foreign_group_cannot_be_given_to_a_member(admin_client, organization, employee):
    GroupFactory(organization=organization, kind=GroupKind.DEPARTMENT)
    foreign = GroupFactory(kind=GroupKind.DEPARTMENT)
    admin_client.post(reverse("member_groups", args=[employee.pk]), {"department": [foreign.pk]})
    assert not employee.groups.exists()


def test_detail_groups_form_is_grouped_by_kind(admin_client, organization, employee):
    GroupFactory(organization=organization, kind=GroupKind.REGION, name="EMEA")
    GroupFactory(organization=organization, kind=GroupKind.LANGUAGE, name="German")
    body = admin_client.get(reverse("member_detail", args=[employee.pk])).content.decode()
    assert "<legend>Region</legend>" in body and "<legend>Language</legend>" in body


def test_deactivated_member_can_no_longer_use_the_site(admin_client, client, employee):
    response = admin_client.post(reverse("member_deactivate", args=[employee.pk]))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert not employee.is_active
    assert AuditEvent.objects.filter(action="member.deactivated").exists()
    client.force_login(employee.user)
    response = client.get(reverse("program"))
    assert response.status_code == 302
    assert response["Location"] == reverse("no_organization")


def test_reactivated_member_is_back(admin_client, employee):
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    admin_client.post(reverse("member_reactivate", args=[employee.pk]))
    employee.refresh_from_db()
    assert employee.is_active
    assert AuditEvent.objects.filter(action="member.reactivated").exists()


def test_admin_cannot_deactivate_themselves(admin_client, admin_member):
    response = admin_client.post(reverse("member_deactivate", args=[admin_member.pk]), follow=True)
    assert "cannot deactivate yourself" in response.content.decode()
    admin_member.refresh_from_db()
    assert admin_member.is_active


@pytest.mark.parametrize(
    "name", ["member_roles", "member_groups", "member_deactivate", "member_reactivate"]
)
def test_member_actions_refuse_get(admin_client, employee, name):
    response = admin_client.get(reverse(name, args=[employee.pk]))
    assert response.status_code == 405
    employee.refresh_from_db()
    assert employee.is_active


def test_employee_is_refused_every_member_page(employee_client, admin_member):
    assert employee_client.get(reverse("members")).status_code == 403
    assert employee_client.get(reverse("member_detail", args=[admin_member.pk])).status_code == 403
    for name in ("member_roles", "member_groups", "member_deactivate", "member_reactivate"):
        response = employee_client.post(reverse(name, args=[admin_member.pk]), {"roles": []})
        assert response.status_code == 403, name
    admin_member.refresh_from_db()
    assert admin_member.is_admin and admin_member.is_active


def test_detail_shows_latest_audit_events_about_the_member(admin_client, admin_member, employee):
    member_services.membership_update_roles(
        membership=employee, actor=admin_member.user, roles=["employee", "approver"]
    )
    body = admin_client.get(reverse("member_detail", args=[employee.pk])).content.decode()
    assert "Changed a member&#x27;s roles" in body  # the audit event, in words
    assert Membership.objects.count() == 2


def test_deactivation_is_all_or_nothing(monkeypatch, admin_member, employee):
    """A failure after the shares were cancelled leaves the member active, shares pending."""
    from chorus.factories import ShareFactory
    from chorus.sharing.models import Share, ShareStatus

    share = ShareFactory(membership=employee)

    from chorus.actions import members as member_actions

    cancel = member_actions.shares_cancel_for_member

    def cancel_then_fail(**kwargs):
        cancel(**kwargs)
        assert Share.objects.get(pk=share.pk).status == ShareStatus.CANCELLED
        raise RuntimeError("the next step failed")

    monkeypatch.setattr(member_actions, "shares_cancel_for_member", cancel_then_fail)
    with pytest.raises(RuntimeError):
        member_set_active(membership=employee, actor=admin_member.user, active=False)
    employee.refresh_from_db()
    assert employee.is_active is True
    assert Share.objects.get(pk=share.pk).status == ShareStatus.SCHEDULED
    assert not AuditEvent.objects.filter(action="member.deactivated").exists()
