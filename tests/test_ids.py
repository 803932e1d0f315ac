from archive import ids


def test_ids_and_paths():
    assert ids.base_id("2005-05-16", "hrw", "KG") == "2005-05-16-hrw-kg"
    assert ids.base_id(None, "hrw", "") == "undated-hrw"
    assert ids.path_for("2005-05-16-hrw-kg") == "letters/2005/2005-05-16-hrw-kg.xml"
    assert ids.path_for("undated-hrw") == "letters/undated/undated-hrw.xml"
    assert ids.id_from_path("letters/2005/2005-05-16-hrw-kg.xml") == "2005-05-16-hrw-kg"
    assert ids.id_from_path("authority/instruments.xml") is None


def test_org_slug():
    assert ids.org_slug("Human Rights Watch", "HRW") == "hrw"
    assert ids.org_slug("Observatoire des droits et libertés en Afrique centrale") == "odlac"
    assert ids.org_slug("Amnesty") == "amnesty"
    assert ids.slug("Côte d'Ivoire") == "cote-d-ivoire"


def test_path_traversal_ids_are_refused():
    import pytest
    for bad in ("../etc/passwd", "a/b", "", "A-B", ".hidden"):
        with pytest.raises(ValueError):
            ids.path_for(bad)
