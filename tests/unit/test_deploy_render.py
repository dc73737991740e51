"""deploy/render.py: the templates become one server's files, with every placeholder filled and nothing invented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("deploy_render", ROOT / "deploy" / "render.py")
render = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render)


def rendered(tmp_path: Path, *args: str) -> dict[str, str]:
    assert render.main(["--out", str(tmp_path), *args]) == 0
    return {name: (tmp_path / name).read_text() for name in render.OUTPUTS.values()}


def test_every_template_is_written_with_no_placeholder_left(tmp_path):
    files = rendered(tmp_path)
    assert set(files) == set(render.OUTPUTS.values())
    for name, text in files.items():
        assert not render.PLACEHOLDER.search(text), name


def test_nginx_lists_one_server_per_web_process_and_supervisord_numbers_them_by_port(tmp_path):
    files = rendered(tmp_path, "--web", "4", "--first-port", "9001", "--workers", "3")
    servers = re.findall(r"server 127\.0\.0\.1:(\d+)", files["nginx-dispatch-common.conf"])
    assert servers == ["9001", "9002", "9003", "9004"]
    supervisord = files["supervisord.conf"]
    assert "numprocs=4\nnumprocs_start=9001" in supervisord
    assert "numprocs=3" in supervisord


def test_the_processes_run_as_the_service_user_unless_told_otherwise(tmp_path):
    assert "user=dispatch" in rendered(tmp_path / "a")["supervisord.conf"]
    assert "user=" not in rendered(tmp_path / "b", "--user", "")["supervisord.conf"]


def test_nginx_refuses_bodies_at_twice_the_apps_limit(tmp_path):
    files = rendered(tmp_path, "--max-upload-bytes", "1000")
    assert "client_max_body_size 2000;" in files["nginx-dispatch-locations.conf"]


def test_a_placeholder_without_a_value_is_an_error_not_an_empty_string():
    with pytest.raises(KeyError, match="port"):
        render.fill("listen {{ port }};", {})


def test_at_least_one_web_process_and_one_worker(tmp_path, capsys):
    assert render.main(["--out", str(tmp_path), "--workers", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_the_environment_example_sets_only_settings_the_app_reads():
    config = "".join(path.read_text() for path in (ROOT / "dispatch").rglob("*.py"))
    example = (ROOT / "deploy" / "dispatch.env.example").read_text().splitlines()
    keys = {line.lstrip("#").split("=", 1)[0] for line in example if re.match(r"#?[A-Z_]+=", line)}
    assert keys >= {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PERSONAL_DATA_KEYS", "PUBLIC_URL", "TRUSTED_PROXIES"}
    assert sorted(key for key in keys if f'"{key}"' not in config) == []


def test_the_web_processes_ports_must_exist(tmp_path, capsys):
    assert render.main(["--out", str(tmp_path), "--first-port", "65535", "--web", "3"]) == 2
    assert "1024–65535" in capsys.readouterr().err


def test_plain_http_redirects_to_the_sites_own_name_and_https_port(tmp_path):
    named = rendered(tmp_path / "a", "--server-name", "dispatch.xihu.gov.cn", "--https-port", "8443")["nginx-dispatch.conf"]
    assert "return 301 https://dispatch.xihu.gov.cn:8443$request_uri;" in named
    default_port = rendered(tmp_path / "b", "--server-name", "dispatch.xihu.gov.cn")["nginx-dispatch.conf"]
    assert "return 301 https://dispatch.xihu.gov.cn$request_uri;" in default_port


def test_a_site_answering_to_any_name_redirects_to_the_name_asked_for(tmp_path):
    assert "return 301 https://$host$request_uri;" in rendered(tmp_path / "a")["nginx-dispatch.conf"]
    several = rendered(tmp_path / "b", "--server-name", "a.example b.example")["nginx-dispatch.conf"]
    assert "return 301 https://$host$request_uri;" in several
