"""The join link's addresses: none on a loopback server, the bound one, or this machine's."""

from __future__ import annotations

import ipaddress

from server.addresses import join_bases
from server.settings import Settings


def test_a_server_on_this_machine_only_has_no_address_for_others() -> None:
    assert join_bases(Settings(host="127.0.0.1")) == []
    assert join_bases(Settings(host="localhost")) == []


def test_a_server_bound_to_one_address_names_it_with_its_port() -> None:
    assert join_bases(Settings(host="10.1.2.3", port=9000)) == ["http://10.1.2.3:9000"]
    assert join_bases(Settings(host="fd00::5", port=80)) == ["http://[fd00::5]:80"]


def test_a_server_on_every_interface_names_this_machines_own_addresses() -> None:
    for base in join_bases(Settings(host="0.0.0.0", port=8123)):
        host = base.removeprefix("http://").removesuffix(":8123")
        address = ipaddress.ip_address(host)
        assert not address.is_loopback and not address.is_unspecified
