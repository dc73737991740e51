"""What an officer is told when a warning cannot be entered or its teams asked is said in words, in Chinese or
English: never a field's code (subdistrict_ids) nor a leader's message."""

from __future__ import annotations

from tests.integration.test_standby import WARNING, warn


def refusal(response) -> tuple[int, str, str]:
    (error,) = response.get_json()["error"]["errors"]
    return response.status_code, error["code"], error["message"]


def test_a_subdistrict_no_one_knows_is_named_in_words(world, browser):
    for language, said in (("zh", "本区县没有这些街道：99999"), ("en", "this county has no such subdistricts: 99999")):
        admin = browser(world.admin, language=language)
        answer = admin.post("/api/warnings", {**WARNING, "subdistrict_ids": [99999]})
        assert refusal(answer) == (422, "warning.unknown_subdistricts", said)


def test_a_subdistricts_officer_entering_another_subdistricts_warning_is_told_who_may(world, browser):
    answer = browser(world.duty).post("/api/warnings", {**WARNING, "subdistrict_ids": [world.sub_a2.id]})
    status, code, message = refusal(answer)
    assert (status, code) == (422, "warning.own_subdistrict") and "subdistrict_ids" not in message
    assert message.startswith("街道值班人员只能发布本街道的预警")


def test_asking_again_after_the_warning_ended_speaks_to_the_officer(world, browser):
    duty = browser(world.duty)
    warning = warn(duty, world)
    duty.post(f"/api/warnings/{warning['id']}/lift")
    answer = duty.post(f"/api/warnings/{warning['id']}/ask-again")
    assert refusal(answer) == (409, "warning.over", "该预警已结束，不再询问备勤")
