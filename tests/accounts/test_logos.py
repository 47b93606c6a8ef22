"""A workspace's logo: what an upload may be, who may change it, and who may fetch it."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import logos
from accounts.models import Membership, WorkspaceLogo
from tests.accounts.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def png(width=64, height=32):
    """A real, decodable PNG of one colour."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\x1d\x4e\xd8" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg(width=120, height=60):
    # SOI, an APP0 segment to skip, then a baseline frame header with the size.
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(width=200, height=100):
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_lossy(width=300, height=150):
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(frame))
        + b"WEBPVP8 "
        + struct.pack("<I", len(frame))
        + frame
    )


@pytest.mark.parametrize(
    "data, kind, size",
    [
        (png(), "image/png", (64, 32)),
        (jpeg(), "image/jpeg", (120, 60)),
        (webp(), "image/webp", (200, 100)),
        (webp_lossy(), "image/webp", (300, 150)),
    ],
)
def test_the_type_and_size_come_from_the_bytes(data, kind, size):
    assert logos.read(SimpleUploadedFile("logo.bin", data)) == (data, kind)
    assert logos.dimensions(data, kind) == size


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG",
        ),
        # The name and the browser's type lie; the bytes decide.
        ("logo.png", b"<html><script>alert(1)</script></html>", "PNG, JPEG or WebP"),
        ("logo.png", b"GIF89a" + b"\x00" * 20, "PNG, JPEG or WebP"),
        ("logo.png", png()[:20], "damaged"),
        ("logo.jpg", b"\xff\xd8\xff\xe0\x00", "damaged"),
        ("logo.png", png(8, 8), "8 × 8 pixels"),
        ("logo.png", png(5000, 16)[:40], "5000 × 16 pixels"),
        ("logo.png", png() + b"\x00" * logos.MAX_BYTES, "larger than 512 KB"),
    ],
)
def test_anything_else_is_refused_with_the_reason(client, name, data, message):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = client.post(
        f"/w/{owner.workspace.slug}/settings/", {"name": owner.workspace.name, "logo": upload}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    owner.workspace.refresh_from_db()
    assert owner.workspace.logo_url() is None
    assert not WorkspaceLogo.objects.exists()


def upload_logo(client, membership, data):
    return client.post(
        f"/w/{membership.workspace.slug}/settings/",
        {"name": membership.workspace.name, "logo": SimpleUploadedFile("x", data)},
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_upload_replace_and_remove_the_logo(client, role):
    member = MembershipFactory(role=role)
    client.force_login(member.user)
    assert upload_logo(client, member, png()).status_code == 302
    member.workspace.refresh_from_db()
    first = member.workspace.logo_url()
    assert first == f"/logos/{logos.digest(png())}.png"
    page = client.get(f"/w/{member.workspace.slug}/settings/").content.decode()
    assert f'src="{first}" alt="{member.workspace.name} logo"' in page

    upload_logo(client, member, jpeg())
    member.workspace.refresh_from_db()
    assert member.workspace.logo_url().endswith(".jpg") and member.workspace.logo_url() != first
    # The old URL answers no more: it named the old image.
    assert client.get(first).status_code == 404

    response = client.post(f"/w/{member.workspace.slug}/settings/logo/remove/")
    assert response.status_code == 302
    member.workspace.refresh_from_db()
    assert member.workspace.logo_url() is None
    assert not WorkspaceLogo.objects.exists()


def test_saving_other_settings_keeps_the_logo(client):
    owner = MembershipFactory(role=Role.OWNER)
    client.force_login(owner.user)
    upload_logo(client, owner, png())
    client.post(f"/w/{owner.workspace.slug}/settings/", {"name": "Renamed"})
    owner.workspace.refresh_from_db()
    assert owner.workspace.name == "Renamed" and owner.workspace.logo_url()


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CLIENT])
def test_analysts_and_clients_cannot_change_the_logo(client, role):
    member = MembershipFactory(role=role)
    client.force_login(member.user)
    assert upload_logo(client, member, png()).status_code == 403
    assert client.post(f"/w/{member.workspace.slug}/settings/logo/remove/").status_code == 403
    assert not WorkspaceLogo.objects.exists()


def test_removing_needs_the_csrf_token():
    from django.test import Client

    owner = MembershipFactory(role=Role.OWNER)
    workspace = owner.workspace
    from accounts.forms import set_logo

    set_logo(workspace, png(), "image/png")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)
    assert strict.post(f"/w/{workspace.slug}/settings/logo/remove/").status_code == 403
    workspace.refresh_from_db()
    assert workspace.logo_url()


def test_a_signed_out_visitor_fetches_a_logo_by_its_hash_and_nothing_else(client):
    from accounts.forms import set_logo

    workspace = WorkspaceFactory()
    set_logo(workspace, png(), "image/png")
    response = client.get(workspace.logo_url())
    assert response.status_code == 200
    assert response.content == png()
    assert response["Content-Type"] == "image/png"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    # Another extension, another hash, or a workspace without a logo: nothing.
    assert client.get(workspace.logo_url().replace(".png", ".jpg")).status_code == 404
    assert client.get(f"/logos/{'0' * 64}.png").status_code == 404
    WorkspaceFactory()
    assert client.get("/logos/.png").status_code == 404
