"""The crawl parent and child share one schema: what one side writes the other reads back
as it was, and anything else is an error naming the file and the field."""

from __future__ import annotations

import hashlib
import json

import pytest

from monitor.crawlproto import (
    ChildResult,
    CrawlParams,
    Handover,
    Page,
    Politeness,
    ProtocolError,
    read_json,
    read_pages,
    write_json,
)


def _params() -> CrawlParams:
    return CrawlParams(
        source="prisoners_defenders", start_urls=["http://127.0.0.1:1/feed/"],
        allowed_domains=["127.0.0.1"], out_dir="/tmp/x", post_path=r"^/\d{4}/",
        max_listing_pages=3, known_posts=["http://127.0.0.1:1/a/"], parent_pipe=7,
        polite=Politeness("monitor (+https://example.org)", True, 1.0, 30, 10_000_000),
        handover=[Handover("http://127.0.0.1:1/feed/", 304, [["ETag", '"a"']], "0001",
                           sent_etag='"a"')])


def test_params_and_result_round_trip(tmp_path):
    write_json(_params(), tmp_path / "params.json")
    assert read_json(CrawlParams, tmp_path / "params.json") == _params()
    res = ChildResult(["x: HTTP 500"], [], [], [], {"downloader/request_count": 3,
                                                   "finish_reason": "finished"},
                      "finished", handed_over=["http://127.0.0.1:1/feed/"])
    write_json(res, tmp_path / "result.json")
    assert read_json(ChildResult, tmp_path / "result.json") == res


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.pop("out_dir"), "params.json: missing field 'out_dir'"),
    (lambda d: d.update(retry_times=2), "params.json: unknown field 'retry_times'"),
    (lambda d: d.update(backfill="yes"), "params.json.backfill: expected bool"),
    (lambda d: d.update(max_new_posts=True), "params.json.max_new_posts: "),
    (lambda d: d["polite"].update(timeout="30s"), "params.json.polite.timeout: expected int"),
    (lambda d: d["polite"].pop("user_agent"), "params.json.polite: missing field 'user_agent'"),
    (lambda d: d.update(start_urls="http://x/"), "params.json.start_urls: expected a list"),
    (lambda d: d["known_posts"].append(3), "params.json.known_posts[1]: expected str"),
    (lambda d: d["handover"][0].update(status="304"), "params.json.handover[0].status"),
])
def test_a_params_file_that_does_not_match_names_the_field(tmp_path, edit, message):
    path = tmp_path / "params.json"
    write_json(_params(), path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ProtocolError) as err:
        read_json(CrawlParams, path)
    assert message in str(err.value)


def test_an_unreadable_file_is_a_protocol_error(tmp_path):
    (tmp_path / "result.json").write_text('{"start_failures": [')
    with pytest.raises(ProtocolError, match=r"result\.json: unreadable"):
        read_json(ChildResult, tmp_path / "result.json")


def test_a_page_line_round_trips_and_its_body_is_read_and_hashed_once(tmp_path):
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    body = b"<html><body><p>1.120 presos</p></body></html>"
    (bodies / "000001").write_bytes(body)
    sent = Page("http://127.0.0.1:1/a/", "post", 200, '"e"', None, body, aliases=["b"],
                body_file="000001", sha256=hashlib.sha256(body).hexdigest())
    (tmp_path / "pages.jsonl").write_text(sent.line() + "\n")
    (got,) = read_pages(tmp_path / "pages.jsonl", bodies)
    assert (got.url, got.kind, got.status, got.etag, got.aliases) == (
        sent.url, "post", 200, '"e"', ["b"])
    assert got.digest == hashlib.sha256(body).hexdigest()  # the child's hash, not recomputed
    assert got.body == body
    (bodies / "000001").write_bytes(b"changed on disk")
    assert got.body == body  # read once: the bytes read are the bytes stored and hashed
    got.release()
    assert got.body == b"changed on disk"


@pytest.mark.parametrize("line, message", [
    ('{"url": "u", "kind": "post", "status": 200, "etag": null, "last_modified": null}',
     "body_file"),
    ('{"url": "u", "kind": "post", "status": 200, "etag": null, "last_modified": null,'
     ' "body_file": "../../etc/passwd"}', "body_file"),
    ('{"url": "u", "kind": "post", "status": "200", "etag": null, "last_modified": null,'
     ' "body_file": "000001"}', "pages.jsonl line 1.status"),
    ('{"url": "u", "kind": "post", "etag": null, "last_modified": null,'
     ' "body_file": "000001"}', "missing field 'status'"),
    ("not json", "pages.jsonl line 1: not JSON"),
])
def test_a_bad_page_line_names_the_field(tmp_path, line, message):
    (tmp_path / "pages.jsonl").write_text(line + "\n")
    with pytest.raises(ProtocolError) as err:
        read_pages(tmp_path / "pages.jsonl", tmp_path)
    assert message in str(err.value)


@pytest.mark.parametrize("body, blank", [(b"", True), (b"  \n\t", True), (b" x ", False),
                                         (b" " * 600, False)])
def test_blank_bodies(tmp_path, body, blank):
    (tmp_path / "b").write_bytes(body)
    # a file of 512 bytes or more is taken as not blank without reading it
    assert Page("u", "post", 200, None, None, tmp_path / "b").blank() is blank
