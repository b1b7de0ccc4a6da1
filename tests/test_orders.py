"""The /1.0 order flow as OVHcloud's Terraform provider drives it: cart, item, configuration,
assign, checkout, payment, order status and details; then /services and termination confirmed
with the token of the notification e-mail. And /1.0/storage/netapp."""

import asyncio
import re

import pytest
from conftest import ACCOUNT
from test_reference_iam import user_client

pytestmark = pytest.mark.anyio

CART = "/1.0/order/cart"


async def _order_vrack_services(client, region="eu-west-lim") -> tuple[int, str]:
    cart = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()
    cid = cart["cartId"]
    assert (await client.post(f"{CART}/{cid}/assign")).status_code == 200
    item = await client.post(
        f"{CART}/{cid}/vrackServices",
        json={"planCode": "vrack-services", "duration": "P1M", "pricingMode": "default", "quantity": 1},
    )
    assert item.status_code == 200, item.text
    item_id = item.json()["itemId"]
    r = await client.post(
        f"{CART}/{cid}/item/{item_id}/configuration", json={"label": "region_name", "value": region}
    )
    assert r.status_code == 200, r.text
    assert (await client.get("/1.0/me/payment/method", params={"default": "true"})).json() == []
    summary = (await client.get(f"{CART}/{cid}/checkout")).json()
    assert summary["prices"]["withoutTax"]["value"] == 0
    checkout = (await client.post(f"{CART}/{cid}/checkout")).json()
    order = checkout["orderId"]
    assert (await client.get(f"/1.0/me/order/{order}/status")).json() == "notPaid"
    r = await client.post(
        f"/1.0/me/order/{order}/payWithRegisteredPaymentMean", json={"paymentMean": "fidelityAccount"}
    )
    assert r.status_code == 200, r.text
    assert (await client.get(f"/1.0/me/order/{order}/status")).json() == "delivered"
    [detail] = (await client.get(f"/1.0/me/order/{order}/details")).json()
    ext = (await client.get(f"/1.0/me/order/{order}/details/{detail}/extension")).json()
    assert ext["order"]["plan"]["code"] == "vrack-services"
    domain = (await client.get(f"/1.0/me/order/{order}/details/{detail}")).json()["domain"]
    return order, domain


async def test_an_order_delivers_a_vrack_services_and_termination_ends_it(client):
    order, vrs = await _order_vrack_services(client)
    assert order in (await client.get("/1.0/me/order")).json()
    got = (await client.get(f"/v2/vrackServices/resource/{vrs}")).json()
    assert got["resourceStatus"] == "READY" and got["currentState"]["region"] == "eu-west-lim"
    assert got["currentState"]["productStatus"] == "DRAFT"
    assert (await client.get(f"/1.0/me/order/{order}/followUp")).json()[-1]["status"] == "DONE"

    [service] = (await client.get("/1.0/services", params={"resourceName": vrs})).json()
    assert (await client.get(f"/1.0/services/{service}")).json()["resource"]["name"] == vrs
    before = (await client.get("/1.0/me/notification/email/history")).json()
    assert before, "an account always has its welcome e-mail"
    assert (await client.post(f"/1.0/services/{service}/terminate")).status_code == 200
    emails = (await client.get("/1.0/me/notification/email/history")).json()
    [new] = [e for e in emails if e > max(before)]
    body = (await client.get(f"/1.0/me/notification/email/history/{new}")).json()["body"]
    assert vrs in body
    token = re.search(r"/billing/confirmTerminate\?id=[0-9a-zA-Z]+&token=([0-9a-zA-Z]+)", body).group(1)
    r = await client.post(f"/1.0/services/{service}/terminate/confirm", json={"token": "wrong"})
    assert r.status_code == 400 and r.json()["details"]["field"] == "token", r.text
    assert (await client.get(f"/v2/vrackServices/resource/{vrs}")).status_code == 200
    assert (
        await client.post(f"/1.0/services/{service}/terminate/confirm", json={"token": token})
    ).status_code == 200
    assert (await client.get(f"/v2/vrackServices/resource/{vrs}")).status_code == 404
    assert (await client.get("/1.0/services", params={"resourceName": vrs})).json() == []


