"""The broker's demo people: who they are and at which assurance level they log in."""

LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
PNR_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"

PEOPLE = {
    "eva": {"given_name": "Eva", "family_name": "Ek", "pnr": "197010102388", "acr": LOA3},
    "olof": {"given_name": "Olof", "family_name": "Olsson", "pnr": "198002022396", "acr": LOA2},
}


def id_token_claims(id_token, user, token=None, request=None, **kwargs):
    person = PEOPLE.get(user.username, {})
    id_token["acr"] = person.get("acr", LOA2)
    id_token["given_name"] = person.get("given_name", "")
    id_token["family_name"] = person.get("family_name", "")
    id_token["name"] = f"{person.get('given_name', '')} {person.get('family_name', '')}".strip()
    if person.get("pnr"):
        id_token[PNR_CLAIM] = person["pnr"]
    return id_token


def userinfo(claims, user):
    person = PEOPLE.get(user.username, {})
    claims["given_name"] = person.get("given_name", "")
    claims["family_name"] = person.get("family_name", "")
    claims["name"] = f"{claims['given_name']} {claims['family_name']}".strip()
    return claims
