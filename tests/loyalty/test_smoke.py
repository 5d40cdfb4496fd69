def test_owner_sees_the_dashboard(owner_client):
    response = owner_client.get("/portal/")
    assert response.status_code == 200
    assert b"Aroma Caf" in response.content
