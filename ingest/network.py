"""Loading the network file: regions with aliases, members with their channels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.pii import Vault, normalise_address
from models.schema import Member, MemberChannel, Region

ROLES = {"reporter", "focal_person", "police_liaison", "coordinator"}
CHANNELS = ("telegram", "sms")


class NetworkFileError(ValueError):
    """The network file is not usable; the message names the entry and the problem."""


@dataclass(frozen=True)
class LoadResult:
    regions: int
    members: int
    channels: int


def read_network(path: Path) -> dict[str, Any]:
    """Parse and validate a network YAML file without touching the database."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NetworkFileError(f"{path}: no such file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NetworkFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise NetworkFileError(f"{path}: expected a mapping with 'regions' and 'members'")
    regions = data.get("regions") or []
    members = data.get("members") or []
    if not isinstance(regions, list) or not isinstance(members, list):
        raise NetworkFileError(f"{path}: 'regions' and 'members' must be lists")
    region_ids: set[str] = set()
    for i, region in enumerate(regions):
        if not isinstance(region, dict) or not region.get("id"):
            raise NetworkFileError(f"{path}: region #{i + 1} has no id")
        region_ids.add(str(region["id"]))
    for region in regions:
        parent = region.get("parent")
        if parent and str(parent) not in region_ids:
            raise NetworkFileError(f"{path}: region {region['id']} names unknown parent {parent}")
    for i, member in enumerate(members):
        if not isinstance(member, dict) or not member.get("id"):
            raise NetworkFileError(f"{path}: member #{i + 1} has no id")
        role = member.get("role", "reporter")
        if role not in ROLES:
            raise NetworkFileError(f"{path}: member {member['id']} has unknown role {role!r} (one of {', '.join(sorted(ROLES))})")
        if member.get("region") and str(member["region"]) not in region_ids:
            raise NetworkFileError(f"{path}: member {member['id']} names unknown region {member['region']}")
    return {"regions": regions, "members": members}


def load_network(session: Session, vault: Vault, network: dict[str, Any]) -> LoadResult:
    """Insert or update regions and members; a member's channels are merged, never duplicated."""
    existing_regions = {r.id: r for r in session.scalars(select(Region))}
    for spec in network["regions"]:
        region = existing_regions.get(str(spec["id"])) or Region(id=str(spec["id"]))
        region.name = str(spec.get("name") or spec["id"])
        region.aliases = [str(a) for a in spec.get("aliases") or []]
        session.add(region)
    session.flush()
    for spec in network["regions"]:
        session.get(Region, str(spec["id"])).parent_id = str(spec["parent"]) if spec.get("parent") else None  # type: ignore[union-attr]
    ids = [str(spec["id"]) for spec in network["members"]]
    existing = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    members: list[tuple[Member, dict[str, Any]]] = []
    for spec in network["members"]:
        member = existing.get(str(spec["id"])) or Member(id=str(spec["id"]))
        member.name = spec.get("name")
        member.role = spec.get("role", "reporter")
        member.region_id = str(spec["region"]) if spec.get("region") else None
        member.lang = str(spec.get("lang") or "en")
        member.trust = "registered"
        session.add(member)
        members.append((member, spec))
    session.flush()
    channels = 0
    for member, spec in members:
        for channel in CHANNELS:
            address = spec.get(channel)
            if address in (None, ""):
                continue
            attach_channel(session, vault, member, channel, str(address))
            channels += 1
    session.flush()
    return LoadResult(len(network["regions"]), len(network["members"]), channels)


def attach_channel(session: Session, vault: Vault, member: Member, channel: str, address: str) -> MemberChannel:
    """Give ``member`` this channel address, moving it from whoever held it before."""
    digest = vault.hash(channel, address)
    row = session.scalar(select(MemberChannel).where(MemberChannel.channel == channel, MemberChannel.address_hash == digest))
    if row is None:
        row = MemberChannel(channel=channel, address_hash=digest, address_enc=vault.encrypt(normalise_address(channel, address)), member_id=member.id)
        session.add(row)
    elif row.member_id != member.id:
        previous = session.get(Member, row.member_id)
        row.member_id = member.id
        if previous is not None and previous.trust != "registered" and len(previous.channels) <= 1:
            member.opted_out = member.opted_out or previous.opted_out
    return row