async def test_bad_carts_are_refused_and_deliver_nothing(client):
    cid = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()["cartId"]
    r = await client.post(CART, json={"ovhSubsidiary": "FR", "colour": "red"})
    assert r.status_code == 400 and r.json()["details"]["field"] == "colour", r.text
    for expire in ("tomorrow", "2001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"):
        r = await client.post(CART, json={"ovhSubsidiary": "FR", "expire": expire})
        assert r.status_code == 400 and r.json()["details"]["field"] == "expire", r.text
    r = await client.post(CART, json={"ovhSubsidiary": "FR", "expire": "2099-01-01T00:00:00+01:00"})
    assert r.json()["expire"] == "2099-01-01T00:00:00+01:00", r.text
    r = await client.post(
        f"{CART}/{cid}/vrackServices",
        json={"planCode": "nothing", "duration": "P1M", "pricingMode": "default"},
    )
    assert r.status_code == 400 and r.json()["details"]["field"] == "planCode", r.text
    r = await client.post(f"{CART}/{cid}/vrackServices", json={"duration": "P1M", "pricingMode": "default"})
    assert r.status_code == 400 and r.json()["details"]["field"] == "planCode", r.text
    item = (
        await client.post(
            f"{CART}/{cid}/vrackServices",
            json={"planCode": "vrack-services", "duration": "P1M", "pricingMode": "default"},
        )
    ).json()
    r = await client.post(f"{CART}/{cid}/checkout")
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::CartNotAssigned", r.text
    await client.post(f"{CART}/{cid}/assign")
    r = await client.post(f"{CART}/{cid}/checkout")
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::MissingConfiguration", r.text
    await client.post(
        f"{CART}/{cid}/item/{item['itemId']}/configuration", json={"label": "region_name", "value": "mars"}
    )
    order = (await client.post(f"{CART}/{cid}/checkout")).json()["orderId"]
    r = await client.post(
        f"/1.0/me/order/{order}/payWithRegisteredPaymentMean", json={"paymentMean": "fidelityAccount"}
    )
    assert r.status_code == 400, r.text
    assert (await client.get(f"/1.0/me/order/{order}/status")).json() == "notPaid"
    assert (await client.get("/v2/vrackServices/resource")).json() == []
    r = await client.post(
        f"{CART}/{cid}/vrackServices",
        json={"planCode": "vrack-services", "duration": "P1M", "pricingMode": "default"},
    )
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::CartReadOnly", r.text


async def test_another_accounts_carts_orders_and_services_are_not_found(client, credentials, connect):
    order, vrs = await _order_vrack_services(client)
    [service] = (await client.get("/1.0/services", params={"resourceName": vrs})).json()
    cid = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()["cartId"]
    other = connect(await credentials("yy2222-ovh"))
    assert (await other.get(f"{CART}/{cid}")).status_code == 404
    assert (await other.get(f"/1.0/me/order/{order}")).status_code == 404
    assert (await other.get(f"/1.0/me/order/{order}/status")).status_code == 404
    assert (await other.get("/1.0/services", params={"resourceName": vrs})).json() == []
    assert (await other.post(f"/1.0/services/{service}/terminate")).status_code == 404
    assert (await client.get(f"/v2/vrackServices/resource/{vrs}")).status_code == 200


async def test_a_user_needs_the_order_and_service_actions(client, credentials, connect):
    order, vrs = await _order_vrack_services(client)
    [service] = (await client.get("/1.0/services", params={"resourceName": vrs})).json()
    alice = await user_client(client, credentials, connect)
    r = await alice.get(f"/1.0/me/order/{order}")
    assert r.status_code == 403 and "account:apiovh:me/order/get" in r.text, r.text
    r = await alice.post(f"/1.0/services/{service}/terminate")
    assert r.status_code == 403 and "account:apiovh:services/terminate" in r.text, r.text
    assert (await client.get("/1.0/me/notification/email/history")).json()[1:] == []


