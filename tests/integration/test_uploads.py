"""Uploading a CSV from the pages or the API: all or nothing, every bad row listed, only within your jurisdiction."""

from __future__ import annotations

import io

from tests.integration.test_scope import snapshot

HEADER = "名称,类型,统一社会信用代码,社区代码,技能,负责人,负责人手机\n"


def csv_file(text: str, encoding: str = "gb18030", name: str = "orgs.csv") -> tuple:
    return io.BytesIO(text.encode(encoding)), name


def rows(community, bad_middle: bool = False) -> str:
    lines = [f"翠苑第{n}应急队,备案,,{community.code},rescue:5,钱队长,1390000{n:04d}" for n in range(1, 6)]
    if bad_middle:
        lines[2] = f"翠苑第3应急队,登记,91350100M000100Y44,{community.code},rescue:5,钱队长,13900000003"
    return HEADER + "\n".join(lines) + "\n"


def upload_page(client, text: str, kind: str = "organizations", encoding: str = "gb18030"):
    return client.send(
        "POST", "/imports", None, data={"kind": kind, "file": csv_file(text, encoding)}, content_type="multipart/form-data"
    )


def test_a_gbk_file_from_excel_imports_every_row(world, browser):
    client = browser(world.duty)
    response = upload_page(client, rows(world.community_a1))
    assert response.status_code == 200
    assert "导入成功" in response.get_data(as_text=True)
    assert "翠苑第5应急队" in client.get("/organizations?q=翠苑第").get_data(as_text=True)


def test_one_bad_row_in_the_middle_imports_nothing_and_names_the_line(world, browser):
    client = browser(world.duty)
    before = snapshot()
    response = upload_page(client, rows(world.community_a1, bad_middle=True))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未导入任何数据" in page and '<td data-label="行">4</td>' in page and "统一社会信用代码校验位不正确" in page
    assert snapshot() == before


def test_the_api_lists_bad_rows_with_line_numbers_in_english(world, browser):
    client = browser(world.duty, language="en")
    data = {"file": csv_file(rows(world.community_a1, bad_middle=True))}
    response = client.send("POST", "/api/imports/organizations", None, data=data, content_type="multipart/form-data")
    body = response.get_json()["error"]
    assert response.status_code == 422 and body["code"] == "import_failed"
    assert body["errors"] == [
        {
            "row": 4,
            "field": "credit_code",
            "code": "credit_code.check_digit",
            "message": "the credit code's check character is wrong",
        }
    ]


def test_a_value_longer_than_the_csv_module_reads_is_a_bad_row_not_a_server_error(world, browser):
    client = browser(world.duty, language="en")
    text = rows(world.community_a1).replace("钱队长", "长" * 200_000, 1)
    before = snapshot()
    response = client.send(
        "POST", "/api/imports/organizations", None, data={"file": csv_file(text)}, content_type="multipart/form-data"
    )
    body = response.get_json()["error"]
    assert response.status_code == 422 and body["code"] == "import_failed"
    assert [(e["row"], e["field"], e["message"]) for e in body["errors"]] == [
        (2, "leader_name", "is too long (over 131072 characters)")
    ]
    assert snapshot() == before


def test_rows_naming_another_subdistricts_community_are_refused(world, browser):
    before = snapshot()
    response = upload_page(browser(world.duty), rows(world.community_a2))
    assert response.status_code == 422 and "找不到该社区" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_leader_adds_members_to_their_own_organization_only(world, browser):
    client = browser(world.leader)
    own = f"社区代码,组织名称,姓名,手机,技能\n{world.org_a1.community.code},{world.org_a1.name},新队员,13700005555,rescue\n"
    other = f"社区代码,组织名称,姓名,手机,技能\n{world.org_a1b.community.code},{world.org_a1b.name},新队员,13700005556,rescue\n"
    assert upload_page(client, own, kind="members", encoding="utf-8-sig").status_code == 200
    refused = upload_page(client, other, kind="members", encoding="utf-8-sig")
    assert refused.status_code == 422 and "找不到该组织" in refused.get_data(as_text=True)
    assert upload_page(client, rows(world.community_a1)).status_code == 403


def test_an_upload_over_the_size_limit_is_refused(world, browser, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    before = snapshot()
    response = upload_page(browser(world.duty), rows(world.community_a1) * 20)
    assert response.status_code == 413 and "1 KB" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_missing_file_is_named(world, browser):
    client = browser(world.duty)
    page = client.send("POST", "/imports", None, data={"kind": "organizations"}, content_type="multipart/form-data")
    assert page.status_code == 422 and "必填" in page.get_data(as_text=True)
    api = client.send("POST", "/api/imports/organizations", None, data={}, content_type="multipart/form-data")
    assert api.status_code == 422 and api.get_json()["error"]["errors"][0]["field"] == "file"
