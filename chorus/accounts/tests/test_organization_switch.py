from __future__ import annotations

from chorus.factories import MembershipFactory, OrganizationFactory


def test_member_of_two_organizations_switches_between_them(client, employee):
    globex = OrganizationFactory(name="Globex", slug="globex")
    MembershipFactory(organization=globex, user=employee.user)
    client.force_login(employee.user)
    assert "Acme" in client.get("/").content.decode()

    response = client.post("/organizations/switch/", {"organization": globex.pk})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'class="org-name"> · Globex' in page

    client.post("/organizations/switch/", {"organization": employee.organization_id})
    assert 'class="org-name"> · Acme' in client.get("/").content.decode()


def test_switching_to_an_organization_you_are_not_in_is_404(employee_client):
    globex = OrganizationFactory(name="Globex", slug="globex")
    response = employee_client.post("/organizations/switch/", {"organization": globex.pk})
    assert response.status_code == 404
    assert 'class="org-name"> · Acme' in employee_client.get("/").content.decode()


def test_switch_ignores_garbage(employee_client):
    assert (
        employee_client.post("/organizations/switch/", {"organization": "1 OR 1=1"}).status_code
        == 404
    )
    assert employee_client.post("/organizations/switch/").status_code == 404


def test_deactivated_membership_is_not_offered_nor_usable(client, employee):
    globex = OrganizationFactory(name="Globex", slug="globex")
    other = MembershipFactory(organization=globex, user=employee.user, is_active=False)
    client.force_login(employee.user)
    assert "Globex" not in client.get("/").content.decode()
    assert (
        client.post("/organizations/switch/", {"organization": other.organization_id}).status_code
        == 404
    )


def test_user_without_organization_is_told_how_to_join(client, db):
    from chorus.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.get("/", follow=True)
    assert "not in an organization yet" in response.content.decode()
