"""What Acme's mappings send NetSuite. Review the snapshot diff in every pull request;
after an intended change, run `pytest --snapshot-update` and commit the new snapshots."""

from syrupy.matchers import path_type


def test_customer_payloads(ferry_render, snapshot_json):
    assert ferry_render("mappings/customer.yaml", "fixtures/accounts.yaml") == snapshot_json


def test_customer_ids_from_names(ferry_render, snapshot_json):
    results = ferry_render(
        "mappings/customer.yaml", "fixtures/accounts.yaml", account_number_mapping="source_name"
    )
    assert results == snapshot_json


def test_how_each_field_is_built(ferry_render, snapshot_json):
    # The explanation names spec lines, which move whenever a comment is added above them:
    # scrub every `location` by its path, keep the values and transform steps.
    explained = ferry_render("mappings/customer.yaml", "fixtures/accounts.yaml", explain=True)
    anywhere_location = path_type({r".*\.location": (dict,)}, regex=True)
    assert explained[:1] == snapshot_json(matcher=anywhere_location)