async def test_storage_netapp_on_the_v1_branch(app, client, credentials, connect):
    [efs] = await app.state.ctx.provision("storageNetApp", ACCOUNT)
    got = (await client.get(f"/1.0/storage/netapp/{efs['id']}")).json()
    assert got["id"] == efs["id"] and got["region"] == "eu-west-lim" and got["status"] == "running"
    assert got["iam"]["urn"] == f"urn:v1:eu:resource:storageNetApp:{efs['id']}"
    assert [s["id"] for s in (await client.get("/1.0/storage/netapp")).json()] == [efs["id"]]
    assert (await client.get("/1.0/storage/netapp/not-a-service")).status_code == 404
    other = connect(await credentials("yy2222-ovh"))
    assert (await other.get(f"/1.0/storage/netapp/{efs['id']}")).status_code == 404


async def test_a_failed_payment_delivers_nothing_twice(client):
    # A vRack and a vRack Services in a region that does not exist: the payment fails on the
    # second item. Paying again must not deliver the first one again.
    cid = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()["cartId"]
    await client.post(f"{CART}/{cid}/assign")
    plan = {"duration": "P1M", "pricingMode": "default"}
    r = await client.post(f"{CART}/{cid}/vrack", json={"planCode": "vrack", **plan})
    assert r.status_code == 200, r.text
    item = (
        await client.post(f"{CART}/{cid}/vrackServices", json={"planCode": "vrack-services", **plan})
    ).json()
    await client.post(
        f"{CART}/{cid}/item/{item['itemId']}/configuration", json={"label": "region_name", "value": "mars"}
    )
    order = (await client.post(f"{CART}/{cid}/checkout")).json()["orderId"]
    for _ in range(2):
        r = await client.post(
            f"/1.0/me/order/{order}/payWithRegisteredPaymentMean", json={"paymentMean": "fidelityAccount"}
        )
        assert r.status_code == 400, r.text
    assert (await client.get(f"/1.0/me/order/{order}/status")).json() == "notPaid"
    assert len((await client.get("/1.0/vrack")).json()) == 1
    assert (await client.get("/v2/vrackServices/resource")).json() == []


async def test_two_checkouts_at_once_make_one_order(client):
    cid = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()["cartId"]
    await client.post(f"{CART}/{cid}/assign")
    r = await client.post(
        f"{CART}/{cid}/vrack", json={"planCode": "vrack", "duration": "P1M", "pricingMode": "default"}
    )
    assert r.status_code == 200, r.text
    answers = await asyncio.gather(*(client.post(f"{CART}/{cid}/checkout") for _ in range(3)))
    assert sorted(a.status_code for a in answers) == [200, 400, 400], [a.text for a in answers]
    assert len((await client.get("/1.0/me/order")).json()) == 1


async def test_two_payments_at_once_deliver_once(client):
    cid = (await client.post(CART, json={"ovhSubsidiary": "FR"})).json()["cartId"]
    await client.post(f"{CART}/{cid}/assign")
    r = await client.post(
        f"{CART}/{cid}/vrack", json={"planCode": "vrack", "duration": "P1M", "pricingMode": "default"}
    )
    assert r.status_code == 200, r.text
    order = (await client.post(f"{CART}/{cid}/checkout")).json()["orderId"]
    pay = f"/1.0/me/order/{order}/payWithRegisteredPaymentMean"
    answers = await asyncio.gather(*(client.post(pay, json={"paymentMean": "ovhAccount"}) for _ in range(3)))
    assert sorted(a.status_code for a in answers)[0] == 200, [a.text for a in answers]
    assert len((await client.get("/1.0/vrack")).json()) == 1
    assert (await client.get(f"/1.0/me/order/{order}/status")).json() == "delivered"
