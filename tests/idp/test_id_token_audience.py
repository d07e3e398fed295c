"""An ID token's audience: written once (grants.id_token_client_claims), read back by the end
session endpoint's hook (grants.id_token_client_id)."""
from types import SimpleNamespace

import pytest

from idp.oauth.grants import id_token_client_claims, id_token_client_id

CONFIG = {"ISSUER": "http://qsm.test", "ID_TOKEN_TTL": 300}


def test_the_audience_is_the_one_client_in_a_list_and_reads_back():
    claims = id_token_client_claims(SimpleNamespace(client_id="app-1"), 1000, CONFIG)
    assert claims == {"iss": "http://qsm.test", "aud": ["app-1"], "iat": 1000, "exp": 1300}
    assert id_token_client_id(claims) == "app-1"


@pytest.mark.parametrize(
    ("aud", "client_id"),
    [("app-1", "app-1"), (["app-1", "app-2"], None), ([], None), (None, None), ([7], None), (7, None)],
)
def test_only_a_single_audience_names_the_client(aud, client_id):
    assert id_token_client_id({"aud": aud}) == client_id
